import { expect } from '@open-wc/testing';
import fc from 'fast-check';
import { cipherRanges } from '../../src/crypto/ranges.js';
import type { SampleEncryption } from '../../src/mp4/segment.js';

type Scheme = SampleEncryption['scheme'];

/** The protected byte offsets of a sample, block by block, straight from ISO/IEC 23001-7 9.5-9.6 and 10. */
function naive(size: number, enc: SampleEncryption): number[] {
  const ranges: [number, number][] = [];
  if (enc.subsamples) {
    let at = 0;
    for (const s of enc.subsamples) {
      ranges.push([at + s.clearBytes, s.protectedBytes]);
      at += s.clearBytes + s.protectedBytes;
    }
  } else {
    ranges.push([0, size]);
  }
  const out: number[] = [];
  const { cryptByteBlock: c, skipByteBlock: k } = enc;
  const pattern = (enc.scheme === 'cens' || enc.scheme === 'cbcs') && c > 0 && k > 0;
  for (const [start, len] of ranges) {
    if (enc.scheme === 'cenc') {
      for (let i = 0; i < len; i++) out.push(start + i);
      continue;
    }
    for (let b = 0; (b + 1) * 16 <= len; b++) {
      if (pattern && b % (c + k) >= c) continue;
      for (let i = 0; i < 16; i++) out.push(start + b * 16 + i);
    }
  }
  return out;
}

function expand(runs: number[]): number[] {
  const out: number[] = [];
  for (let r = 0; r < runs.length; r += 4) {
    for (let n = 0; n < runs[r + 3]!; n++) {
      for (let i = 0; i < runs[r + 1]!; i++) out.push(runs[r]! + n * runs[r + 2]! + i);
    }
  }
  return out;
}

const encryption = fc
  .record({
    scheme: fc.constantFrom<Scheme>('cenc', 'cbc1', 'cens', 'cbcs'),
    crypt: fc.integer({ min: 0, max: 9 }),
    skip: fc.integer({ min: 0, max: 9 }),
    parts: fc.option(
      fc.array(fc.tuple(fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 400 })), { maxLength: 5 }),
      {
        nil: undefined,
      },
    ),
    whole: fc.integer({ min: 0, max: 600 }),
  })
  .map(({ scheme, crypt, skip, parts, whole }) => {
    const size = parts ? parts.reduce((a, [c, p]) => a + c + p, 0) : whole;
    const enc: SampleEncryption = {
      scheme,
      kid: new Uint8Array(16),
      iv: new Uint8Array(16),
      subsamples: parts?.map(([clearBytes, protectedBytes]) => ({ clearBytes, protectedBytes })),
      cryptByteBlock: crypt,
      skipByteBlock: skip,
    };
    return { size, enc };
  });

describe('crypto cipherRanges', () => {
  it('covers exactly the bytes a block-by-block reading of the spec encrypts, in order', () => {
    fc.assert(
      fc.property(encryption, ({ size, enc }) => {
        const { runs, total } = cipherRanges(size, enc);
        const bytes = expand(runs);
        expect(bytes).to.deep.equal(naive(size, enc));
        expect(total).to.equal(bytes.length);
      }),
      { numRuns: 3000 },
    );
  });

  it('restarts the CBC chain at every protected range for cbcs only', () => {
    const enc = (scheme: Scheme): SampleEncryption => ({
      scheme,
      kid: new Uint8Array(16),
      iv: new Uint8Array(16),
      subsamples: [
        { clearBytes: 5, protectedBytes: 64 },
        { clearBytes: 3, protectedBytes: 10 },
        { clearBytes: 7, protectedBytes: 160 },
      ],
      cryptByteBlock: 1,
      skipByteBlock: 9,
    });
    expect(cipherRanges(256, enc('cbcs')).chainStarts).to.deep.equal([0, 1]);
    expect(cipherRanges(256, enc('cbc1')).chainStarts).to.deep.equal([0]);
    expect(cipherRanges(256, enc('cens')).chainStarts).to.deep.equal([0]);
    // One strided run per pattern range, not one entry per block.
    expect(cipherRanges(16 * 1000, { ...enc('cbcs'), subsamples: undefined }).runs).to.deep.equal([0, 16, 160, 100]);
  });
});
