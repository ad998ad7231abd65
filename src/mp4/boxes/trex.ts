// Track Extends box, ISO/IEC 14496-12 8.8.3 ('trex' in 'mvex'): per-track defaults for movie fragments.
import type { Box } from '../box.js';
import { readFullBox } from '../full-box.js';

export interface TrexBox {
  trackId: number;
  defaultSampleDescriptionIndex: number;
  defaultSampleDuration: number;
  defaultSampleSize: number;
  defaultSampleFlags: number;
}

export function parseTrex(box: Box): TrexBox {
  const { reader: r } = readFullBox(box, 0);
  return {
    trackId: r.u32(),
    defaultSampleDescriptionIndex: r.u32(),
    defaultSampleDuration: r.u32(),
    defaultSampleSize: r.u32(),
    defaultSampleFlags: r.u32(),
  };
}
