import { Mp4ErrorCode, Mp4ParseError } from './errors.js';

/** One box as found in a byte range (ISO/IEC 14496-12 4.2). */
export interface Box {
  /** Four-character code; 'uuid' for extended types (see `userType`). */
  type: string;
  /** Offset of the box's first byte, relative to the bytes given to readBoxes plus its `baseOffset`. */
  start: number;
  /** Total size in bytes, header included. */
  size: number;
  /** 8, 16 (64-bit largesize), plus 16 for a 'uuid' extended type. */
  headerSize: number;
  /** The bytes after the header (zero-copy subarray). */
  payload: Uint8Array;
  /** Slash-separated path of types from the outermost box parsed, e.g. 'moof/traf/senc'. */
  path: string;
  /** The 16-byte extended type of a 'uuid' box. */
  userType?: Uint8Array;
}

/** Boxes nesting deeper than this are rejected (TOO_DEEP); real files stay well under 12 levels. */
export const MAX_BOX_DEPTH = 32;

function fourccAt(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at]!, bytes[at + 1]!, bytes[at + 2]!, bytes[at + 3]!);
}

function joinPath(parent: string, type: string): string {
  return parent ? `${parent}/${type}` : type;
}

/**
 * Splits `bytes` into the sequence of boxes it holds (one level, no recursion). size 0 means "to the end of `bytes`",
 * size 1 means a 64-bit largesize follows (ISO/IEC 14496-12 4.2). Sizes below the header or past the end are a
 * Mp4ParseError(BAD_SIZE); fewer than 8 trailing bytes are TRUNCATED. Work is linear in the number of boxes and every
 * box consumes at least 8 bytes, so hostile input cannot make this loop.
 */
export function readBoxes(bytes: Uint8Array, parentPath = '', baseOffset = 0): Box[] {
  const boxes: Box[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  while (at < bytes.length) {
    const left = bytes.length - at;
    if (left < 8) {
      throw new Mp4ParseError(Mp4ErrorCode.TRUNCATED, `${left} trailing byte(s) cannot hold a box header`, parentPath, {
        offset: baseOffset + at,
      });
    }
    let size = view.getUint32(at);
    const type = fourccAt(bytes, at + 4);
    const path = joinPath(parentPath, type);
    let headerSize = 8;
    if (size === 1) {
      if (left < 16) {
        throw new Mp4ParseError(Mp4ErrorCode.TRUNCATED, `64-bit box size cut off`, path, { offset: baseOffset + at });
      }
      const hi = view.getUint32(at + 8);
      const lo = view.getUint32(at + 12);
      if (hi > 0x1fffff) {
        throw new Mp4ParseError(Mp4ErrorCode.INTEGER_OVERFLOW, `64-bit box size exceeds 2^53`, path, {
          offset: baseOffset + at,
        });
      }
      size = hi * 0x1_0000_0000 + lo;
      headerSize = 16;
    } else if (size === 0) {
      size = left;
    }
    let userType: Uint8Array | undefined;
    if (type === 'uuid') {
      if (left < headerSize + 16) {
        throw new Mp4ParseError(Mp4ErrorCode.TRUNCATED, `uuid extended type cut off`, path, {
          offset: baseOffset + at,
        });
      }
      userType = bytes.subarray(at + headerSize, at + headerSize + 16);
      headerSize += 16;
    }
    if (size < headerSize || size > left) {
      throw new Mp4ParseError(
        Mp4ErrorCode.BAD_SIZE,
        `Box size ${size} ${size < headerSize ? 'is below its header size' : `runs past the ${left} byte(s) left`}`,
        path,
        { offset: baseOffset + at, size, headerSize, available: left },
      );
    }
    const box: Box = {
      type,
      start: baseOffset + at,
      size,
      headerSize,
      payload: bytes.subarray(at + headerSize, at + size),
      path,
    };
    if (userType) box.userType = userType;
    boxes.push(box);
    at += size;
  }
  return boxes;
}

/** The children of a pure container box (moov, trak, moof, traf, ...), with absolute `start` offsets kept. */
export function childBoxes(parent: Box): Box[] {
  return readBoxes(parent.payload, parent.path, parent.start + parent.headerSize);
}

/**
 * Every box reached by following `types` from the top level of `bytes` through pure containers, e.g.
 * `findBoxes(init, ['moov', 'trak'])` gives every track. Containers with fields before their children (stsd, sample
 * entries, meta) must be opened by their own parsers.
 */
export function findBoxes(bytes: Uint8Array | Box, types: readonly string[]): Box[] {
  if (types.length > MAX_BOX_DEPTH) {
    throw new Mp4ParseError(Mp4ErrorCode.TOO_DEEP, `Box path deeper than ${MAX_BOX_DEPTH}`, types.join('/'));
  }
  let level: Box[] = bytes instanceof Uint8Array ? readBoxes(bytes) : [bytes];
  for (let i = 0; i < types.length; i++) {
    const want = types[i];
    const next: Box[] = [];
    for (const parent of level) {
      const kids = i === 0 && bytes instanceof Uint8Array ? [parent] : childBoxes(parent);
      for (const b of kids) if (b.type === want) next.push(b);
    }
    level = next;
  }
  return level;
}

/** The first box reached by following `types` (see findBoxes), or undefined. */
export function findBox(bytes: Uint8Array | Box, types: readonly string[]): Box | undefined {
  return findBoxes(bytes, types)[0];
}

/** The first direct child of `parent` with the given type, or undefined. */
export function findChild(parent: Box, type: string): Box | undefined {
  return childBoxes(parent).find((b) => b.type === type);
}

/** The first direct child of `parent` with the given type, or a MISSING_BOX error naming the expected path. */
export function requireChild(parent: Box, type: string): Box {
  const b = findChild(parent, type);
  if (!b) throw new Mp4ParseError(Mp4ErrorCode.MISSING_BOX, `Missing '${type}' box`, joinPath(parent.path, type));
  return b;
}
