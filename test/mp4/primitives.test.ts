import { expect } from '@open-wc/testing';
import { childBoxes, findBox, findBoxes, readBoxes } from '../../src/mp4/box.js';
import { fromHex, toHex } from '../../src/mp4/bytes.js';
import { Mp4ErrorCode, Mp4ParseError } from '../../src/mp4/errors.js';
import { ByteReader } from '../../src/mp4/reader.js';
import { box, concat, fourcc, fullBox, u16, u24, u32, u64, u8 } from '../../src/mp4/writer.js';
import { CLEAR_KEY_SYSTEM_ID, parsePssh, parsePsshList } from '../../src/mp4/boxes/pssh.js';

async function fixture(path: string): Promise<Uint8Array> {
  const res = await fetch(new URL(path, location.origin));
  return new Uint8Array(await res.arrayBuffer());
}

function catchError(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

function expectMp4Error(fn: () => unknown, code: number, boxPath?: string): Mp4ParseError {
  const e = catchError(fn);
  expect(e).to.be.instanceOf(Mp4ParseError);
  const err = e as Mp4ParseError;
  expect(err.code).to.equal(code);
  if (boxPath !== undefined) expect(err.boxPath).to.equal(boxPath);
  return err;
}

describe('mp4 ByteReader', () => {
  it('reads big-endian integers and four-character codes', () => {
    const r = new ByteReader(
      concat(u8(0xab), u16(0x1234), u24(0x56789a), u32(0xdeadbeef), u64(2 ** 40 + 5), fourcc('moov')),
    );
    expect(r.u8()).to.equal(0xab);
    expect(r.u16()).to.equal(0x1234);
    expect(r.u24()).to.equal(0x56789a);
    expect(r.u32()).to.equal(0xdeadbeef);
    expect(r.u64()).to.equal(2 ** 40 + 5);
    expect(r.fourcc()).to.equal('moov');
    expect(r.remaining).to.equal(0);
  });

  it('reads signed 32-bit values', () => {
    expect(new ByteReader(u32(0xfffffff8)).i32()).to.equal(-8);
  });

  it('returns zero-copy subarrays from bytes()', () => {
    const data = Uint8Array.of(1, 2, 3, 4, 5);
    const r = new ByteReader(data.subarray(1));
    r.skip(1);
    const b = r.bytes(2);
    expect([...b]).to.deep.equal([3, 4]);
    expect(b.buffer).to.equal(data.buffer);
    expect(b.byteOffset).to.equal(2);
  });

  it('throws TRUNCATED with the box path when reading past the end', () => {
    const r = new ByteReader(Uint8Array.of(1, 2, 3), 'moof/traf/senc');
    expectMp4Error(() => r.u32(), Mp4ErrorCode.TRUNCATED, 'moof/traf/senc');
    expectMp4Error(() => r.bytes(4), Mp4ErrorCode.TRUNCATED);
    expectMp4Error(() => r.skip(-1), Mp4ErrorCode.TRUNCATED);
    expect(r.offset).to.equal(0);
  });

  it('rejects 64-bit values above 2^53 instead of rounding them', () => {
    expectMp4Error(() => new ByteReader(fromHex('0020000000000000')).u64(), Mp4ErrorCode.INTEGER_OVERFLOW);
    expect(new ByteReader(fromHex('001fffffffffffff')).u64()).to.equal(Number.MAX_SAFE_INTEGER);
  });
});

describe('mp4 writer', () => {
  it('writes sizes and full box headers', () => {
    const b = fullBox('tfdt', 1, 0x020001, u64(7));
    expect(toHex(b)).to.equal('00000014' + '74666474' + '01020001' + '0000000000000007');
  });

  it('rejects values that do not fit their width', () => {
    expect(() => u8(256)).to.throw(RangeError);
    expect(() => u16(-1)).to.throw(RangeError);
    expect(() => u32(2 ** 32)).to.throw(RangeError);
    expect(() => fourcc('abc')).to.throw(RangeError);
  });
});

describe('mp4 readBoxes', () => {
  it('lists the top-level boxes of the clear init and media segments', async () => {
    const init = await fixture('/test/fixtures/clear/init-0.mp4');
    expect(readBoxes(init).map((b) => b.type)).to.deep.equal(['ftyp', 'moov']);
    const seg = await fixture('/test/fixtures/clear/seg-0-1.m4s');
    const boxes = readBoxes(seg);
    expect(boxes.map((b) => b.type)).to.deep.equal(['styp', 'sidx', 'moof', 'mdat']);
    const last = boxes[boxes.length - 1]!;
    expect(last.start + last.size).to.equal(seg.length);
  });

  it('walks nested boxes by path with absolute offsets', async () => {
    const init = await fixture('/test/fixtures/clear/init-0.mp4');
    const stbl = findBox(init, ['moov', 'trak', 'mdia', 'minf', 'stbl']);
    expect(stbl?.path).to.equal('moov/trak/mdia/minf/stbl');
    expect(fourccAt(init, stbl!.start + 4)).to.equal('stbl');
    expect(childBoxes(stbl!).map((b) => b.type)).to.include('stsd');
    expect(findBoxes(init, ['moov', 'trak'])).to.have.length(1);
    expect(findBox(init, ['moov', 'nope'])).to.equal(undefined);
  });

  it('handles size 0 (to the end), size 1 (64-bit) and uuid boxes', () => {
    const userType = new Uint8Array(16).fill(7);
    const bytes = concat(
      concat(u32(1), fourcc('free'), u64(20), u32(9)),
      concat(u32(28), fourcc('uuid'), userType, u32(5)),
      concat(u32(0), fourcc('mdat'), Uint8Array.of(1, 2, 3)),
    );
    const [a, b, c] = readBoxes(bytes);
    expect(a).to.include({ type: 'free', size: 20, headerSize: 16, start: 0 });
    expect([...a!.payload]).to.deep.equal([0, 0, 0, 9]);
    expect(b).to.include({ type: 'uuid', size: 28, headerSize: 24 });
    expect([...b!.userType!]).to.deep.equal([...userType]);
    expect(c).to.include({ type: 'mdat', size: 11, headerSize: 8 });
    expect([...c!.payload]).to.deep.equal([1, 2, 3]);
  });

  it('rejects sizes past the end, below the header, and cut-off headers', () => {
    expectMp4Error(() => readBoxes(concat(u32(100), fourcc('moov'))), Mp4ErrorCode.BAD_SIZE, 'moov');
    expectMp4Error(() => readBoxes(concat(u32(4), fourcc('moov'))), Mp4ErrorCode.BAD_SIZE, 'moov');
    expectMp4Error(() => readBoxes(concat(u32(1), fourcc('mdat'), u32(0), u32(8))), Mp4ErrorCode.BAD_SIZE, 'mdat');
    expectMp4Error(() => readBoxes(concat(u32(1), fourcc('mdat'))), Mp4ErrorCode.TRUNCATED, 'mdat');
    expectMp4Error(() => readBoxes(Uint8Array.of(0, 0, 0)), Mp4ErrorCode.TRUNCATED);
    expectMp4Error(
      () => readBoxes(concat(u32(1), fourcc('mdat'), u32(0xffffffff), u32(0))),
      Mp4ErrorCode.INTEGER_OVERFLOW,
    );
  });

  it('names the nested path of a bad child box', () => {
    const bytes = box('moof', box('traf', concat(u32(50), fourcc('senc'))));
    const moof = readBoxes(bytes)[0]!;
    const traf = childBoxes(moof)[0]!;
    expectMp4Error(() => childBoxes(traf), Mp4ErrorCode.BAD_SIZE, 'moof/traf/senc');
  });
});

function fourccAt(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(...bytes.subarray(at, at + 4));
}

describe('mp4 pssh', () => {
  const kid = fromHex('a0a1a2a3a4a5a6a7a8a9aaabacadaeaf');

  it('parses a v1 Clear Key pssh with KIDs, keeping the whole box bytes', () => {
    const bytes = fullBox('pssh', 1, 0, CLEAR_KEY_SYSTEM_ID, u32(1), kid, u32(2), Uint8Array.of(9, 8));
    const p = parsePssh(bytes);
    expect(p.version).to.equal(1);
    expect(toHex(p.systemId)).to.equal('1077efecc0b24d02ace33c1e52e2fb4b');
    expect(p.kids.map(toHex)).to.deep.equal([toHex(kid)]);
    expect([...p.data]).to.deep.equal([9, 8]);
    expect(p.bytes).to.deep.equal(bytes);
  });

  it('parses a concatenated list of v0 and v1 boxes (EME cenc init data)', () => {
    const other = fromHex('edef8ba979d64acea3c827dcd51d21ed');
    const list = concat(
      fullBox('pssh', 0, 0, other, u32(3), Uint8Array.of(1, 2, 3)),
      fullBox('pssh', 1, 0, CLEAR_KEY_SYSTEM_ID, u32(2), kid, kid, u32(0)),
    );
    const boxes = parsePsshList(list);
    expect(boxes.map((b) => b.version)).to.deep.equal([0, 1]);
    expect(boxes[0]!.kids).to.deep.equal([]);
    expect(boxes[1]!.kids).to.have.length(2);
    expect(boxes[1]!.bytes).to.deep.equal(list.subarray(boxes[0]!.bytes.length));
  });

  it('rejects lying KID counts, leftover bytes, other boxes and future versions', () => {
    expectMp4Error(
      () => parsePssh(fullBox('pssh', 1, 0, CLEAR_KEY_SYSTEM_ID, u32(1000), kid, u32(0))),
      Mp4ErrorCode.TRUNCATED,
      'pssh',
    );
    expectMp4Error(
      () => parsePssh(fullBox('pssh', 0, 0, CLEAR_KEY_SYSTEM_ID, u32(0), u8(1))),
      Mp4ErrorCode.SIZE_MISMATCH,
    );
    expectMp4Error(() => parsePsshList(box('free')), Mp4ErrorCode.BAD_VALUE);
    expectMp4Error(() => parsePsshList(new Uint8Array(0)), Mp4ErrorCode.MISSING_BOX);
    expectMp4Error(() => parsePssh(fullBox('pssh', 2, 0, CLEAR_KEY_SYSTEM_ID, u32(0))), Mp4ErrorCode.UNSUPPORTED);
  });
});
