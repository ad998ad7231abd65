// Track Header box, ISO/IEC 14496-12 8.3.2 ('tkhd'). Only the fields the decrypt path needs.
import type { Box } from '../box.js';
import { badValue, readFullBox } from '../full-box.js';

export interface TkhdBox {
  trackId: number;
}

export function parseTkhd(box: Box): TkhdBox {
  const { version, reader: r } = readFullBox(box, 1);
  r.skip(version === 1 ? 16 : 8); // creation_time, modification_time
  const trackId = r.u32();
  if (trackId === 0) throw badValue(box, 'track_ID', 'track_ID 0 is reserved');
  return { trackId };
}
