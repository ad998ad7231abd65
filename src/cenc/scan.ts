// A quick look at an append before it goes anywhere: whether it holds protected init segments, for the polyfill's
// fast path (appends with nothing protected go straight to the platform).
import { parseInit } from '../mp4/init.js';

export interface InitScan {
  /** The bytes begin with an init segment's first box (ISO/IEC 14496-12 4.3: ftyp, or moov). */
  startsWithInit: boolean;
  /** A whole moov with a protected track. */
  protected: boolean;
  /** A whole moov without one. */
  clear: boolean;
  /** A moov (or a box header) cut off at the end: what it is shows with the next append. */
  cut: boolean;
}

/** Scans the top-level boxes of `bytes`, which start at a box boundary. Parses each whole moov (small). */
export function scanInits(bytes: Uint8Array): InitScan {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const scan: InitScan = { startsWithInit: false, protected: false, clear: false, cut: false };
  // A box header cut off after an init segment may begin another one; after media, it is taken as media (a player
  // cutting a media segment anywhere), whose rest the platform then gets directly.
  const headerCut = (): InitScan => ({ ...scan, cut: scan.startsWithInit || scan.clear || scan.protected });
  let at = 0;
  while (at < bytes.length) {
    if (bytes.length - at < 8) return headerCut();
    let size = view.getUint32(at);
    if (size === 1) {
      if (bytes.length - at < 16) return headerCut();
      size = view.getUint32(at + 8) * 0x1_0000_0000 + view.getUint32(at + 12);
    } else if (size === 0) size = bytes.length - at;
    const type = String.fromCharCode(bytes[at + 4]!, bytes[at + 5]!, bytes[at + 6]!, bytes[at + 7]!);
    if (at === 0) scan.startsWithInit = type === 'ftyp' || type === 'moov';
    // Not ours to judge: the platform's parser reports a size that cannot be valid.
    if (size < 8) return scan;
    if (type === 'moov') {
      if (size > bytes.length - at) return { ...scan, cut: true };
      let isProtected = false;
      try {
        isProtected = parseInit(bytes.subarray(at, at + size)).tracks.some((t) => t.protection);
      } catch {
        // Malformed: the platform reports what it cannot parse.
      }
      if (isProtected) scan.protected = true;
      else scan.clear = true;
    }
    at += size;
  }
  return scan;
}
