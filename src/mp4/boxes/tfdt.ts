// Track Fragment Decode Time box, ISO/IEC 14496-12 8.8.12 ('tfdt').
import type { Box } from '../box.js';
import { readFullBox } from '../full-box.js';

export function parseTfdt(box: Box): { baseMediaDecodeTime: number } {
  const { version, reader: r } = readFullBox(box, 1);
  return { baseMediaDecodeTime: version === 1 ? r.u64() : r.u32() };
}
