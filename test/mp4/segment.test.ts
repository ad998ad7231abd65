import { expect } from '@open-wc/testing';
import { childBoxes, readBoxes, type Box } from '../../src/mp4/box.js';
import { fromHex, toHex } from '../../src/mp4/bytes.js';
import { Mp4ErrorCode, Mp4ParseError } from '../../src/mp4/errors.js';
import { parseInit, type InitInfo } from '../../src/mp4/init.js';
import { parseSegment } from '../../src/mp4/segment.js';
import { writeClearSegment } from '../../src/mp4/rewrite.js';
import { buildInit, buildSegment, clearKeyPssh, type SampleSpec } from './helpers/build.js';

const KID = fromHex('a0a1a2a3a4a5a6a7a8a9aaabacadaeaf');

async function fixture(path: string): Promise<Uint8Array> {
  const res = await fetch(new URL(path, location.origin));
  return new Uint8Array(await res.arrayBuffer());
}

function mp4Error(fn: () => unknown): Mp4ParseError {
  try {
    fn();
  } catch (e) {
    expect(e).to.be.instanceOf(Mp4ParseError);
    return e as Mp4ParseError;
  }
  throw new Error('expected an Mp4ParseError');
}

const cencInit = (ivSize: 8 | 16 = 8): InitInfo =>
  parseInit(buildInit({ scheme: 'cenc', tenc: { isProtected: true, ivSize, kid: KID } }));

const sample = (n: number, iv = 1, subsamples?: [number, number][]): SampleSpec => ({
  data: new Uint8Array(n).fill(n & 0xff),
  iv: fromHex(`00000000000000${iv.toString(16).padStart(2, '0')}`),
  subsamples,
});

function trafChild(seg: Uint8Array, type: string): Box {
  const moof = readBoxes(seg).find((b) => b.type === 'moof')!;
  const traf = childBoxes(moof).find((b) => b.type === 'traf')!;
  return childBoxes(traf).find((b) => b.type === type)!;
}

