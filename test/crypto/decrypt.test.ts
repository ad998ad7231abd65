import { expect } from '@open-wc/testing';
import { readBoxes, childBoxes } from '../../src/mp4/box.js';
import { fromHex, toHex } from '../../src/mp4/bytes.js';
import { parseInit } from '../../src/mp4/init.js';
import { parseSegment } from '../../src/mp4/segment.js';
import { rewriteInitToClear } from '../../src/mp4/rewrite.js';
import { decryptSample } from '../../src/crypto/decrypt.js';
import { decryptSegment } from '../../src/cenc/decrypt-segment.js';
import { MissingKeyError, type KeyLookup } from '../../src/crypto/keys.js';
import { CryptoError, CryptoErrorCode } from '../../src/crypto/errors.js';
import { importAesKey } from '../../src/crypto/key-cache.js';
import {
  buildInit,
  buildSegment,
  clearKeyPssh,
  type EncParams,
  type Scheme,
  type SampleSpec,
} from '../mp4/helpers/build.js';
import { encryptSample, counterPlus } from './helpers/reference-cipher.js';

const KIDS = {
  video: fromHex('a0a1a2a3a4a5a6a7a8a9aaabacadaeaf'),
  rot1: fromHex('c0c1c2c3c4c5c6c7c8c9cacbcccdcecf'),
  rot2: fromHex('d0d1d2d3d4d5d6d7d8d9dadbdcdddedf'),
  unknown: fromHex('e0e1e2e3e4e5e6e7e8e9eaebecedeeef'),
  other: fromHex('b0b1b2b3b4b5b6b7b8b9babbbcbdbebf'),
};
const KEYS = new Map<string, Uint8Array>([
  [toHex(KIDS.video), fromHex('1029289c9986d8881d0c8ccef1a80573')],
  [toHex(KIDS.rot1), fromHex('7143626618e57f67c635b734525524cf')],
  [toHex(KIDS.rot2), fromHex('0cfcc70f3b8e7b7d5c06958e7925960a')],
  [toHex(KIDS.other), fromHex('5e2a9c0d417b3f88a1c6e04d92b7f315')],
]);
const lookup: KeyLookup = (kid) => KEYS.get(toHex(kid));
const keyOf = (kid: Uint8Array): Uint8Array => KEYS.get(toHex(kid))!;

