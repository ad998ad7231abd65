// Writing the clear form of encrypted ISO-BMFF: an init segment without protection (ISO/IEC 14496-12 8.12: the
// sample entry gets back its frma original format, sinf goes) and media segments whose encryption-only boxes turn
// into 'free' (8.1.2) so every offset and size stays valid.
import { childBoxes, readBoxes, type Box } from './box.js';
import { Mp4ErrorCode, Mp4ParseError } from './errors.js';
import { parseSgpd } from './boxes/sgpd.js';
import { parseSbgp } from './boxes/sbgp.js';
import { parseStsd, type SampleEntry } from './boxes/stsd.js';
import { isUnplayableHandler, parseHdlr } from './boxes/hdlr.js';
import { parseTkhd } from './boxes/tkhd.js';
import { parseTrex } from './boxes/trex.js';
import { isPiffPssh } from './boxes/piff-pssh.js';
import type { BaseOffsetRewrite, SegmentInfo } from './segment.js';
import { box, concat, fourcc } from './writer.js';

function wholeBoxBytes(b: Box): Uint8Array {
  return new Uint8Array(b.payload.buffer, b.payload.byteOffset - b.headerSize, b.size);
}

function isSeigBox(b: Box): boolean {
  return (
    (b.type === 'sgpd' && parseSgpd(b).groupingType === 'seig') ||
    (b.type === 'sbgp' && parseSbgp(b).groupingType === 'seig')
  );
}

function rewriteEntry(e: SampleEntry): Uint8Array {
  if (!e.sinf) return wholeBoxBytes(e.box);
  const kept = e.children.filter((c) => c.type !== 'sinf').map(wholeBoxBytes);
  return box(e.format, e.box.payload.subarray(0, e.fieldsSize), ...kept);
}

function rewriteStbl(stbl: Box, handler: string | undefined): Uint8Array {
  const parts = childBoxes(stbl)
    .filter((c) => !isSeigBox(c))
    .map((c) => {
      if (c.type !== 'stsd') return wholeBoxBytes(c);
      const stsd = parseStsd(c, handler);
      // Keep version, flags and entry_count (8 bytes); only the entries change.
      return box('stsd', c.payload.subarray(0, 8), ...stsd.entries.map(rewriteEntry));
    });
  return box('stbl', ...parts);
}

/** The hdlr handler_type of a trak, or undefined. */
function handlerOf(trak: Box): string | undefined {
  const mdia = childBoxes(trak).find((k) => k.type === 'mdia');
  const hdlr = mdia ? childBoxes(mdia).find((k) => k.type === 'hdlr') : undefined;
  return hdlr ? parseHdlr(hdlr).handlerType : undefined;
}

/** The track_IDs of the moov's traks that the clear init leaves out (see isUnplayableHandler). */
function droppedTrackIds(moov: Box): Set<number> {
  const ids = new Set<number>();
  for (const trak of childBoxes(moov).filter((k) => k.type === 'trak')) {
    const tkhd = childBoxes(trak).find((k) => k.type === 'tkhd');
    if (tkhd && isUnplayableHandler(handlerOf(trak))) ids.add(parseTkhd(tkhd).trackId);
  }
  return ids;
}

/** Rebuilds the containers on the way to stbl; `handler` is the track's hdlr type, found on the way down. */
function rewriteContainer(b: Box, handler: string | undefined, dropped = new Set<number>()): Uint8Array {
  let kids = childBoxes(b);
  if (b.type === 'moov') {
    kids = kids.filter((k) => !(k.type === 'trak' && isUnplayableHandler(handlerOf(k))));
  }
  if (b.type === 'mvex') {
    kids = kids.filter((k) => !(k.type === 'trex' && dropped.has(parseTrex(k).trackId)));
  }
  if (b.type === 'mdia') {
    const hdlr = kids.find((k) => k.type === 'hdlr');
    handler = hdlr ? parseHdlr(hdlr).handlerType : undefined;
  }
  const parts = kids
    .filter((k) => k.type !== 'pssh' && !isPiffPssh(k))
    .map((k) => {
      if (k.type === 'stbl') return rewriteStbl(k, handler);
      if (k.type === 'trak' || k.type === 'mdia' || k.type === 'minf') return rewriteContainer(k, handler);
      if (k.type === 'mvex' && dropped.size > 0) return rewriteContainer(k, handler, dropped);
      return wholeBoxBytes(k);
    });
  return box(b.type, ...parts);
}

