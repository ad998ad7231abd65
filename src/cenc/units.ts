/**
 * The framing of a protected track's byte stream (the decrypt core's input): where an append stream can be cut so
 * that the part before the cut holds only whole units the core can take: a whole init segment (ftyp ... moov) or whole media segments (styp/sidx/emsg/prft ... moof ... mdat). A player
 * may append one segment in several chunks (hls.js and shaka can split moof and mdat across appends); MSE parses such a
 * byte stream incrementally (MSE 3.5.1 segment parser loop), so the core holds the bytes after the cut until the
 * rest arrives.
 *
 * Only box headers are read (ISO/IEC 14496-12 4.2): size, largesize, type.
 */

/** Boxes that begin a unit and belong with what follows: an init segment's ftyp, a media segment's leading boxes. */
const LEADING = new Set(['ftyp', 'styp', 'sidx', 'ssix', 'emsg', 'prft', 'moof']);

/** Boxes that end a unit: an init segment's moov, a media segment's mdat. */
const ENDING = new Set(['moov', 'mdat']);

/**
 * The length of the longest prefix of `bytes` made of whole units. A box header that cannot be valid (a size below
 * its header) ends the scan with everything taken: the decrypt core then reports the error, as the platform's parser
 * would. A size of 0 ("to the end of the file") is taken as the rest of the bytes.
 */
export function wholeUnitsLength(bytes: Uint8Array): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  let cut = 0;
  let open = false;
  while (bytes.length - at >= 8) {
    let size = view.getUint32(at);
    let header = 8;
    if (size === 1) {
      if (bytes.length - at < 16) break;
      size = view.getUint32(at + 8) * 0x1_0000_0000 + view.getUint32(at + 12);
      header = 16;
    } else if (size === 0) {
      size = bytes.length - at;
    }
    if (size < header) return bytes.length;
    if (size > bytes.length - at) break;
    const type = String.fromCharCode(bytes[at + 4]!, bytes[at + 5]!, bytes[at + 6]!, bytes[at + 7]!);
    at += size;
    if (ENDING.has(type)) {
      open = false;
      cut = at;
    } else if (LEADING.has(type)) {
      open = true;
    } else if (!open) {
      cut = at;
    }
  }
  return cut;
}

/**
 * Where the platform is in the top-level box structure of the bytes it was given directly (the polyfill's fast
 * path): `tail` bytes of the current box still to come, or `header`, the first bytes of a box header cut off.
 */
export interface BoxPosition {
  tail: number;
  header: Uint8Array | undefined;
}

export const AT_BOUNDARY: BoxPosition = { tail: 0, header: undefined };

/**
 * The position after `bytes`, following box headers only (AT_BOUNDARY itself when it ends at a boundary). A size
 * that cannot be valid (or 0, "to the end") makes the rest of the stream one box.
 */
export function advance(position: BoxPosition, bytes: Uint8Array): BoxPosition {
  let { tail, header } = position;
  let at = 0;
  while (at < bytes.length) {
    if (tail > 0) {
      const n = Math.min(tail, bytes.length - at);
      tail -= n;
      at += n;
      continue;
    }
    const prior = header?.length ?? 0;
    const h = header ? concatHeader(header, bytes.subarray(at, at + 16)) : bytes.subarray(at, at + 16);
    const view = new DataView(h.buffer, h.byteOffset, h.byteLength);
    if (h.length < 8 || (view.getUint32(0) === 1 && h.length < 16)) {
      return { tail: 0, header: h.slice() };
    }
    header = undefined;
    let size = view.getUint32(0);
    if (size === 1) size = view.getUint32(8) * 0x1_0000_0000 + view.getUint32(12);
    tail = size < 8 ? Infinity : size - prior;
  }
  return tail === 0 ? AT_BOUNDARY : { tail, header: undefined };
}

function concatHeader(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/**
 * Whether held bytes (the start of a segment) hold a whole moof: the platform, given them, would be parsing that
 * media segment (MSE 3.5.1 append state PARSING_MEDIA_SEGMENT), in which the timestampOffset and mode setters throw
 * InvalidStateError. Measured natively: Chromium throws from there on, Firefox from the moof's first bytes on,
 * WebKitGTK never; the polyfill takes Chromium's point, which Firefox agrees with.
 */
export function holdsWholeMoof(bytes: Uint8Array): boolean {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 0; bytes.length - at >= 8;) {
    const size = view.getUint32(at);
    // A largesize or to-the-end box is never a moof here (a moof is small); stop at it.
    if (size < 8 || size > bytes.length - at) return false;
    if (String.fromCharCode(bytes[at + 4]!, bytes[at + 5]!, bytes[at + 6]!, bytes[at + 7]!) === 'moof') return true;
    at += size;
  }
  return false;
}

/** A whole unit of the stream: an init segment (ftyp? moov), a media segment (... moof ... mdat), or a stray box. */
export interface Unit {
  kind: 'init' | 'media' | 'other';
  bytes: Uint8Array;
}

function boxType(bytes: Uint8Array, at: number): string {
  return String.fromCharCode(bytes[at + 4]!, bytes[at + 5]!, bytes[at + 6]!, bytes[at + 7]!);
}

/**
 * The units of `bytes`, which must be whole units (a prefix cut by wholeUnitsLength), in order: several init
 * segments may follow each other in one append (a clear lead's init, then the protected one; WPT's clear-encrypted
 * content), and each media segment is decrypted against the init before it. A media unit is one fragment (moof
 * ... mdat), so that a fragment whose key is known reaches the platform before one that waits. Box headers only.
 */
export function splitUnits(bytes: Uint8Array): Unit[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const units: Unit[] = [];
  let start = 0;
  let at = 0;
  let kind: Unit['kind'] | undefined;
  const close = (end: number, k: Unit['kind']): void => {
    units.push({ kind: k, bytes: bytes.subarray(start, end) });
    start = end;
    kind = undefined;
  };
  while (bytes.length - at >= 8) {
    let size = view.getUint32(at);
    if (size === 1 && bytes.length - at >= 16) size = view.getUint32(at + 8) * 0x1_0000_0000 + view.getUint32(at + 12);
    else if (size === 0) size = bytes.length - at;
    // A size that cannot be valid: the rest goes as one unit of the kind begun, for the parser to report.
    if (size < 8 || size > bytes.length - at) break;
    const type = boxType(bytes, at);
    at += size;
    if (type === 'ftyp') {
      if (kind !== undefined && start < at - size) close(at - size, kind);
      kind = 'init';
    } else if (type === 'moov') close(at, 'init');
    else if (type === 'moof' || (LEADING.has(type) && kind !== 'init')) kind = 'media';
    else if (type === 'mdat') close(at, 'media');
    else if (kind === undefined) close(at, 'other');
  }
  if (start < bytes.length) units.push({ kind: kind ?? 'other', bytes: bytes.subarray(start) });
  return units;
}
