// Which bytes of a sample the cipher sees, per scheme (ISO/IEC 23001-7 9.5 subsample encryption, 9.6 pattern
// encryption, 10.1-10.4 the four schemes).

/** One clear/protected pair of a sample's subsample map (ISO/IEC 23001-7 9.5). */
export interface SubsampleRange {
  clearBytes: number;
  protectedBytes: number;
}

/** How one sample is encrypted, as the cipher needs it (the decrypt core derives it from the boxes). */
export interface SampleCipher {
  scheme: 'cenc' | 'cens' | 'cbc1' | 'cbcs';
  /** 8 or 16 bytes: the per-sample IV, or the constant IV. */
  iv: Uint8Array;
  /** Clear/protected byte ranges covering the sample; undefined = the whole sample is protected. */
  subsamples: readonly SubsampleRange[] | undefined;
  cryptByteBlock: number;
  skipByteBlock: number;
}

/**
 * The cipher input of one sample as runs, in cipher order: a run is `count` pieces of `length` bytes starting at
 * `offset` (within the sample) and `stride` bytes apart. A pattern ('cens', 'cbcs') becomes one strided run per
 * protected range plus at most one shorter tail piece, so the work to describe a sample is per subsample, not per
 * 16-byte block.
 */
export interface CipherRanges {
  /** Flat [offset, length, stride, count, ...]. */
  runs: number[];
  /** Indexes (into runs / 4) of runs at which a CBC chain restarts with the IV ('cbcs': every protected range). */
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
export function cipherRanges(size: number, enc: SampleCipher): CipherRanges {
  const runs: number[] = [];
  const chainStarts: number[] = [];
  let total = 0;
  let chainPending = false;
  const push = (offset: number, length: number, stride: number, count: number): void => {
    if (length <= 0 || count <= 0) return;
    const last = runs.length - 4;
    if (chainPending) {
      chainStarts.push(runs.length / 4);
      chainPending = false;
      runs.push(offset, length, stride, count);
    } else if (count === 1 && last >= 0 && runs[last + 3] === 1 && runs[last]! + runs[last + 1]! === offset) {
      // Touching single pieces of one chain merge: fewer, larger copies when gathering.
      runs[last + 1] = runs[last + 1]! + length;
    } else {
      runs.push(offset, length, stride, count);
    }
    total += length * count;
  };
  const scheme = enc.scheme;
  const patterned = (scheme === 'cens' || scheme === 'cbcs') && enc.cryptByteBlock > 0 && enc.skipByteBlock > 0;
  const each = (fn: (offset: number, length: number) => void): void => {
    if (!enc.subsamples) {
      fn(0, size);
      return;
    }
    let at = 0;
    for (const s of enc.subsamples) {
      at += s.clearBytes;
      if (s.protectedBytes > 0) fn(at, s.protectedBytes);
      at += s.protectedBytes;
    }
  };
  each((offset, length) => {
    // cbcs restarts the chain with the IV at every protected range; the others run one chain/keystream per sample.
    if (scheme === 'cbcs' || runs.length === 0) chainPending = true;
    if (scheme === 'cenc') {
      push(offset, length, 0, 1);
    } else if (!patterned) {
      push(offset, length - (length % 16), 0, 1);
    } else {
      const crypt = enc.cryptByteBlock * 16;
      const period = crypt + enc.skipByteBlock * 16;
      // Full crypt runs, then a tail of whole blocks when the range ends inside a crypt run.
      const full = length >= crypt ? Math.floor((length - crypt) / period) + 1 : 0;
      push(offset, crypt, period, full);
      const tailAt = offset + full * period;
      const tail = Math.min(crypt, offset + length - tailAt);
      if (tail >= 16) push(tailAt, tail - (tail % 16), 0, 1);
    }
  });
  return { runs, chainStarts, total };
}
