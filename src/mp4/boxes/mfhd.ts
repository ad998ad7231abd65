// Movie Fragment Header box, ISO/IEC 14496-12 8.8.5 ('mfhd').
import type { Box } from '../box.js';
import { readFullBox } from '../full-box.js';

export function parseMfhd(box: Box): { sequenceNumber: number } {
  const { reader: r } = readFullBox(box, 0);
  return { sequenceNumber: r.u32() };
}
