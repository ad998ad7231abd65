// Track Fragment Run box, ISO/IEC 14496-12 8.8.8 ('trun').
import type { Box } from '../box.js';
import { Mp4ErrorCode, Mp4ParseError } from '../errors.js';
import { readFullBox } from '../full-box.js';

export const TrunFlags = {
  DATA_OFFSET: 0x1,
  FIRST_SAMPLE_FLAGS: 0x4,
  SAMPLE_DURATION: 0x100,
  SAMPLE_SIZE: 0x200,
  SAMPLE_FLAGS: 0x400,
  SAMPLE_CTO: 0x800,
} as const;

export interface TrunBox {
  flags: number;
  sampleCount: number;
  /** Signed offset from the base data offset, when present. */
  dataOffset: number | undefined;
  /** Per-sample sizes, or undefined when the run uses the default size for every sample. */
  sampleSizes: Uint32Array | undefined;
  /** Per-sample durations, or undefined when the run uses the default duration. */
  sampleDurations: Uint32Array | undefined;
}

/**
 * `maxSamples` bounds sample_count (when the run stores no per-sample fields nothing else would): the caller passes
 * a limit derived from the input size, so a lying count cannot make us allocate or loop beyond the input.
 */
export function parseTrun(box: Box, maxSamples: number): TrunBox {
  const { flags, reader: r } = readFullBox(box, 1);
  const sampleCount = r.u32();
  const dataOffset = flags & TrunFlags.DATA_OFFSET ? r.i32() : undefined;
  if (flags & TrunFlags.FIRST_SAMPLE_FLAGS) r.skip(4);
  const fields = [TrunFlags.SAMPLE_DURATION, TrunFlags.SAMPLE_SIZE, TrunFlags.SAMPLE_FLAGS, TrunFlags.SAMPLE_CTO];
  const perSample = fields.filter((f) => flags & f).length * 4;
  if (perSample > 0 && sampleCount * perSample !== r.remaining) {
    throw new Mp4ParseError(
      Mp4ErrorCode.SIZE_MISMATCH,
      `trun sample_count ${sampleCount} does not match its ${r.remaining} byte(s) of sample fields`,
      box.path,
      { sampleCount, remaining: r.remaining },
    );
  }
  if (sampleCount > maxSamples) {
    throw new Mp4ParseError(
      Mp4ErrorCode.SIZE_MISMATCH,
      `trun sample_count ${sampleCount} exceeds ${maxSamples}`,
      box.path,
      {
        sampleCount,
        maxSamples,
      },
    );
  }
  const sampleSizes = flags & TrunFlags.SAMPLE_SIZE ? new Uint32Array(sampleCount) : undefined;
  const sampleDurations = flags & TrunFlags.SAMPLE_DURATION ? new Uint32Array(sampleCount) : undefined;
  for (let i = 0; i < sampleCount; i++) {
    if (sampleDurations) sampleDurations[i] = r.u32();
    if (sampleSizes) sampleSizes[i] = r.u32();
    if (flags & TrunFlags.SAMPLE_FLAGS) r.skip(4);
    if (flags & TrunFlags.SAMPLE_CTO) r.skip(4);
  }
  return { flags, sampleCount, dataOffset, sampleSizes, sampleDurations };
}
