// Hostile input for the decrypt path (issue 9 item 2): decryptSegment on the real fixtures' segments of every scheme
// and on hand-built ones, damaged byte-wise and box-wise. A result keeps the input's length and layout; every failure
// is a typed error with a numeric code (Mp4ParseError for the bytes, MissingKeyError or CryptoError for keys and
// WebCrypto), never anything else, and none holds a key in its message, data or cause; and nothing is allocated beyond twice the largest segment decrypted so far (the
// decryptor keeps one growing scratch buffer) plus the CBC padding tail.
import { expect } from '@open-wc/testing';
import fc from 'fast-check';
import { fromHex, toHex } from '../../src/mp4/bytes.js';
import { Mp4ErrorCode, Mp4ParseError } from '../../src/mp4/errors.js';
import { parseInit, type InitInfo } from '../../src/mp4/init.js';
import { decryptSegment } from '../../src/cenc/decrypt-segment.js';
import { CryptoError, CryptoErrorCode } from '../../src/crypto/errors.js';
import { MissingKeyError, type KeyLookup } from '../../src/crypto/keys.js';
import { buildInit, buildSegment, type Scheme } from '../mp4/helpers/build.js';
import { applyMutations, mutations } from '../mp4/helpers/mutate.js';
import { applyBoxEdits, boxEdits, fuzz, largestAllocationAsync } from '../helpers/fuzz.js';
import { fetchBytes, loadIndex, loadKeys } from './helpers/fixtures.js';
import { testKeys } from '../helpers/fixtures.js';
import { leaks, secretsOf, type Secrets } from '../helpers/key-material.js';

const KID = fromHex('a0a1a2a3a4a5a6a7a8a9aaabacadaeaf');
const KID2 = fromHex('c0c1c2c3c4c5c6c7c8c9cacbcccdcecf');
const KEYS = new Map([
  [toHex(KID), fromHex('1029289c9986d8881d0c8ccef1a80573')],
  [toHex(KID2), fromHex('7143626618e57f67c635b734525524cf')],
]);
const lookup: KeyLookup = (kid) => KEYS.get(toHex(kid));
const CODES = new Set<number>([...Object.values(Mp4ErrorCode), ...Object.values(CryptoErrorCode)]);

/** The keys the decrypt path is given here: the hand-built cases' and the fixtures'. Set in `before`. */
let secrets: Secrets = secretsOf(KEYS.values());

function expectTyped(e: unknown, more: Secrets = secrets): void {
  if (!(e instanceof Mp4ParseError || e instanceof CryptoError || e instanceof MissingKeyError)) throw e;
  expect(CODES.has(e.code), `code ${e.code}`).to.equal(true);
  expect(leaks(e, more, 'error'), 'key material in the error').to.deep.equal([]);
}

const damage = fc.oneof(
  mutations.map((m) => (b: Uint8Array) => applyMutations(b, m)),
  boxEdits.map((e) => (b: Uint8Array) => applyBoxEdits(b, e)),
  fc.tuple(boxEdits, mutations).map(
    ([e, m]) =>
      (b: Uint8Array) =>
        applyMutations(applyBoxEdits(b, e), m),
  ),
);

interface Case {
  init: InitInfo;
  bytes: Uint8Array;
  keys: KeyLookup;
}

