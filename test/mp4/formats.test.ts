// Parsing and clear rewriting of the layouts other packagers write (tools/packager/formats.ts fixtures): PIFF 1.1
// boxes, an explicit tfhd base_data_offset, an all-zero tenc KID with the real one in a Widevine pssh, a clcp track.
import { expect } from '@open-wc/testing';
import { childBoxes, readBoxes } from '../../src/mp4/box.js';
import { fromHex, toHex } from '../../src/mp4/bytes.js';
import { Mp4ErrorCode, Mp4ParseError } from '../../src/mp4/errors.js';
import { parsePiffTenc } from '../../src/mp4/boxes/piff-tenc.js';
import { parsePsshList, psshKeyIds } from '../../src/mp4/boxes/pssh.js';
import { parseSinf } from '../../src/mp4/boxes/sinf.js';
import { parseTfhd, TfhdFlags } from '../../src/mp4/boxes/tfhd.js';
import { parseInit } from '../../src/mp4/init.js';
import { freeEncryptionBoxes, rewriteInitToClear } from '../../src/mp4/rewrite.js';
import { parseSegment } from '../../src/mp4/segment.js';
import { box, concat, fourcc, fullBox, u32, u8 } from '../../src/mp4/writer.js';
import { extractKeyIds } from '../../src/cdm/init-data.js';

const VIDEO = 'a0a1a2a3a4a5a6a7a8a9aaabacadaeaf';
const AUDIO = 'b0b1b2b3b4b5b6b7b8b9babbbcbdbebf';
const PIFF_TENC = fromHex('8974dbce7be74c5184f97148f9882554');

async function bytesOf(path: string): Promise<Uint8Array> {
  return new Uint8Array(await (await fetch(path)).arrayBuffer());
}

/** The media bytes after the moov, as the polyfill or a byte-range fetch hands them over. */
function afterMoov(file: Uint8Array): { init: Uint8Array; media: Uint8Array } {
  const moov = readBoxes(file).find((b) => b.type === 'moov')!;
  return { init: file.subarray(0, moov.start + moov.size), media: file.slice(moov.start + moov.size) };
}

function sinfBox(schemeType: string, ...schi: Uint8Array[]) {
  const bytes = box(
    'sinf',
    box('frma', fourcc('avc1')),
    fullBox('schm', 0, 0, fourcc(schemeType), u32(0x0001_0001)),
    box('schi', ...schi),
  );
  return readBoxes(bytes)[0]!;
}

function piffTenc(algorithm: number, ivSize: number, kid: Uint8Array): Uint8Array {
  return box('uuid', PIFF_TENC, u8(0), u8(0), u8(0), u8(0), u8(0), u8(0), u8(algorithm), u8(ivSize), kid);
}