/**
 * The clear form of an init segment: every protected sample entry (encv/enca/...) becomes its frma original format
 * without its sinf, pssh boxes (and PIFF's 'uuid' form of them) are removed, sbgp/sgpd 'seig' are removed,
 * closed-caption tracks go (see isUnplayableHandler), and every ancestor's size is recomputed.
 * Boxes the rewrite does not touch are copied byte for byte.
 */
export function rewriteInitToClear(bytes: Uint8Array): Uint8Array {
  const top = readBoxes(bytes);
  if (!top.some((b) => b.type === 'moov')) {
    throw new Mp4ParseError(Mp4ErrorCode.MISSING_BOX, `Missing 'moov' box`, 'moov');
  }
  const parts = top
    .filter((b) => b.type !== 'pssh' && !isPiffPssh(b))
    .map((b) => (b.type === 'moov' ? rewriteContainer(b, undefined, droppedTrackIds(b)) : wholeBoxBytes(b)));
  return concat(...parts);
}

const FREE = fourcc('free');
const TFHD_BASE_DATA_OFFSET = 0x1;
const TFHD_DEFAULT_BASE_IS_MOOF = 0x20000;

/**
 * Rewrites, in place, a tfhd that states base_data_offset as default-base-is-moof (ISO/IEC 14496-12 8.8.7.1) and
 * its truns' data_offset as counted from the moof. The tfhd loses the 8-byte field and an 8-byte 'free' box (8.1.2)
 * takes its room right after it, so nothing else moves. Media Source Extensions take a media segment on its own, so
 * a position in the original file means nothing there (Chromium refuses it; the ISO BMFF byte stream format asks
 * for default-base-is-moof, MSE-ISOBMFF 3).
 */
function rebase(out: Uint8Array, r: BaseOffsetRewrite): void {
  const { tfhd } = r;
  // Only a plain 32-bit size header is rewritten: a tfhd never needs a largesize.
  if (tfhd.headerSize !== 8) return;
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const at = tfhd.start;
  const size = tfhd.size;
  const flags = view.getUint32(at + 8) & 0xffffff;
  const version = out[at + 8]!;
  // Fields after base_data_offset move 8 bytes up: version/flags (4) and track_ID (4) stay, the 8-byte offset goes.
  out.copyWithin(at + 16, at + 24, at + size);
  view.setUint32(at, size - 8);
  view.setUint32(at + 8, (version << 24) | ((flags & ~TFHD_BASE_DATA_OFFSET) | TFHD_DEFAULT_BASE_IS_MOOF));
  view.setUint32(at + size - 8, 8);
  out.set(FREE, at + size - 4);
  for (const t of r.truns) view.setInt32(t.box.start + t.box.headerSize + 8, t.dataOffset);
}

/**
 * Turns every encryption-only box of a parsed segment (senc, saiz, saio, seig sbgp/sgpd, pssh, and their PIFF 'uuid'
 * forms) into a 'free' box of the same size, in place, and rewrites an explicit tfhd base_data_offset as
 * default-base-is-moof (see rebase). `out` must hold the same layout as the bytes `segment` was parsed from (usually
 * a copy). Sizes and sample positions stay valid because nothing moves.
 */
export function freeEncryptionBoxes(out: Uint8Array, segment: SegmentInfo): void {
  for (const b of segment.encryptionBoxes) {
    // The type sits after the 32-bit size; a 64-bit size keeps the same position for the type (ISO/IEC 14496-12 4.2).
    out.set(FREE, b.start + 4);
    // A 'uuid' box turned 'free' keeps its 16-byte extended type as free bytes: a free box's payload is ignored.
  }
  for (const r of segment.baseOffsetRewrites) rebase(out, r);
  // The trafs of tracks the clear init leaves out: their samples stay in mdat, unreferenced (nothing moves).
  for (const traf of segment.droppedTrafs) out.set(FREE, traf.start + 4);
}

/**
 * A copy of the segment with each sample replaced by `clearSample(index)` (same length; undefined keeps the sample)
 * and the encryption-only boxes freed.
 */
export function writeClearSegment(
  bytes: Uint8Array,
  segment: SegmentInfo,
  clearSample: (index: number) => Uint8Array | undefined,
): Uint8Array {
  const out = bytes.slice();
  segment.samples.forEach((s, i) => {
    const clear = clearSample(i);
    if (!clear) return;
    if (clear.length !== s.size)
      throw new RangeError(`Clear sample ${i} has ${clear.length} bytes, expected ${s.size}`);
    out.set(clear, s.offset);
  });
  freeEncryptionBoxes(out, segment);
  return out;
}
