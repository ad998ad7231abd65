import { expect } from '@open-wc/testing';
import { childBoxes, findBox, readBoxes } from '../../src/mp4/box.js';
import { fromHex, toHex } from '../../src/mp4/bytes.js';
import { Mp4ErrorCode, Mp4ParseError } from '../../src/mp4/errors.js';
import { parseInit } from '../../src/mp4/init.js';
import { rewriteInitToClear } from '../../src/mp4/rewrite.js';
import { box, concat, fourcc, fullBox, u32, u8 } from '../../src/mp4/writer.js';
import { buildInit, clearKeyPssh } from './helpers/build.js';

const KID = fromHex('a0a1a2a3a4a5a6a7a8a9aaabacadaeaf');
const KID2 = fromHex('b0b1b2b3b4b5b6b7b8b9babbbcbdbebf');

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

describe('mp4 parseInit', () => {
  it('describes the clear video and audio fixture tracks', async () => {
    const video = parseInit(await fixture('/test/fixtures/clear/init-0.mp4'));
    expect(video.tracks).to.have.length(1);
    expect(video.tracks[0]).to.include({
      trackId: 1,
      handler: 'vide',
      timescale: 12800,
      format: 'avc1',
      originalFormat: 'avc1',
    });
    expect(video.tracks[0]!.protection).to.equal(undefined);
    expect(video.pssh).to.deep.equal([]);
    expect(video.defaultKids).to.deep.equal([]);
    expect(video.ftyp?.majorBrand).to.be.a('string');
    expect(video.tracks[0]!.sampleEntries[0]!.children.map((b) => b.type)).to.include('avcC');
    const audio = parseInit(await fixture('/test/fixtures/clear/init-1.mp4'));
    expect(audio.tracks[0]).to.include({ handler: 'soun', timescale: 48000, format: 'mp4a' });
    expect(audio.tracks[0]!.sampleEntries[0]!.kind).to.equal('audio');
  });

  it('reads a cenc track: encv, frma, schm, tenc v0, pssh and default KID', () => {
    const init = parseInit(
      buildInit({ scheme: 'cenc', tenc: { isProtected: true, ivSize: 8, kid: KID }, pssh: [clearKeyPssh([KID])] }),
    );
    const t = init.tracks[0]!;
    expect(t).to.include({ format: 'encv', originalFormat: 'avc1' });
    expect(t.protection).to.deep.include({
      scheme: 'cenc',
      schemeVersion: 0x10000,
      isProtected: true,
      perSampleIvSize: 8,
      constantIv: undefined,
      cryptByteBlock: 0,
      skipByteBlock: 0,
    });
    expect(toHex(t.protection!.defaultKid)).to.equal(toHex(KID));
    expect(init.pssh).to.have.length(1);
    expect(init.pssh[0]!.kids.map(toHex)).to.deep.equal([toHex(KID)]);
    expect(init.defaultKids.map(toHex)).to.deep.equal([toHex(KID)]);
  });

  it('reads a cbcs audio track: enca, tenc v1 pattern and constant IV, stbl seig KIDs', () => {
    const constantIv = fromHex('00112233445566778899aabbccddeeff');
    const init = parseInit(
      buildInit({
        kind: 'audio',
        scheme: 'cbcs',
        tenc: { isProtected: true, ivSize: 0, constantIv, kid: KID, crypt: 1, skip: 9 },
        stblSeig: [{ isProtected: true, ivSize: 16, kid: KID2 }],
      }),
    );
    const t = init.tracks[0]!;
    expect(t).to.include({ format: 'enca', originalFormat: 'mp4a', handler: 'soun' });
    expect(t.protection).to.include({ scheme: 'cbcs', perSampleIvSize: 0, cryptByteBlock: 1, skipByteBlock: 9 });
    expect(toHex(t.protection!.constantIv!)).to.equal(toHex(constantIv));
    expect(t.seig).to.have.length(1);
    expect(init.defaultKids.map(toHex)).to.deep.equal([toHex(KID), toHex(KID2)]);
  });

  it('reads a subtitle track whose sample entry fields are not boxes', () => {
    const bytes = buildInit({ kind: 'text' });
    const t = parseInit(bytes).tracks[0]!;
    expect(t).to.include({ handler: 'subt', format: 'stpp', originalFormat: 'stpp', protection: undefined });
    expect(t.sampleEntries[0]!.kind).to.equal('other');
    expect(toHex(rewriteInitToClear(bytes))).to.equal(toHex(bytes));
  });

  it('rejects malformed protection: unknown scheme, bad IV sizes, missing tenc, missing moov', () => {
    const withScheme = (scheme: string): Uint8Array =>
      buildInit({ scheme: scheme as 'cenc', tenc: { isProtected: true, ivSize: 8, kid: KID } });
    expect(mp4Error(() => parseInit(withScheme('abcd')))).to.include({
      code: Mp4ErrorCode.UNSUPPORTED,
      boxPath: 'moov/trak/mdia/minf/stbl/stsd/encv/sinf/schm',
    });
    const badIv = buildInit({ scheme: 'cenc', tenc: { isProtected: true, ivSize: 12 as 8, kid: KID } });
    expect(mp4Error(() => parseInit(badIv))).to.include({
      code: Mp4ErrorCode.BAD_VALUE,
      boxPath: 'moov/trak/mdia/minf/stbl/stsd/encv/sinf/schi/tenc',
    });
    const noConstant = buildInit({ scheme: 'cbcs', tenc: { isProtected: true, ivSize: 0, kid: KID } });
    expect(mp4Error(() => parseInit(noConstant)).code).to.equal(Mp4ErrorCode.TRUNCATED);
    expect(mp4Error(() => parseInit(box('ftyp', fourcc('isom'), u32(0))))).to.include({
      code: Mp4ErrorCode.MISSING_BOX,
      boxPath: 'moov',
    });
  });

  it('rejects an stsd whose entry_count lies', () => {
    const init = buildInit({});
    const stsd = findBox(init, ['moov', 'trak', 'mdia', 'minf', 'stbl', 'stsd'])!;
    const bad = init.slice();
    new DataView(bad.buffer).setUint32(stsd.start + 12, 5);
    expect(mp4Error(() => parseInit(bad))).to.include({ code: Mp4ErrorCode.SIZE_MISMATCH, boxPath: stsd.path });
  });
});