/** Deterministic pseudo-random bytes (xorshift32), so failures reproduce. */
function bytes(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed * 2654435761 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

interface Case {
  scheme: Scheme;
  tenc: EncParams;
  /** Per sample: clear bytes, IV (per-sample IV or the constant one), subsamples. */
  samples: {
    clear: Uint8Array;
    iv: Uint8Array;
    subsamples?: [number, number][];
    kid?: Uint8Array;
    clearSample?: boolean;
  }[];
  aux?: 'senc' | 'mdat' | 'none';
  sbgp?: [number, number][];
  localSeig?: EncParams[];
  stblSeig?: EncParams[];
}

async function roundTrip(c: Case): Promise<{ out: Uint8Array; seg: Uint8Array; init: Uint8Array }> {
  const init = buildInit({ scheme: c.scheme, tenc: c.tenc, stblSeig: c.stblSeig });
  const specs: SampleSpec[] = [];
  for (const s of c.samples) {
    const data = s.clearSample
      ? s.clear
      : await encryptSample(s.clear, {
          scheme: c.scheme,
          key: keyOf(s.kid ?? c.tenc.kid),
          iv: s.iv,
          subsamples: s.subsamples,
          crypt: c.tenc.crypt,
          skip: c.tenc.skip,
        });
    const perSampleIv = c.tenc.ivSize > 0 && !s.clearSample;
    specs.push({ data, iv: perSampleIv ? s.iv : undefined, subsamples: s.subsamples });
  }
  const seg = buildSegment({ samples: specs, aux: c.aux, sbgp: c.sbgp, localSeig: c.localSeig });
  const out = await decryptSegment(seg, parseInit(init), lookup);
  expect(out.length).to.equal(seg.length);
  const parsed = parseSegment(out, parseInit(rewriteInitToClear(init)));
  parsed.samples.forEach((s, i) => {
    expect(toHex(out.subarray(s.offset, s.offset + s.size)), `sample ${i}`).to.equal(toHex(c.samples[i]!.clear));
  });
  // Work cut into calls of at most callBytes (a block, a few, a pattern period; unaligned values round down; in
  // place too) decrypts to the same bytes: keystreams and chains carry on across the cuts.
  for (const callBytes of [16, 40, 48, 160, 1000]) {
    const inPlace = callBytes === 48;
    const cut = await decryptSegment(inPlace ? seg.slice() : seg, parseInit(init), lookup, { callBytes, inPlace });
    expect(toHex(cut), `callBytes ${callBytes}`).to.equal(toHex(out));
  }
  return { out, seg, init };
}

const iv8 = (n: number): Uint8Array => fromHex(`00000000000000${n.toString(16).padStart(2, '0')}`);
const iv16 = (seed: number): Uint8Array => bytes(16, seed);
/** An H.264-like layout: a clear NAL header run, then protected bytes (not a multiple of 16), twice. */
const videoSubs = (size: number): [number, number][] => {
  const first = Math.floor(size / 2) - 5;
  return [
    [5, first],
    [7, size - 12 - first],
  ];
};

describe('crypto decryptSegment round trips (reference encryptor -> decryptor)', () => {
  it('cenc, 8-byte IVs, subsamples: the keystream runs across subsamples', async () => {
    const samples = [301, 77, 1500, 16, 33].map((n, i) => ({
      clear: bytes(n, i + 1),
      iv: iv8(i),
      subsamples: videoSubs(n),
    }));
    await roundTrip({ scheme: 'cenc', tenc: { isProtected: true, ivSize: 8, kid: KIDS.video }, samples });
  });

  it('cenc, 16-byte IVs, whole-sample encryption (audio style)', async () => {
    const samples = [200, 9, 413].map((n, i) => ({ clear: bytes(n, 10 + i), iv: iv16(i + 3) }));
    await roundTrip({ scheme: 'cenc', tenc: { isProtected: true, ivSize: 16, kid: KIDS.video }, samples });
  });

  it('cenc, 16-byte IV whose low 64 bits wrap inside a sample', async () => {
    const iv = fromHex('0123456789abcdeffffffffffffffffd');
    const samples = [{ clear: bytes(130, 5), iv }];
    await roundTrip({ scheme: 'cenc', tenc: { isProtected: true, ivSize: 16, kid: KIDS.video }, samples });
    // The carry from the low 64 bits must reach the high 64 bits (a 128-bit counter).
    expect(toHex(counterPlus(iv, 3))).to.equal('0123456789abcdf00000000000000000');
  });

  it('cenc, 16-byte IVs continuing each other (merged into one call) and not', async () => {
    const base = fromHex('000102030405060708090a0b0c0d0e0f');
    const samples = [
      { clear: bytes(64, 1), iv: base },
      { clear: bytes(48, 2), iv: counterPlus(base, 4) },
      { clear: bytes(40, 3), iv: counterPlus(base, 7) },
      { clear: bytes(20, 4), iv: counterPlus(base, 100) },
    ];
    await roundTrip({ scheme: 'cenc', tenc: { isProtected: true, ivSize: 16, kid: KIDS.video }, samples });
  });

  it('cenc, 16-byte IVs advancing by the block count of partial-block samples (merged, wrap included)', async () => {
    // ISO/IEC 23001-7 9.1: the next IV is the previous one plus the blocks its sample used, a last partial block
    // counting whole, so each merged sample starts on a fresh block of one keystream.
    const base = fromHex('0123456789abcdeffffffffffffffffe');
    const subs = videoSubs(100); // 88 protected bytes: 6 blocks, the last partial
    const samples = [
      { clear: bytes(40, 1), iv: base },
      { clear: bytes(100, 2), iv: counterPlus(base, 3), subsamples: subs },
      { clear: bytes(17, 3), iv: counterPlus(base, 9) },
      { clear: bytes(50, 4), iv: counterPlus(base, 11) },
      { clear: bytes(30, 5), iv: counterPlus(base, 12) }, // overlaps the previous keystream: not a continuation
    ];
    await roundTrip({ scheme: 'cenc', tenc: { isProtected: true, ivSize: 16, kid: KIDS.video }, samples });
  });

  it('cens, 16-byte IVs advancing by the count of encrypted blocks only (merged)', async () => {
    const encryptedBlocks = (subs: [number, number][]): number =>
      subs.reduce(
        (n, [, p]) => n + Array.from({ length: Math.floor(p / 16) }, (_, b) => b % 10 < 1).filter(Boolean).length,
        0,
      );
    const sizes = [2000, 700, 161, 999];
    let iv = fromHex('00112233445566778899aabbccddeeff');
    const samples = sizes.map((n, i) => {
      const s = { clear: bytes(n, 110 + i), iv, subsamples: videoSubs(n) };
      iv = counterPlus(iv, encryptedBlocks(s.subsamples));
      return s;
    });
    await roundTrip({
      scheme: 'cens',
      tenc: { isProtected: true, ivSize: 16, kid: KIDS.video, crypt: 1, skip: 9 },
      samples,
    });
  });

  it('cbc1, 16-byte IVs, subsamples: one chain per sample, partial blocks clear', async () => {
    const samples = [
      {
        clear: bytes(100, 1),
        iv: iv16(1),
        subsamples: [
          [4, 32],
          [10, 54],
        ] as [number, number][],
      },
      { clear: bytes(45, 2), iv: iv16(2) },
      { clear: bytes(10, 3), iv: iv16(3) },
    ];
    await roundTrip({ scheme: 'cbc1', tenc: { isProtected: true, ivSize: 16, kid: KIDS.video }, samples });
  });

  it('cbc1, 8-byte IVs, whole samples', async () => {
    const samples = [333, 16, 17].map((n, i) => ({ clear: bytes(n, 20 + i), iv: iv8(i + 1) }));
    await roundTrip({ scheme: 'cbc1', tenc: { isProtected: true, ivSize: 8, kid: KIDS.video }, samples });
  });

  it('cens, 1:9 pattern, 16-byte IVs, subsamples', async () => {
    const samples = [2000, 700, 161].map((n, i) => ({
      clear: bytes(n, 30 + i),
      iv: iv16(40 + i),
      subsamples: videoSubs(n),
    }));
    await roundTrip({
      scheme: 'cens',
      tenc: { isProtected: true, ivSize: 16, kid: KIDS.video, crypt: 1, skip: 9 },
      samples,
    });
  });

  it('cens, 5:5 pattern, 8-byte IVs, whole samples', async () => {
    const samples = [1000, 95].map((n, i) => ({ clear: bytes(n, 50 + i), iv: iv8(i) }));
    await roundTrip({
      scheme: 'cens',
      tenc: { isProtected: true, ivSize: 8, kid: KIDS.video, crypt: 5, skip: 5 },
      samples,
    });
  });

  it('cbcs, 1:9 pattern, constant IV, subsamples: the chain restarts at each subsample', async () => {
    const constantIv = iv16(77);
    const samples = [2400, 931, 50].map((n, i) => ({
      clear: bytes(n, 60 + i),
      iv: constantIv,
      subsamples: videoSubs(n),
    }));
    await roundTrip({
      scheme: 'cbcs',
      tenc: { isProtected: true, ivSize: 0, constantIv, kid: KIDS.video, crypt: 1, skip: 9 },
      samples,
    });
  });

  it('cbcs, no pattern (0:0), constant IV, whole samples and no aux info at all (audio style)', async () => {
    const constantIv = iv16(78);
    const samples = [170, 15, 400].map((n, i) => ({ clear: bytes(n, 70 + i), iv: constantIv }));
    await roundTrip({
      scheme: 'cbcs',
      tenc: { isProtected: true, ivSize: 0, constantIv, kid: KIDS.video, crypt: 0, skip: 0 },
      samples,
      aux: 'none',
    });
  });

  it('cbcs, per-sample 16-byte IVs with a 1:9 pattern', async () => {
    const samples = [500, 320].map((n, i) => ({ clear: bytes(n, 80 + i), iv: iv16(90 + i), subsamples: videoSubs(n) }));
    await roundTrip({
      scheme: 'cbcs',
      tenc: { isProtected: true, ivSize: 16, kid: KIDS.video, crypt: 1, skip: 9 },
      samples,
    });
  });

  it('finds auxiliary information through saiz/saio in mdat when there is no senc', async () => {
    const samples = [120, 64].map((n, i) => ({
      clear: bytes(n, 100 + i),
      iv: iv8(i),
      subsamples: [[10, n - 10]] as [number, number][],
    }));
    const { seg } = await roundTrip({
      scheme: 'cenc',
      tenc: { isProtected: true, ivSize: 8, kid: KIDS.video },
      samples,
      aux: 'mdat',
    });
    const traf = childBoxes(childBoxes(readBoxes(seg).find((b) => b.type === 'moof')!).find((b) => b.type === 'traf')!);
    expect(traf.map((b) => b.type)).to.not.include('senc');
  });

  it('reads sample encryption from a PIFF 1.1 uuid box, with and without its IV size / KID override', async () => {
    const clear = [300, 41].map((n, i) => bytes(n, 400 + i));
    const init = buildInit({ scheme: 'cenc', tenc: { isProtected: true, ivSize: 8, kid: KIDS.video } });
    for (const override of [undefined, { ivSize: 16 as const, kid: KIDS.rot1 }]) {
      const specs: SampleSpec[] = [];
      for (const [i, c] of clear.entries()) {
        const iv = override ? iv16(410 + i) : iv8(i);
        const subsamples: [number, number][] = [[7, c.length - 7]];
        const data = await encryptSample(c, {
          scheme: 'cenc',
          key: keyOf(override?.kid ?? KIDS.video),
          iv,
          subsamples,
        });
        specs.push({ data, iv, subsamples });
      }
      const seg = buildSegment({ samples: specs, aux: 'piff', piffOverride: override });
      const info = parseSegment(seg, parseInit(init));
      expect(info.kids.map(toHex)).to.deep.equal([toHex(override?.kid ?? KIDS.video)]);
      const out = await decryptSegment(seg, parseInit(init), lookup);
      info.samples.forEach((s, i) =>
        expect(toHex(out.subarray(s.offset, s.offset + s.size))).to.equal(toHex(clear[i]!)),
      );
      const traf = childBoxes(childBoxes(readBoxes(out)[0]!).find((b) => b.type === 'traf')!);
      expect(traf.map((b) => b.type)).to.deep.equal(['tfhd', 'tfdt', 'trun', 'free']);
    }
  });

  it('a PIFF 1.1 uuid box’s AlgorithmID override: 0 leaves the fragment clear, 2 decrypts it as AES-CBC (cbc1)', async () => {
    const clear = [300, 41].map((n, i) => bytes(n, 500 + i));
    const init = parseInit(buildInit({ scheme: 'cenc', tenc: { isProtected: true, ivSize: 8, kid: KIDS.video } }));
    // AlgorithmID 0 (PIFF 1.1 5.3.2.1): the samples are as written, whatever the track's defaults say.
    const clearSeg = buildSegment({
      samples: clear.map((data, i) => ({ data, iv: iv16(520 + i) })),
      aux: 'piff',
      piffOverride: { algorithm: 0, ivSize: 16, kid: KIDS.video },
    });
    expect(parseSegment(clearSeg, init).samples.every((s) => s.encryption === undefined)).to.equal(true);
    const untouched = await decryptSegment(clearSeg, init, lookup);
    parseSegment(clearSeg, init).samples.forEach((s, i) =>
      expect(toHex(untouched.subarray(s.offset, s.offset + s.size))).to.equal(toHex(clear[i]!)),
    );
    // AlgorithmID 2: AES-128 CBC over the protected ranges, as cbc1.
    const specs: SampleSpec[] = [];
    for (const [i, c] of clear.entries()) {
      const iv = iv16(530 + i);
      const subsamples: [number, number][] = [[9, c.length - 9]];
      specs.push({
        data: await encryptSample(c, { scheme: 'cbc1', key: keyOf(KIDS.rot1), iv, subsamples }),
        iv,
        subsamples,
      });
    }
    const cbcSeg = buildSegment({
      samples: specs,
      aux: 'piff',
      piffOverride: { algorithm: 2, ivSize: 16, kid: KIDS.rot1 },
    });
    const info = parseSegment(cbcSeg, init);
    expect(info.samples.map((s) => s.encryption?.scheme)).to.deep.equal(['cbc1', 'cbc1']);
    const out = await decryptSegment(cbcSeg, init, lookup);
    info.samples.forEach((s, i) => expect(toHex(out.subarray(s.offset, s.offset + s.size))).to.equal(toHex(clear[i]!)));
  });

  it('key rotation: fragment-local seig groups switch KIDs, an unprotected group stays clear', async () => {
    const rot1: EncParams = { isProtected: true, ivSize: 8, kid: KIDS.rot1 };
    const rot2: EncParams = { isProtected: true, ivSize: 16, kid: KIDS.rot2 };
    const clearGroup: EncParams = { isProtected: false, ivSize: 0, kid: new Uint8Array(16) };
    const samples = [
      { clear: bytes(90, 1), iv: iv8(1), kid: KIDS.rot1, subsamples: [[3, 87]] as [number, number][] },
      { clear: bytes(91, 2), iv: iv8(2), kid: KIDS.rot1, subsamples: [[3, 88]] as [number, number][] },
      { clear: bytes(92, 3), iv: iv16(3), kid: KIDS.rot2, subsamples: [[3, 89]] as [number, number][] },
      { clear: bytes(93, 4), iv: new Uint8Array(0), clearSample: true, subsamples: [[93, 0]] as [number, number][] },
      { clear: bytes(94, 5), iv: iv8(5), subsamples: [[4, 90]] as [number, number][] },
    ];
    const init = buildInit({ scheme: 'cenc', tenc: { isProtected: true, ivSize: 8, kid: KIDS.video } });
    const specs: SampleSpec[] = [];
    for (const s of samples) {
      const data = s.clearSample
        ? s.clear
        : await encryptSample(s.clear, {
            scheme: 'cenc',
            key: keyOf(s.kid ?? KIDS.video),
            iv: s.iv,
            subsamples: s.subsamples,
          });
      specs.push({ data, iv: s.clearSample ? undefined : s.iv, subsamples: s.subsamples });
    }
    // Groups: 2 samples rot1, 1 sample rot2, 1 clear, then no group (tenc defaults) for the last one.
    const seg = buildSegment({
      samples: specs,
      localSeig: [rot1, rot2, clearGroup],
      sbgp: [
        [2, 0x10001],
        [1, 0x10002],
        [1, 0x10003],
        [1, 0],
      ],
    });
    const info = parseSegment(seg, parseInit(init));
    expect(info.kids.map(toHex)).to.deep.equal([toHex(KIDS.rot1), toHex(KIDS.rot2), toHex(KIDS.video)]);
    expect(info.samples[3]!.encryption).to.equal(undefined);
    const out = await decryptSegment(seg, parseInit(init), lookup);
    info.samples.forEach((s, i) =>
      expect(toHex(out.subarray(s.offset, s.offset + s.size))).to.equal(toHex(samples[i]!.clear)),
    );
  });

  for (const scheme of ['cbc1', 'cbcs', 'cens'] as Scheme[]) {
    it(`${scheme}: samples under two KIDs in one fragment (two batched calls) decrypt independently`, async () => {
      const pattern = scheme === 'cbc1' ? {} : { crypt: 1, skip: 9 };
      const rot1: EncParams = { isProtected: true, ivSize: 16, kid: KIDS.rot1, ...pattern };
      const tenc: EncParams = { isProtected: true, ivSize: 16, kid: KIDS.video, ...pattern };
      const init = buildInit({ scheme, tenc });
      const clear = [700, 350, 520, 90].map((n, i) => bytes(n, 300 + i));
      const kids = [KIDS.rot1, KIDS.video, KIDS.rot1, KIDS.video];
      const specs: SampleSpec[] = [];
      for (const [i, c] of clear.entries()) {
        const iv = iv16(310 + i);
        const subsamples = videoSubs(c.length);
        const data = await encryptSample(c, { scheme, key: keyOf(kids[i]!), iv, subsamples, ...pattern });
        specs.push({ data, iv, subsamples });
      }
      const seg = buildSegment({
        samples: specs,
        localSeig: [rot1],
        sbgp: [
          [1, 0x10001],
          [1, 0],
          [1, 0x10001],
          [1, 0],
        ],
      });
      const out = await decryptSegment(seg, parseInit(init), lookup);
      parseSegment(seg, parseInit(init)).samples.forEach((s, i) => {
        expect(toHex(out.subarray(s.offset, s.offset + s.size)), `sample ${i}`).to.equal(toHex(clear[i]!));
      });
    });
  }

  it('key rotation through seig entries in the init segment stbl', async () => {
    const stblSeig: EncParams[] = [{ isProtected: true, ivSize: 8, kid: KIDS.rot2 }];
    const samples = [
      { clear: bytes(50, 1), iv: iv8(1), kid: KIDS.rot2 },
      { clear: bytes(60, 2), iv: iv8(2) },
    ];
    const c: Case = {
      scheme: 'cenc',
      tenc: { isProtected: true, ivSize: 8, kid: KIDS.video },
      samples,
      stblSeig,
      sbgp: [[1, 1]],
    };
    const { init } = await roundTrip(c);
    expect(parseInit(init).defaultKids.map(toHex)).to.deep.equal([toHex(KIDS.video), toHex(KIDS.rot2)]);
  });

  it('turns senc/saiz/saio/sbgp/sgpd and moof pssh into free boxes of the same size', async () => {
    const samples = [{ clear: bytes(64, 1), iv: iv8(1), kid: KIDS.rot1 }];
    const init = buildInit({ scheme: 'cenc', tenc: { isProtected: true, ivSize: 8, kid: KIDS.video } });
    const data = await encryptSample(samples[0]!.clear, { scheme: 'cenc', key: keyOf(KIDS.rot1), iv: samples[0]!.iv });
    const seg = buildSegment({
      samples: [{ data, iv: samples[0]!.iv }],
      localSeig: [{ isProtected: true, ivSize: 8, kid: KIDS.rot1 }],
      sbgp: [[1, 0x10001]],
      moofPssh: [clearKeyPssh([KIDS.rot1])],
    });
    const out = await decryptSegment(seg, parseInit(init), lookup);
    const moof = readBoxes(out).find((b) => b.type === 'moof')!;
    const types = childBoxes(childBoxes(moof).find((b) => b.type === 'traf')!).map((b) => b.type);
    expect(types).to.deep.equal(['tfhd', 'tfdt', 'trun', 'free', 'free', 'free', 'free', 'free']);
    expect(childBoxes(moof).map((b) => b.type)).to.deep.equal(['mfhd', 'traf', 'free']);
    const before = childBoxes(
      childBoxes(readBoxes(seg).find((b) => b.type === 'moof')!).find((b) => b.type === 'traf')!,
    );
    expect(before.map((b) => b.type)).to.deep.equal(['tfhd', 'tfdt', 'trun', 'sbgp', 'sgpd', 'saiz', 'saio', 'senc']);
  });

  it('rejects with MissingKeyError naming the KID, never the key', async () => {
    const samples = [{ clear: bytes(40, 1), iv: iv8(1) }];
    const init = buildInit({ scheme: 'cenc', tenc: { isProtected: true, ivSize: 8, kid: KIDS.unknown } });
    const seg = buildSegment({ samples: samples.map((s) => ({ data: s.clear, iv: s.iv })) });
    const err = await decryptSegment(seg, parseInit(init), lookup).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).to.be.instanceOf(MissingKeyError);
    const m = err as MissingKeyError;
    expect(m.kidHex).to.equal(toHex(KIDS.unknown));
    expect(m.code).to.equal(CryptoErrorCode.MISSING_KEY);
    expect(m.message).to.contain(toHex(KIDS.unknown));
  });

  it('waits for an asynchronous key lookup and rejects keys that are not 16 bytes', async () => {
    const samples = [{ clear: bytes(40, 1), iv: iv8(1) }];
    const asyncLookup: KeyLookup = (kid) =>
      new Promise((resolve) => queueMicrotask(() => resolve(KEYS.get(toHex(kid)))));
    const init = buildInit({ scheme: 'cenc', tenc: { isProtected: true, ivSize: 8, kid: KIDS.video } });
    const data = await encryptSample(samples[0]!.clear, { scheme: 'cenc', key: keyOf(KIDS.video), iv: samples[0]!.iv });
    const seg = buildSegment({ samples: [{ data, iv: samples[0]!.iv }] });
    const out = await decryptSegment(seg, parseInit(init), asyncLookup);
    const s = parseSegment(seg, parseInit(init)).samples[0]!;
    expect(toHex(out.subarray(s.offset, s.offset + s.size))).to.equal(toHex(samples[0]!.clear));
    const bad = await decryptSegment(seg, parseInit(init), () => new Uint8Array(15)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(bad).to.be.instanceOf(CryptoError);
    expect((bad as CryptoError).code).to.equal(CryptoErrorCode.BAD_KEY);
  });

  it('inPlace writes into the input and returns it; a failure leaves the input untouched', async () => {
    const samples = [120, 64].map((n, i) => ({
      clear: bytes(n, 200 + i),
      iv: iv8(i),
      subsamples: [[10, n - 10]] as [number, number][],
    }));
    const {
      out: copied,
      seg,
      init,
    } = await roundTrip({ scheme: 'cenc', tenc: { isProtected: true, ivSize: 8, kid: KIDS.video }, samples });
    const original = seg.slice();
    const failed = await decryptSegment(seg, parseInit(init), () => undefined, { inPlace: true }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(failed).to.be.instanceOf(MissingKeyError);
    expect(toHex(seg)).to.equal(toHex(original));
    const result = await decryptSegment(seg, parseInit(init), lookup, { inPlace: true });
    expect(result).to.equal(seg);
    expect(toHex(seg)).to.equal(toHex(copied));
  });

  it('inPlace: a WebCrypto call failing after earlier ones were written back leaves the input untouched', async () => {
    // No real key or input makes WebCrypto fail half-way through a segment, so the fourth call is made to fail
    // here (the others run in the real WebCrypto). Earlier results have been written into the input by then
    // (CTR gathered, contiguous and keystream jobs; CBC chains cut across calls); they must be undone.
    // 1:9 pattern, 16-byte IVs, video-like subsamples.
    const patterned = (scheme: 'cens' | 'cbcs', dataSeed: number, ivSeed: number): Case => ({
      scheme,
      tenc: { isProtected: true, ivSize: 16, kid: KIDS.video, crypt: 1, skip: 9 },
      samples: [2000, 700, 1610].map((n, i) => ({
        clear: bytes(n, dataSeed + i),
        iv: iv16(ivSeed + i),
        subsamples: videoSubs(n),
      })),
    });
    const cases: Case[] = [
      {
        scheme: 'cenc',
        tenc: { isProtected: true, ivSize: 8, kid: KIDS.video },
        samples: [301, 77, 1500, 16, 33].map((n, i) => ({
          clear: bytes(n, 300 + i),
          iv: iv8(i),
          subsamples: videoSubs(n),
        })),
      },
      {
        scheme: 'cenc',
        tenc: { isProtected: true, ivSize: 16, kid: KIDS.video },
        samples: [200, 90, 413].map((n, i) => ({ clear: bytes(n, 310 + i), iv: iv16(i + 30) })),
      },
      patterned('cens', 320, 50),
      patterned('cbcs', 330, 60),
      {
        scheme: 'cbc1',
        tenc: { isProtected: true, ivSize: 16, kid: KIDS.video },
        samples: [300, 70, 161].map((n, i) => ({ clear: bytes(n, 340 + i), iv: iv16(70 + i) })),
      },
    ];
    const subtle = crypto.subtle;
    const decrypt = subtle.decrypt.bind(subtle);
    for (const c of cases) {
      const { seg, init } = await roundTrip(c);
      const original = seg.slice();
      let calls = 0;
      subtle.decrypt = (...args: Parameters<SubtleCrypto['decrypt']>): Promise<ArrayBuffer> =>
        ++calls === 4 ? Promise.reject(new DOMException('injected', 'OperationError')) : decrypt(...args);
      try {
        const failed = await decryptSegment(seg, parseInit(init), lookup, { inPlace: true, callBytes: 64 }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(failed, c.scheme).to.be.instanceOf(CryptoError);
        expect(calls, c.scheme).to.be.greaterThan(4);
      } finally {
        delete (subtle as { decrypt?: unknown }).decrypt;
      }
      expect(toHex(seg), c.scheme).to.equal(toHex(original));
    }
    expect(crypto.subtle.decrypt).to.equal(SubtleCrypto.prototype.decrypt);
  });

  it('segments decrypted at the same time, in place, one of them failing half-way, do not touch each other', async () => {
    // The decryptor keeps module-level buffers (the gather scratch, the zeros of keystream calls) and an audio and a
    // video segment are often decrypted at once: neither may see the other's bytes, and a failed segment's undo must
    // restore its own input only.
    const cbc1: Case = {
      scheme: 'cbc1',
      tenc: { isProtected: true, ivSize: 16, kid: KIDS.other },
      samples: [900, 333, 1200].map((n, i) => ({
        clear: bytes(n, 350 + i),
        iv: iv16(80 + i),
        subsamples: videoSubs(n),
      })),
    };
    const cbcs: Case = {
      scheme: 'cbcs',
      tenc: { isProtected: true, ivSize: 16, kid: KIDS.video, crypt: 1, skip: 9 },
      samples: [2000, 1610].map((n, i) => ({ clear: bytes(n, 360 + i), iv: iv16(85 + i), subsamples: videoSubs(n) })),
    };
    const a = await roundTrip(cbc1);
    const b = await roundTrip(cbcs);
    const options = { inPlace: true, callBytes: 64 };
    const [outA, outB] = await Promise.all([
      decryptSegment(a.seg.slice(), parseInit(a.init), lookup, options),
      decryptSegment(b.seg.slice(), parseInit(b.init), lookup, options),
    ]);
    expect(toHex(outA), 'cbc1').to.equal(toHex(a.out));
    expect(toHex(outB), 'cbcs').to.equal(toHex(b.out));

    // Segment A (under a key of its own, so that its calls are told apart by their CryptoKey: importAesKey hands
    // every call of a raw key the same one) fails on its third call while B runs alongside.
    const keyOfA = await importAesKey(keyOf(KIDS.other), 'AES-CBC');
    const subtle = crypto.subtle;
    const decrypt = subtle.decrypt.bind(subtle);
    let callsOfA = 0;
    subtle.decrypt = (...args: Parameters<SubtleCrypto['decrypt']>): Promise<ArrayBuffer> =>
      args[1] === keyOfA && ++callsOfA === 3
        ? Promise.reject(new DOMException('injected', 'OperationError'))
        : decrypt(...args);
    const inputA = a.seg.slice();
    const inputB = b.seg.slice();
    try {
      const [failed, done] = await Promise.all([
        decryptSegment(inputA, parseInit(a.init), lookup, options).then(
          () => undefined,
          (e: unknown) => e,
        ),
        decryptSegment(inputB, parseInit(b.init), lookup, options),
      ]);
      expect(failed).to.be.instanceOf(CryptoError);
      expect(callsOfA).to.be.greaterThan(3);
      expect(toHex(done), 'cbcs beside a failing segment').to.equal(toHex(b.out));
    } finally {
      delete (subtle as { decrypt?: unknown }).decrypt;
    }
    expect(toHex(inputA), 'failed cbc1 input').to.equal(toHex(a.seg));
    // The shared buffers still serve later segments.
    const again = await decryptSegment(a.seg.slice(), parseInit(a.init), lookup, options);
    expect(toHex(again)).to.equal(toHex(a.out));
  });

  it('decryptSample decrypts one sample given its parameters', async () => {
    const clear = bytes(777, 9);
    const iv = iv16(9);
    const subs: [number, number][] = [
      [10, 300],
      [20, 447],
    ];
    const enc = await encryptSample(clear, {
      scheme: 'cbcs',
      key: keyOf(KIDS.video),
      iv,
      subsamples: subs,
      crypt: 1,
      skip: 9,
    });
    const out = await decryptSample(
      enc,
      {
        scheme: 'cbcs',
        iv,
        subsamples: subs.map(([c, p]) => ({ clearBytes: c, protectedBytes: p })),
        cryptByteBlock: 1,
        skipByteBlock: 9,
      },
      keyOf(KIDS.video),
    );
    expect(toHex(out)).to.equal(toHex(clear));
  });
});
