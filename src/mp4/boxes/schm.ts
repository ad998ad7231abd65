// Scheme Type box, ISO/IEC 14496-12 8.12.5 ('schm'); CENC scheme types per ISO/IEC 23001-7 4.2.
import type { Box } from '../box.js';
import { readFullBox } from '../full-box.js';

export interface SchmBox {
  schemeType: string;
  /** 0x00010000 for CENC (ISO/IEC 23001-7 4.2). */
  schemeVersion: number;
}

export function parseSchm(box: Box): SchmBox {
  const { reader: r } = readFullBox(box, 0);
  return { schemeType: r.fourcc(), schemeVersion: r.u32() };
}
