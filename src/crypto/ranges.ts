// Which bytes of a sample the cipher sees, per scheme (ISO/IEC 23001-7 9.5 subsample encryption, 9.6 pattern
// encryption, 10.1-10.4 the four schemes).
import type { SampleEncryption } from '../mp4/segment.js';

/**
 * The cipher input of one sample: byte ranges in cipher order (offsets within the sample), and for each range
 * whether a CBC chain restarts at it with the sample's IV. CTR schemes never restart within a sample: the counter
 * runs across all protected bytes.
 */
export interface CipherRanges {
  /** Flat [offset, length, offset, length, ...] within the sample. */
  ranges: number[];
  /** Indexes (into ranges / 2) of ranges that start a new CBC chain. Always includes 0 when ranges is not empty. */
  chainStarts: number[];
  /** Total bytes covered. */
  total: number;
}

/**
 * cenc: every protected byte, one keystream across subsamples (10.1).
 * cbc1: the whole 16-byte blocks of each protected range, one chain across the sample; a trailing partial block of
 *       a range stays clear (10.2).
 * cens: the pattern's crypt blocks of each protected range (pattern restarting at each range), one keystream (10.3).
 * cbcs: the pattern's crypt blocks of each protected range, the chain restarting with the IV at each range (10.4).
 * A 0:0 pattern (or skip 0) encrypts every whole block. Partial blocks are never encrypted by the pattern schemes.
 */
export function cipherRanges(size: number, enc: SampleEncryption): CipherRanges {
  const ranges: number[] = [];
  const chainStarts: number[] = [];
  let total = 0;
  const protectedParts: [number, number][] = [];
  if (enc.subsamples) {
    let at = 0;
    for (const s of enc.subsamples) {
      at += s.clearBytes;
      if (s.protectedBytes > 0) protectedParts.push([at, s.protectedBytes]);
      at += s.protectedBytes;
    }
  } else if (size > 0) {
    protectedParts.push([0, size]);
  }
  let chainPending = false;
  const push = (offset: number, length: number): void => {
    if (length <= 0) return;
    const last = ranges.length - 2;
    if (chainPending) {
      chainStarts.push(ranges.length / 2);
      chainPending = false;
      ranges.push(offset, length);
    } else if (last >= 0 && ranges[last]! + ranges[last + 1]! === offset) {
      // Touching ranges of one chain merge: fewer, larger copies when gathering.
      ranges[last + 1] = ranges[last + 1]! + length;
    } else {
      ranges.push(offset, length);
    }
    total += length;
  };
  const scheme = enc.scheme;
  const patterned = (scheme === 'cens' || scheme === 'cbcs') && enc.cryptByteBlock > 0 && enc.skipByteBlock > 0;
  for (const [offset, length] of protectedParts) {
    // cbcs restarts the chain with the IV at every protected range; the others run one chain/keystream per sample.
    if (scheme === 'cbcs' || ranges.length === 0) chainPending = true;
    if (scheme === 'cenc') {
      push(offset, length);
    } else if (!patterned) {
      push(offset, length - (length % 16));
    } else {
      const crypt = enc.cryptByteBlock * 16;
      const period = crypt + enc.skipByteBlock * 16;
      const end = offset + length;
      for (let at = offset; at + 16 <= end; at += period) {
        const n = Math.min(crypt, end - at);
        push(at, n - (n % 16));
      }
    }
  }
  return { ranges, chainStarts, total };
}
