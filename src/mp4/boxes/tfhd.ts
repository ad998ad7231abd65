// Track Fragment Header box, ISO/IEC 14496-12 8.8.7 ('tfhd').
import type { Box } from '../box.js';
import { readFullBox } from '../full-box.js';

export const TfhdFlags = {
  BASE_DATA_OFFSET: 0x1,
  SAMPLE_DESCRIPTION_INDEX: 0x2,
  DEFAULT_SAMPLE_DURATION: 0x8,
  DEFAULT_SAMPLE_SIZE: 0x10,
  DEFAULT_SAMPLE_FLAGS: 0x20,
  DURATION_IS_EMPTY: 0x10000,
  DEFAULT_BASE_IS_MOOF: 0x20000,
} as const;

export interface TfhdBox {
  flags: number;
  trackId: number;
  baseDataOffset: number | undefined;
  sampleDescriptionIndex: number | undefined;
  defaultSampleDuration: number | undefined;
  defaultSampleSize: number | undefined;
  defaultSampleFlags: number | undefined;
}

export function parseTfhd(box: Box): TfhdBox {
  const { flags, reader: r } = readFullBox(box, 0);
  const trackId = r.u32();
  const opt = (flag: number, read: () => number): number | undefined => (flags & flag ? read() : undefined);
  return {
    flags,
    trackId,
    baseDataOffset: opt(TfhdFlags.BASE_DATA_OFFSET, () => r.u64()),
    sampleDescriptionIndex: opt(TfhdFlags.SAMPLE_DESCRIPTION_INDEX, () => r.u32()),
    defaultSampleDuration: opt(TfhdFlags.DEFAULT_SAMPLE_DURATION, () => r.u32()),
    defaultSampleSize: opt(TfhdFlags.DEFAULT_SAMPLE_SIZE, () => r.u32()),
    defaultSampleFlags: opt(TfhdFlags.DEFAULT_SAMPLE_FLAGS, () => r.u32()),
  };
}