describe('mp4 rewriteInitToClear', () => {
  it('turns encv back into avc1 without sinf and pssh, fixing every ancestor size', () => {
    for (const kind of ['video', 'audio'] as const) {
      const clear = buildInit({ kind });
      const encrypted = buildInit({
        kind,
        scheme: 'cbcs',
        tenc: { isProtected: true, ivSize: 0, constantIv: new Uint8Array(16), kid: KID, crypt: 1, skip: 9 },
        stblSeig: [{ isProtected: true, ivSize: 8, kid: KID2 }],
        pssh: [clearKeyPssh([KID]), clearKeyPssh([KID2])],
      });
      expect(encrypted.length).to.be.greaterThan(clear.length);
      // The builder writes the same boxes in the same order, so the clear form must be byte-identical.
      expect(toHex(rewriteInitToClear(encrypted))).to.equal(toHex(clear));
    }
  });

  it('handles every codec the issue lists, clear and protected', () => {
    const formats = [
      ...['avc1', 'avc3', 'hvc1', 'hev1', 'vp09', 'av01'].map((f) => [f, 'video'] as const),
      ...['mp4a', 'Opus', 'ec-3'].map((f) => [f, 'audio'] as const),
    ];
    for (const [format, kind] of formats) {
      const clear = buildInit({ kind, format });
      const encrypted = buildInit({ kind, format, scheme: 'cenc', tenc: { isProtected: true, ivSize: 8, kid: KID } });
      const t = parseInit(encrypted).tracks[0]!;
      expect(t.format, format).to.equal(kind === 'video' ? 'encv' : 'enca');
      expect(t.originalFormat, format).to.equal(format);
      expect(t.sampleEntries[0]!.kind, format).to.equal(kind === 'video' ? 'visual' : 'audio');
      expect(parseInit(clear).tracks[0]!.originalFormat, format).to.equal(format);
      expect(toHex(rewriteInitToClear(encrypted)), format).to.equal(toHex(clear));
    }
  });

  it('keeps a clear init byte for byte', async () => {
    const clear = await fixture('/test/fixtures/clear/init-0.mp4');
    expect(toHex(rewriteInitToClear(clear))).to.equal(toHex(clear));
  });

  it('removes top-level pssh and keeps unrelated boxes', () => {
    const init = concat(
      buildInit({ scheme: 'cenc', tenc: { isProtected: true, ivSize: 8, kid: KID } }),
      clearKeyPssh([KID]),
      box('free', u8(1)),
    );
    const out = rewriteInitToClear(init);
    expect(readBoxes(out).map((b) => b.type)).to.deep.equal(['ftyp', 'moov', 'free']);
    const entry = findBox(out, ['moov', 'trak', 'mdia', 'minf', 'stbl', 'stsd'])!;
    const entries = readBoxes(entry.payload.subarray(8));
    expect(entries.map((b) => b.type)).to.deep.equal(['avc1']);
    expect(childBoxes({ ...entries[0]!, payload: entries[0]!.payload.subarray(78) }).map((b) => b.type)).to.deep.equal([
      'avcC',
    ]);
    expect(parseInit(out).tracks[0]!.protection).to.equal(undefined);
  });

  it('rejects input without moov', () => {
    expect(mp4Error(() => rewriteInitToClear(fullBox('pssh', 0, 0, new Uint8Array(20)))).code).to.equal(
      Mp4ErrorCode.MISSING_BOX,
    );
  });
});