describe('crypto decryptSegment under generated and mutated input (fast-check)', () => {
  const iv = fromHex('0102030405060708');
  const samples = [40, 33, 100].map((n, i) => ({
    data: new Uint8Array(n).fill(i + 1),
    iv,
    subsamples: [[5, n - 5]] as [number, number][],
  }));
  const built: Case[] = (['cenc', 'cbc1', 'cens', 'cbcs'] as Scheme[]).map((scheme) => ({
    init: parseInit(buildInit({ scheme, tenc: { isProtected: true, ivSize: 8, kid: KID, crypt: 1, skip: 9 } })),
    bytes: buildSegment({
      samples,
      localSeig: [{ isProtected: true, ivSize: 8, kid: KID2 }],
      sbgp: [
        [1, 0x10001],
        [2, 0],
      ],
    }),
    keys: lookup,
  }));
  const real: Case[] = [];
  // The decryptor's scratch buffers grow to the largest job seen, so the bound follows the largest input so far.
  let largestInput = 0;

  before(async () => {
    // The audio track's segments of every fixture (every scheme, 16-byte IVs, clear lead, key rotation): the
    // smallest and the next, so that both short and multi-sample segments are damaged.
    const index = await loadIndex();
    const keys = await loadKeys();
    secrets = secretsOf([...KEYS.values(), ...Object.values(await testKeys())]);
    for (const f of index.fixtures) {
      const audio = f.tracks.find((t) => t.kind === 'audio') ?? f.tracks[0]!;
      const init = parseInit(await fetchBytes(f.path + audio.init));
      const [a, b] = [...audio.segments].sort((x, y) => x.duration - y.duration);
      for (const s of [a, b]) if (s) real.push({ init, bytes: await fetchBytes(f.path + s.file), keys });
    }
  });

  async function decryptDamaged(c: Case, bytes: Uint8Array, inPlace: boolean): Promise<'ok' | 'rejected'> {
    largestInput = Math.max(largestInput, bytes.length);
    const run = await largestAllocationAsync(() => decryptSegment(bytes, c.init, c.keys, { inPlace }));
    expect(run.bytes, 'largest allocation').to.be.at.most(2 * largestInput + 64);
    if ('error' in run) {
      expectTyped(run.error);
      return 'rejected';
    }
    expect(run.value!.length).to.equal(bytes.length);
    return 'ok';
  }

  it('real fixture segments of every scheme, damaged: a result keeps the length, a failure is typed', async function () {
    const outcomes = { ok: 0, rejected: 0 };
    await fuzz(
      this,
      fc.asyncProperty(fc.nat(), damage, fc.boolean(), async (which, hurt, inPlace) => {
        const c = real[which % real.length]!;
        outcomes[await decryptDamaged(c, hurt(c.bytes), inPlace)]++;
      }),
      200,
    );
    // Both outcomes must occur, or the damage is not reaching the decrypt path.
    expect(outcomes.ok).to.be.greaterThan(0);
    expect(outcomes.rejected).to.be.greaterThan(0);
  });

  it('hand-built segments with seig groups, damaged', async function () {
    const outcomes = { ok: 0, rejected: 0 };
    await fuzz(
      this,
      fc.asyncProperty(fc.nat(), damage, async (which, hurt) => {
        const c = built[which % built.length]!;
        outcomes[await decryptDamaged(c, hurt(c.bytes), false)]++;
      }),
      300,
    );
    expect(outcomes.ok).to.be.greaterThan(0);
    expect(outcomes.rejected).to.be.greaterThan(0);
  });

  it('a seig entry and a distinct KID for each of 20000 samples: every KID asked for once, every sample decrypted', async () => {
    // Hostile layout: KIDs used to be deduplicated, and keys found, by a scan per sample (samples x KIDs steps, seconds
    // here). Both are linear now; this pins the result at that scale. (The builder's argument spreads cap N.)
    const N = 20_000;
    const kid = (i: number): Uint8Array => {
      const k = new Uint8Array(16);
      new DataView(k.buffer).setUint32(12, i);
      return k;
    };
    const init = parseInit(buildInit({ scheme: 'cenc', tenc: { isProtected: true, ivSize: 8, kid: kid(0) } }));
    const bytes = buildSegment({
      samples: Array.from({ length: N }, () => ({ data: new Uint8Array(1), iv })),
      localSeig: Array.from({ length: N }, (_, i) => ({ isProtected: true, ivSize: 8 as const, kid: kid(i + 1) })),
      sbgp: Array.from({ length: N }, (_, i): [number, number] => [1, 0x10001 + i]),
    });
    const asked = new Set<string>();
    const key = new Uint8Array(16);
    const out = await decryptSegment(bytes, init, (k) => {
      asked.add(toHex(k));
      return key;
    });
    expect(asked.size).to.equal(N);
    expect(out.length).to.equal(bytes.length);
  });

  it('a key lookup that returns garbage gives CryptoError or MissingKeyError', async function () {
    const garbage = fc.oneof(
      fc.constant(undefined),
      fc.uint8Array({ maxLength: 40 }),
      fc.constant(new Uint8Array(16)),
      fc.anything({ maxDepth: 1 }),
    );
    await fuzz(
      this,
      fc.asyncProperty(garbage, async (key) => {
        try {
          await decryptSegment(built[0]!.bytes, built[0]!.init, () => key as Uint8Array);
          expect((key as Uint8Array).length).to.equal(16);
        } catch (e) {
          // Whatever the lookup gave back is a key as far as the error knows: none of it may show (8 bytes and more,
          // so that a short one cannot match a number in the message by chance).
          const given = key instanceof Uint8Array && key.length >= 8 ? [key] : [];
          expectTyped(e, secretsOf([...KEYS.values(), ...given]));
        }
      }),
      200,
    );
  });
});
