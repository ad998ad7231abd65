// Media Header box, ISO/IEC 14496-12 8.4.2 ('mdhd').
import type { Box } from '../box.js';
import { badValue, readFullBox } from '../full-box.js';

export interface MdhdBox {
  timescale: number;
  duration: number;
}

export function parseMdhd(box: Box): MdhdBox {
  const { version, reader: r } = readFullBox(box, 1);
  r.skip(version === 1 ? 16 : 8); // creation_time, modification_time
  const timescale = r.u32();
  if (timescale === 0) throw badValue(box, 'timescale', 'timescale 0');
  const duration = version === 1 ? r.u64() : r.u32();
  return { timescale, duration };
}
