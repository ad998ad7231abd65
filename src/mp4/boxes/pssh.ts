// Protection System Specific Header box, ISO/IEC 23001-7 8.1 ('pssh', full box, version 0 or 1).
import { readBoxes, type Box } from '../box.js';
import { bytesEqual, fromHex } from '../bytes.js';
import { Mp4ErrorCode, Mp4ParseError } from '../errors.js';
import { ByteReader } from '../reader.js';

/** W3C "Clear Key" system ID, 1077efec-c0b2-4d02-ace3-3c1e52e2fb4b (EME Initialization Data Format Registry, cenc). */
export const CLEAR_KEY_SYSTEM_ID: Uint8Array = fromHex('1077efecc0b24d02ace33c1e52e2fb4b');

/**
 * DASH-IF Clear Key system ID, e2719d58-a985-b3c9-781a-b030af78d30e (DASH-IF IOP 7.6.2.4; the DASH-IF system ID
 * registry). Packagers such as GPAC write their Clear Key pssh under it; its version 1 boxes list KIDs as the W3C
 * one's do, so both name Clear Key keys.
 */
export const DASHIF_CLEAR_KEY_SYSTEM_ID: Uint8Array = fromHex('e2719d58a985b3c9781ab030af78d30e');

/** Whether a pssh SystemID is a Clear Key one: the W3C common system ID or the DASH-IF one. */
export function isClearKeySystemId(systemId: Uint8Array): boolean {
  return bytesEqual(systemId, CLEAR_KEY_SYSTEM_ID) || bytesEqual(systemId, DASHIF_CLEAR_KEY_SYSTEM_ID);
}

export interface PsshBox {
  version: 0 | 1;
  /** 16-byte SystemID. */
  systemId: Uint8Array;
  /** KIDs listed in a version 1 box (empty for version 0). */
  kids: Uint8Array[];
  /** The opaque system-specific Data. */
  data: Uint8Array;
  /** The whole box, header included (what EME 'cenc' init data carries). */
  bytes: Uint8Array;
}

/**
 * Parses one pssh box: either a Box from readBoxes (its payload is read; `bytes` is the whole box, zero-copy) or a
 * Uint8Array holding exactly one whole box.
 */
export function parsePssh(input: Box | Uint8Array): PsshBox {
  let box: Box;
  let whole: Uint8Array;
  if (input instanceof Uint8Array) {
    const boxes = readBoxes(input);
    if (boxes.length !== 1 || boxes[0]!.type !== 'pssh') {
      throw new Mp4ParseError(Mp4ErrorCode.BAD_VALUE, 'Expected exactly one pssh box', boxes[0]?.path ?? '', {
        boxes: boxes.length,
      });
    }
    box = boxes[0]!;
    whole = input;
  } else {
    box = input;
    if (box.type !== 'pssh') throw new Mp4ParseError(Mp4ErrorCode.BAD_VALUE, `Not a pssh box`, box.path);
    const p = box.payload;
    whole = new Uint8Array(p.buffer, p.byteOffset - box.headerSize, box.size);
  }
  const r = new ByteReader(box.payload, box.path);
  const version = r.u8();
  r.u24();
  if (version > 1) {
    throw new Mp4ParseError(Mp4ErrorCode.UNSUPPORTED, `pssh version ${version}`, box.path, { version });
  }
  const systemId = r.bytes(16);
  const kids: Uint8Array[] = [];
  if (version === 1) {
    const count = r.u32();
    // A lying count fails at the first missing KID: never allocate by the declared count.
    if (count * 16 > r.remaining) {
      throw new Mp4ParseError(Mp4ErrorCode.TRUNCATED, `pssh KID_count ${count} exceeds the box`, box.path, { count });
    }
    for (let i = 0; i < count; i++) kids.push(r.bytes(16));
  }
  const dataSize = r.u32();
  const data = r.bytes(dataSize);
  if (r.remaining !== 0) {
    throw new Mp4ParseError(Mp4ErrorCode.SIZE_MISMATCH, `${r.remaining} byte(s) after pssh Data`, box.path, {
      extra: r.remaining,
    });
  }
  return { version: version as 0 | 1, systemId, kids, data, bytes: whole };
}

/** Parses a buffer of concatenated pssh boxes, as EME 'cenc' initialization data is (EME Init Data Registry, cenc). */
export function parsePsshList(bytes: Uint8Array): PsshBox[] {
  const boxes = readBoxes(bytes);
  if (boxes.length === 0) throw new Mp4ParseError(Mp4ErrorCode.MISSING_BOX, 'No pssh box in the data', 'pssh');
  return boxes.map((b) => {
    if (b.type !== 'pssh') throw new Mp4ParseError(Mp4ErrorCode.BAD_VALUE, `Expected pssh, found '${b.type}'`, b.path);
    return parsePssh(b);
  });
}
