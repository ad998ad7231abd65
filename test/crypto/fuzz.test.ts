import { expect } from '@open-wc/testing';
import fc from 'fast-check';
import { fromHex, toHex } from '../../src/mp4/bytes.js';
import { Mp4ParseError } from '../../src/mp4/errors.js';
import { parseInit } from '../../src/mp4/init.js';
import { decryptSegment } from '../../src/crypto/decrypt.js';
import { CryptoError } from '../../src/crypto/errors.js';
import { MissingKeyError, type KeyLookup } from '../../src/crypto/keys.js';
import { buildInit, buildSegment, type Scheme } from '../mp4/helpers/build.js';
import { applyMutations, mutations } from '../mp4/helpers/mutate.js';

const KID = fromHex('a0a1a2a3a4a5a6a7a8a9aaabacadaeaf');
const KID2 = fromHex('c0c1c2c3c4c5c6c7c8c9cacbcccdcecf');
const KEYS = new Map([
  [toHex(KID), fromHex('1029289c9986d8881d0c8ccef1a80573')],
  [toHex(KID2), fromHex('7143626618e57f67c635b734525524cf')],
]);
const lookup: KeyLookup = (kid) => KEYS.get(toHex(kid));

function typed(e: unknown): boolean {
  return e instanceof Mp4ParseError || e instanceof CryptoError || e instanceof MissingKeyError;
}

describe('crypto decryptSegment under mutated input (fast-check)', () => {
  const iv = fromHex('0102030405060708');
  const samples = [40, 33, 100].map((n, i) => ({
    data: new Uint8Array(n).fill(i + 1),
    iv,
    subsamples: [[5, n - 5]] as [number, number][],
  }));
  const cases = (['cenc', 'cbc1', 'cens', 'cbcs'] as Scheme[]).map((scheme) => ({
    init: parseInit(buildInit({ scheme, tenc: { isProtected: true, ivSize: 8, kid: KID, crypt: 1, skip: 9 } })),
    bytes: buildSegment({
      samples,
      localSeig: [{ isProtected: true, ivSize: 8, kid: KID2 }],
      sbgp: [
        [1, 0x10001],
        [2, 0],
      ],
    }),
  }));

  it('every failure is a typed error, and a result keeps the input length', async () => {
    let resolved = 0;
    let rejected = 0;
    await fc.assert(
      fc.asyncProperty(fc.nat(), mutations, async (which, m) => {
        const c = cases[which % cases.length]!;
        const bytes = applyMutations(c.bytes, m);
        try {
          const out = await decryptSegment(bytes, c.init, lookup);
          expect(out.length).to.equal(bytes.length);
          resolved++;
        } catch (e) {
          if (!typed(e)) throw e;
          rejected++;
        }
      }),
      { numRuns: 600 },
    );
    // Both outcomes must occur, or the mutations are not exercising the decrypt path.
    expect(resolved).to.be.greaterThan(0);
    expect(rejected).to.be.greaterThan(0);
  });

  it('a key lookup that returns garbage gives CryptoError or MissingKeyError', async () => {
    const garbage = fc.oneof(fc.constant(undefined), fc.uint8Array({ maxLength: 40 }), fc.constant(new Uint8Array(16)));
    await fc.assert(
      fc.asyncProperty(garbage, async (key) => {
        try {
          await decryptSegment(cases[0]!.bytes, cases[0]!.init, () => key);
          expect(key?.length).to.equal(16);
        } catch (e) {
          if (!typed(e)) throw e;
        }
      }),
      { numRuns: 200 },
    );
  });
});