describe('mp4 parseSegment', () => {
  it('locates every sample of the clear fixture inside mdat', async () => {
    const init = parseInit(await fixture('/test/fixtures/clear/init-0.mp4'));
    const seg = await fixture('/test/fixtures/clear/seg-0-1.m4s');
    const info = parseSegment(seg, init);
    const mdat = readBoxes(seg).find((b) => b.type === 'mdat')!;
    expect(info.samples.length).to.be.greaterThan(0);
    expect(info.samples[0]!.offset).to.equal(mdat.start + mdat.headerSize);
    const total = info.samples.reduce((a, s) => a + s.size, 0);
    expect(total).to.equal(mdat.size - mdat.headerSize);
    expect(info.samples.every((s) => s.encryption === undefined && s.trackId === 1)).to.equal(true);
    expect(info.kids).to.deep.equal([]);
    expect(info.encryptionBoxes).to.deep.equal([]);
  });

  it('reports per-sample KID, IV and subsamples, and the moof pssh', () => {
    const seg = buildSegment({
      samples: [
        sample(40, 1, [[8, 32]]),
        sample(50, 2, [
          [10, 20],
          [5, 15],
        ]),
      ],
      moofPssh: [clearKeyPssh([KID])],
    });
    const info = parseSegment(seg, cencInit());
    expect(info.samples).to.have.length(2);
    const e = info.samples[1]!.encryption!;
    expect(e.scheme).to.equal('cenc');
    expect(toHex(e.kid)).to.equal(toHex(KID));
    expect(toHex(e.iv)).to.equal('0000000000000002');
    expect(e.subsamples).to.deep.equal([
      { clearBytes: 10, protectedBytes: 20 },
      { clearBytes: 5, protectedBytes: 15 },
    ]);
    expect(info.pssh).to.have.length(1);
    expect(info.kids.map(toHex)).to.deep.equal([toHex(KID)]);
    expect(info.encryptionBoxes.map((b) => b.type).sort()).to.deep.equal(['pssh', 'saio', 'saiz', 'senc']);
  });

  it('rejects subsample maps that do not sum to the sample size', () => {
    const seg = buildSegment({ samples: [sample(40, 1, [[8, 31]])] });
    expect(mp4Error(() => parseSegment(seg, cencInit()))).to.include({
      code: Mp4ErrorCode.SIZE_MISMATCH,
      boxPath: 'moof/traf/senc',
    });
  });

  it('rejects senc whose IV size does not match tenc', () => {
    // Written with 8-byte IVs, read with a tenc that says 16: saiz and senc disagree with what is expected.
    const seg = buildSegment({ samples: [sample(40), sample(41)] });
    const err = mp4Error(() => parseSegment(seg, cencInit(16)));
    expect(err.code).to.be.oneOf([Mp4ErrorCode.SIZE_MISMATCH, Mp4ErrorCode.TRUNCATED]);
    expect(err.boxPath).to.match(/^moof\/traf\/(senc|saiz)$/);
  });

  it('rejects a senc sample_count that differs from the runs', () => {
    const seg = buildSegment({ samples: [sample(40), sample(41)] });
    const senc = trafChild(seg, 'senc');
    new DataView(seg.buffer).setUint32(senc.start + 12, 3);
    expect(mp4Error(() => parseSegment(seg, cencInit()))).to.include({
      code: Mp4ErrorCode.SIZE_MISMATCH,
      boxPath: 'moof/traf/senc',
    });
  });

  it('rejects trun sample counts beyond the data and samples outside mdat', () => {
    const seg = buildSegment({ samples: [sample(40), sample(41)] });
    const trun = trafChild(seg, 'trun');
    const lying = seg.slice();
    new DataView(lying.buffer).setUint32(trun.start + 12, 1_000_000);
    expect(mp4Error(() => parseSegment(lying, cencInit()))).to.include({
      code: Mp4ErrorCode.SIZE_MISMATCH,
      boxPath: 'moof/traf/trun',
    });
    const big = seg.slice();
    // The first sample's size field follows sample_count (4) and data_offset (4).
    new DataView(big.buffer).setUint32(trun.start + 20, 0x7fffffff);
    expect(mp4Error(() => parseSegment(big, cencInit()))).to.include({
      code: Mp4ErrorCode.SIZE_MISMATCH,
      boxPath: 'moof/traf/trun',
    });
    const offset = seg.slice();
    new DataView(offset.buffer).setInt32(trun.start + 16, -1000);
    expect(mp4Error(() => parseSegment(offset, cencInit())).boxPath).to.equal('moof/traf/trun');
  });

  it('rejects a saiz that disagrees with senc', () => {
    const seg = buildSegment({ samples: [sample(40, 1, [[8, 32]])] });
    const saiz = trafChild(seg, 'saiz');
    seg[saiz.start + 12] = 9; // default_sample_info_size
    expect(mp4Error(() => parseSegment(seg, cencInit()))).to.include({
      code: Mp4ErrorCode.SIZE_MISMATCH,
      boxPath: 'moof/traf/saiz',
    });
  });

  it('rejects an sbgp that covers more samples than the fragment, or points at no seig entry', () => {
    const over = buildSegment({ samples: [sample(40)], sbgp: [[2, 0]] });
    expect(mp4Error(() => parseSegment(over, cencInit()))).to.include({
      code: Mp4ErrorCode.SIZE_MISMATCH,
      boxPath: 'moof/traf/sbgp',
    });
    const dangling = buildSegment({ samples: [sample(40)], sbgp: [[1, 0x10001]] });
    expect(mp4Error(() => parseSegment(dangling, cencInit()))).to.include({
      code: Mp4ErrorCode.BAD_VALUE,
      boxPath: 'moof/traf/sbgp',
    });
  });

  it('rejects a protected sample without any IV source and a fragment of an unknown track', () => {
    const none = buildSegment({ samples: [sample(40)], aux: 'none' });
    expect(mp4Error(() => parseSegment(none, cencInit()))).to.include({
      code: Mp4ErrorCode.MISSING_BOX,
      boxPath: 'moof/traf/senc',
    });
    const other = buildSegment({ trackId: 7, samples: [sample(40)] });
    expect(mp4Error(() => parseSegment(other, cencInit()))).to.include({
      code: Mp4ErrorCode.BAD_VALUE,
      boxPath: 'moof/traf/tfhd',
    });
  });
});

describe('mp4 writeClearSegment', () => {
  it('replaces sample bytes in place and frees the encryption boxes', () => {
    const seg = buildSegment({ samples: [sample(40), sample(24)] });
    const info = parseSegment(seg, cencInit());
    const out = writeClearSegment(seg, info, (i) => new Uint8Array(info.samples[i]!.size).fill(0xa0 + i));
    expect(out.length).to.equal(seg.length);
    expect([...out.subarray(info.samples[1]!.offset, info.samples[1]!.offset + 24)].every((b) => b === 0xa1)).to.equal(
      true,
    );
    expect(childBoxes(childBoxes(readBoxes(out)[0]!)[1]!).map((b) => b.type)).to.deep.equal([
      'tfhd',
      'tfdt',
      'trun',
      'free',
      'free',
      'free',
    ]);
    expect(() => writeClearSegment(seg, info, () => new Uint8Array(3))).to.throw(RangeError);
  });
});