describe('mp4: PIFF 1.1 boxes', () => {
  it("takes the track defaults from PIFF's TrackEncryptionBox when schi has no tenc, and scheme 'piff' by AlgorithmID", () => {
    const ctr = parseSinf(sinfBox('piff', piffTenc(1, 8, fromHex(VIDEO))));
    expect(ctr.scheme).to.equal('cenc');
    expect(ctr.tenc.isProtected).to.equal(true);
    expect(ctr.tenc.perSampleIvSize).to.equal(8);
    expect(toHex(ctr.tenc.kid)).to.equal(VIDEO);
    expect(parseSinf(sinfBox('piff', piffTenc(2, 16, fromHex(VIDEO)))).scheme).to.equal('cbc1');
    expect(parseSinf(sinfBox('cenc', piffTenc(1, 16, fromHex(VIDEO)))).tenc.perSampleIvSize).to.equal(16);
  });

  it('refuses a PIFF TrackEncryptionBox with an unknown AlgorithmID, a bad IV size or a wrong length', () => {
    const bad = [
      piffTenc(3, 8, fromHex(VIDEO)),
      piffTenc(1, 4, fromHex(VIDEO)),
      piffTenc(1, 8, fromHex(VIDEO)).slice(0, -1),
    ];
    for (const bytes of bad) {
      let error: unknown;
      try {
        // A truncated box is refused by the box walker already; the others by the PIFF parser.
        parsePiffTenc(readBoxes(concat(u32(bytes.length), bytes.subarray(4)))[0]!);
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(Mp4ParseError);
    }
  });

  it('piff fixture: the PIFF pssh is parsed but is not cenc init data; the PIFF senc gives IVs and the audio KID override', async () => {
    const initBytes = await bytesOf('/test/fixtures/piff/init.mp4');
    const init = parseInit(initBytes);
    expect(init.pssh).to.have.length(0);
    expect(init.piffPssh).to.have.length(1);
    expect(toHex(init.piffPssh[0]!.systemId)).to.equal('9a04f07998404286ab92e65be0885f95');
    expect(init.defaultKids.map(toHex)).to.deep.equal([VIDEO, AUDIO]);
    const seg = await bytesOf('/test/fixtures/piff/seg-1.m4s');
    const parsed = parseSegment(seg, init);
    expect(parsed.kids.map(toHex)).to.deep.equal([VIDEO, AUDIO]);
    expect(parsed.samples.every((s) => s.encryption?.iv.length === 8)).to.equal(true);
    // Both PIFF senc boxes and their saiz/saio go from the clear output.
    expect(parsed.encryptionBoxes.filter((b) => b.type === 'uuid')).to.have.length(2);
    const clearInit = rewriteInitToClear(initBytes);
    const moov = readBoxes(clearInit).find((b) => b.type === 'moov')!;
    expect(childBoxes(moov).some((b) => b.type === 'uuid')).to.equal(false);
  });
});

describe('mp4: explicit tfhd base_data_offset (GPAC single file)', () => {
  it('places the samples from the moof when the bytes start at the moof, and rewrites tfhd as default-base-is-moof', async () => {
    const file = await bytesOf('/test/fixtures/gpac-single-file/movie.mp4');
    const { init, media } = afterMoov(file);
    const info = parseInit(init);
    const parsed = parseSegment(media, info);
    const mdat = readBoxes(media).find((b) => b.type === 'mdat')!;
    expect(parsed.samples[0]!.offset).to.equal(mdat.start + mdat.headerSize);
    expect(parsed.baseOffsetRewrites).to.have.length(2);
    // The same samples, read from the whole file (offsets are file positions there).
    const whole = parseSegment(file, info);
    expect(whole.samples.map((s) => s.offset - (file.length - media.length))).to.deep.equal(
      parsed.samples.map((s) => s.offset),
    );
    const out = media.slice();
    freeEncryptionBoxes(out, parsed);
    const again = parseSegment(out, parseInit(rewriteInitToClear(init)));
    expect(again.samples.map((s) => [s.offset, s.size])).to.deep.equal(parsed.samples.map((s) => [s.offset, s.size]));
    const moof = readBoxes(out).find((b) => b.type === 'moof')!;
    for (const traf of childBoxes(moof).filter((b) => b.type === 'traf')) {
      const children = childBoxes(traf);
      const tfhd = parseTfhd(children[0]!);
      expect(tfhd.baseDataOffset).to.equal(undefined);
      expect(tfhd.flags & TfhdFlags.DEFAULT_BASE_IS_MOOF).to.equal(TfhdFlags.DEFAULT_BASE_IS_MOOF);
      expect(children[1]!.type).to.equal('free');
    }
  });

  it('an explicit base that places samples in neither reading is a SIZE_MISMATCH', async () => {
    const file = await bytesOf('/test/fixtures/gpac-single-file/movie.mp4');
    const { init, media } = afterMoov(file);
    // tfhd's base_data_offset sits after size, type, version/flags and track_ID: make the second traf's absurd.
    const moof = readBoxes(media).find((b) => b.type === 'moof')!;
    const tfhd = childBoxes(childBoxes(moof).filter((b) => b.type === 'traf')[1]!)[0]!;
    new DataView(media.buffer).setUint32(tfhd.start + 20, 0x7fff_0000);
    let error: unknown;
    try {
      parseSegment(media, parseInit(init));
    } catch (e) {
      error = e;
    }
    expect((error as Mp4ParseError).code).to.equal(Mp4ErrorCode.SIZE_MISMATCH);
  });
});

describe('mp4: all-zero tenc KID beside a clcp track (cbcs-zero-kid-c608)', () => {
  it('takes the KID the Widevine pssh names, and the clear init leaves the caption track out', async () => {
    const initBytes = await bytesOf('/test/fixtures/cbcs-zero-kid-c608/init.mp4');
    const init = parseInit(initBytes);
    expect(init.defaultKids.map(toHex)).to.deep.equal([VIDEO]);
    expect(toHex(init.tracks[0]!.protection!.defaultKid)).to.equal(VIDEO);
    expect(init.tracks.map((t) => t.handler)).to.deep.equal(['vide', 'clcp']);
    const clear = parseInit(rewriteInitToClear(initBytes));
    expect(clear.tracks.map((t) => t.handler)).to.deep.equal(['vide']);
    const seg = await bytesOf('/test/fixtures/cbcs-zero-kid-c608/seg-1.m4s');
    const parsed = parseSegment(seg, init);
    expect(parsed.kids.map(toHex)).to.deep.equal([VIDEO]);
    expect(parsed.droppedTrafs).to.have.length(1);
    const out = seg.slice();
    freeEncryptionBoxes(out, parsed);
    const moof = readBoxes(out).find((b) => b.type === 'moof')!;
    expect(childBoxes(moof).map((b) => b.type)).to.deep.equal(['mfhd', 'traf', 'free']);
  });

  it("psshKeyIds reads a Widevine pssh's key_id fields and names nothing for malformed Data", () => {
    const kid = fromHex(VIDEO);
    const widevine = (data: Uint8Array) =>
      parsePsshList(fullBox('pssh', 0, 0, fromHex('edef8ba979d64acea3c827dcd51d21ed'), u32(data.length), data))[0]!;
    // provider (field 3, string) before key_id (field 2), algorithm (field 1, varint) after.
    const good = concat(Uint8Array.of(0x1a, 2, 0x61, 0x62, 0x12, 16), kid, Uint8Array.of(0x08, 1));
    expect(psshKeyIds(widevine(good)).map(toHex)).to.deep.equal([VIDEO]);
    expect(psshKeyIds(widevine(Uint8Array.of(0x12, 40, 1, 2)))).to.deep.equal([]);
    expect(psshKeyIds(widevine(Uint8Array.of(0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)))).to.deep.equal([]);
    expect(psshKeyIds(widevine(Uint8Array.of(0x0f)))).to.deep.equal([]);
  });
});

describe('cdm: DASH-IF Clear Key system ID', () => {
  it("'cenc' init data with a v1 pssh under e2719d58-... names its KIDs", () => {
    const pssh = fullBox('pssh', 1, 0, fromHex('e2719d58a985b3c9781ab030af78d30e'), u32(1), fromHex(VIDEO), u32(0));
    expect(extractKeyIds('cenc', pssh).map(toHex)).to.deep.equal([VIDEO]);
  });
});
