// Subsample maps for NAL-structured video (ISO/IEC 23001-7 9.5, 10.1-10.4): which bytes of an AVC sample stay clear
// and which are protected. The map is what senc carries per sample (BytesOfClearData, BytesOfProtectedData).
import { Mp4ErrorCode, Mp4ParseError } from '../../src/mp4/errors.js';

export interface Subsample {
  clear: number;
  protected: number;
}

/**
 * How to split a sample:
 * - 'aligned': our fixtures. Non-VCL NAL units (SEI, SPS, PPS, AUD, ...) stay wholly clear; in a VCL NAL unit the length
 *   field and the NAL header byte stay clear (9.5: the NAL unit header must be readable), and for cenc/cens/cbc1 the
 *   protected part is shortened to a multiple of 16 bytes with the remainder moved to the clear bytes (10.2 cbc1 and
 *   10.3 cens require whole blocks; for cenc it keeps the layout the same across schemes). cbcs keeps the whole rest
 *   of the NAL protected: its pattern leaves a trailing partial block clear by itself (10.4).
 * - 'ffmpeg': what ffmpeg 5.1's mov muxer writes for cenc-aes-ctr: one entry per NAL unit, length field + header byte
 *   clear, the rest protected, whatever the NAL type. Used only for the cross-check against ffmpeg.
 */
export type SubsampleLayout = 'aligned' | 'ffmpeg';

const MAX_CLEAR = 0xffff;

/** Walks the length-prefixed NAL units of an AVC sample (ISO/IEC 14496-15 5.3.2). */
export function nalUnits(sample: Uint8Array, lengthSize: number): { start: number; size: number; type: number }[] {
  const out: { start: number; size: number; type: number }[] = [];
  let at = 0;
  while (at < sample.length) {
    if (at + lengthSize > sample.length) {
      throw new Mp4ParseError(Mp4ErrorCode.TRUNCATED, 'NAL length field cut off', 'mdat', { offset: at });
    }
    let size = 0;
    for (let i = 0; i < lengthSize; i++) size = size * 256 + sample[at + i]!;
    const start = at + lengthSize;
    if (size < 1 || start + size > sample.length) {
      throw new Mp4ParseError(Mp4ErrorCode.SIZE_MISMATCH, `NAL size ${size} does not fit the sample`, 'mdat', { size });
    }
    out.push({ start, size, type: sample[start]! & 0x1f });
    at = start + size;
  }
  return out;
}

/** AVC VCL NAL unit types: coded slices 1-5 (ISO/IEC 14496-10 Table 7-1). */
function isVcl(type: number): boolean {
  return type >= 1 && type <= 5;
}

export function avcSubsamples(
  sample: Uint8Array,
  lengthSize: number,
  layout: SubsampleLayout,
  wholeBlocks: boolean,
): Subsample[] {
  const out: Subsample[] = [];
  let pendingClear = 0;
  const push = (clear: number, prot: number): void => {
    let c = pendingClear + clear;
    pendingClear = 0;
    while (c > MAX_CLEAR) {
      out.push({ clear: MAX_CLEAR, protected: 0 });
      c -= MAX_CLEAR;
    }
    out.push({ clear: c, protected: prot });
  };
  for (const nal of nalUnits(sample, lengthSize)) {
    const header = lengthSize + 1;
    const rest = nal.size - 1;
    if (layout === 'ffmpeg') {
      push(header, rest);
      continue;
    }
    const prot = !isVcl(nal.type) ? 0 : wholeBlocks ? rest - (rest % 16) : rest;
    if (prot < 16) {
      pendingClear += lengthSize + nal.size;
      continue;
    }
    push(lengthSize + nal.size - prot, prot);
  }
  if (pendingClear > 0) push(0, 0);
  return out;
}
