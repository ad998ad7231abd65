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

/** Widevine's system ID, edef8ba9-79d6-4ace-a3c8-27dcd51d21ed (DASH-IF system ID registry). */
export const WIDEVINE_SYSTEM_ID: Uint8Array = fromHex('edef8ba979d64acea3c827dcd51d21ed');

/**
 * The KIDs a pssh box names: a version 1 box's KID list (ISO/IEC 23001-7 8.1.2), else, for a version 0 Widevine box,
 * the key_id fields (field 2, length-delimited) of its Data, a WidevinePsshData protocol buffer message (publicly
 * documented by the Widevine and Shaka Packager projects). Fields are walked by their wire type; a malformed message
 * names no KIDs (never an error: the Data is another system's business). At most one field per Data byte.
 */
export function psshKeyIds(box: PsshBox): Uint8Array[] {
  if (box.version === 1) return box.kids;
  if (!bytesEqual(box.systemId, WIDEVINE_SYSTEM_ID)) return [];
  const d = box.data;
  const kids: Uint8Array[] = [];
  let at = 0;
  const varint = (): number | undefined => {
    let value = 0;
    // Five 7-bit groups fill 32 bits: longer varints (never a tag or a length here) end the walk.
    for (let shift = 0; shift < 35 && at < d.length; shift += 7) {
      const byte = d[at++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
    }
    return undefined;
  };
  while (at < d.length) {
    const tag = varint();
    if (tag === undefined) return [];
    const field = Math.floor(tag / 8);
    const wire = tag % 8;
    if (wire === 0) {
      if (varint() === undefined) return [];
    } else if (wire === 1) at += 8;
    else if (wire === 5) at += 4;
    else if (wire === 2) {
      const length = varint();
      if (length === undefined || at + length > d.length) return [];
      if (field === 2 && length === 16) kids.push(d.subarray(at, at + 16));
      at += length;
    } else return [];
  }
  return at === d.length ? kids : [];
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
