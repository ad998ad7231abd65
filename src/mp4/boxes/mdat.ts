// Media Data box, ISO/IEC 14496-12 8.1.1 ('mdat'): sample bytes, addressed from trun and saio by offset.
import type { Box } from '../box.js';

/** The byte range [start, end) of an mdat's payload, in the coordinates of the bytes the box was read from. */
export function mdatPayloadRange(box: Box): { start: number; end: number } {
  return { start: box.start + box.headerSize, end: box.start + box.size };
}
