// The init segment as the decrypt path sees it: tracks (ISO/IEC 14496-12 8.3-8.5), their protection
// (ISO/IEC 23001-7 4, 8.2) and every pssh (ISO/IEC 23001-7 8.1).
import { childBoxes, findChild, readBoxes, requireChild, type Box } from './box.js';
import { toHex } from './bytes.js';
import { Mp4ErrorCode, Mp4ParseError } from './errors.js';
import { parseFtyp, type FtypBox } from './boxes/ftyp.js';
import { parseHdlr } from './boxes/hdlr.js';
import { parseMdhd } from './boxes/mdhd.js';
import { parseTrex, type TrexBox } from './boxes/trex.js';
import { isPiffPssh, parsePiffPssh, type PiffPsshBox } from './boxes/piff-pssh.js';
import { parsePssh, psshKeyIds, type PsshBox } from './boxes/pssh.js';
import { parseSgpd } from './boxes/sgpd.js';
import type { CencScheme } from './boxes/sinf.js';
import { parseStsd, type SampleEntry } from './boxes/stsd.js';
import type { EncryptionDefaults } from './boxes/tenc.js';
import { parseTkhd } from './boxes/tkhd.js';

/** How a track is protected: its scheme (schm) and defaults (tenc), ISO/IEC 23001-7 4.2 and 8.2. */
export interface TrackProtection {
  scheme: CencScheme;
  schemeVersion: number;
  isProtected: boolean;
  defaultKid: Uint8Array;
  perSampleIvSize: number;
  constantIv: Uint8Array | undefined;
  cryptByteBlock: number;
  skipByteBlock: number;
}

export interface TrackInfo {
  trackId: number;
  /** hdlr handler_type: 'vide', 'soun', ... */
  handler: string;
  timescale: number;
  /** The first sample entry's stored type ('encv', 'avc1', ...). */
  format: string;
  /** The clear codec format of the first sample entry (frma's original format when protected). */
  originalFormat: string;
  sampleEntries: SampleEntry[];
  /** From the first protected sample entry; undefined for a clear track. */
  protection: TrackProtection | undefined;
  /** 'seig' entries of the stbl's sgpd (referenced by sbgp indexes 1..0x10000). */
  seig: EncryptionDefaults[];
  trex: TrexBox | undefined;
}

export interface InitInfo {
  ftyp: FtypBox | undefined;
  tracks: TrackInfo[];
  /** Every pssh box in moov (or at the top level), in file order. */
  pssh: PsshBox[];
  /** Every distinct default KID (tenc and stbl seig entries), in order of appearance. */
  defaultKids: Uint8Array[];
  /** PIFF 1.1 'uuid' pssh boxes in moov: not 'cenc' init data (see piff-pssh.ts), kept for what they say. */
  piffPssh: PiffPsshBox[];
}

function isZeroKid(kid: Uint8Array): boolean {
  return kid.every((b) => b === 0);
}

/**
 * A tenc whose default_KID is all zeros is a placeholder (ISO/IEC 23001-7 8.2.2 gives no KID the meaning "none", but
 * packagers write zeros where the real KID lives elsewhere). With no 'seig' groups in the track's stbl to name KIDs,
 * the real KID is the one the init segment's pssh boxes name, when they name exactly one (a version 1 box's list, or
 * a Widevine box's key_id): the track's samples use it. Otherwise the zeros stay (key rotation names its KIDs in
 * each fragment's seig groups).
 */
function resolvePlaceholderKids(tracks: TrackInfo[], pssh: PsshBox[]): void {
  const named = new Map<string, Uint8Array>();
  for (const p of pssh) for (const kid of psshKeyIds(p)) named.set(toHex(kid), kid);
  if (named.size !== 1) return;
  const kid = [...named.values()][0]!;
  for (const t of tracks) {
    if (t.seig.length > 0) continue;
    let changed = false;
    for (const e of t.sampleEntries) {
      if (e.sinf?.tenc.isProtected && isZeroKid(e.sinf.tenc.kid)) {
        e.sinf.tenc = { ...e.sinf.tenc, kid };
        changed = true;
      }
    }
    if (changed) {
      const entry = t.sampleEntries.find((e) => e.sinf);
      t.protection = entry ? protectionOf(entry) : t.protection;
    }
  }
}

export function protectionOf(entry: SampleEntry): TrackProtection | undefined {
  const sinf = entry.sinf;
  if (!sinf) return undefined;
  const t = sinf.tenc;
  return {
    scheme: sinf.scheme,
    schemeVersion: sinf.schemeVersion,
    isProtected: t.isProtected,
    defaultKid: t.kid,
    perSampleIvSize: t.perSampleIvSize,
    constantIv: t.constantIv,
    cryptByteBlock: t.cryptByteBlock,
    skipByteBlock: t.skipByteBlock,
  };
}

function parseTrak(trak: Box, trexById: Map<number, TrexBox>): TrackInfo {
  const { trackId } = parseTkhd(requireChild(trak, 'tkhd'));
  const mdia = requireChild(trak, 'mdia');
  const { timescale } = parseMdhd(requireChild(mdia, 'mdhd'));
  const { handlerType } = parseHdlr(requireChild(mdia, 'hdlr'));
  const stbl = requireChild(requireChild(mdia, 'minf'), 'stbl');
  const stblChildren = childBoxes(stbl);
  const stsdBox = stblChildren.find((b) => b.type === 'stsd');
  if (!stsdBox) throw new Mp4ParseError(Mp4ErrorCode.MISSING_BOX, `Missing 'stsd' box`, `${stbl.path}/stsd`);
  const { entries } = parseStsd(stsdBox, handlerType);
  const first = entries[0];
  if (!first) throw new Mp4ParseError(Mp4ErrorCode.MISSING_BOX, 'stsd has no sample entry', stsdBox.path);
  const protectedEntry = entries.find((e) => e.sinf);
  const seig = stblChildren
    .filter((b) => b.type === 'sgpd')
    .map(parseSgpd)
    .filter((g) => g.groupingType === 'seig')
    .flatMap((g) => g.seig);
  return {
    trackId,
    handler: handlerType,
    timescale,
    format: first.type,
    originalFormat: first.format,
    sampleEntries: entries,
    protection: protectedEntry ? protectionOf(protectedEntry) : undefined,
    seig,
    trex: trexById.get(trackId),
  };
}

/** Parses an init segment (ftyp + moov). Throws Mp4ParseError for malformed input or a missing moov. */
export function parseInit(bytes: Uint8Array): InitInfo {
  const top = readBoxes(bytes);
  const moov = top.find((b) => b.type === 'moov');
  if (!moov) throw new Mp4ParseError(Mp4ErrorCode.MISSING_BOX, `Missing 'moov' box`, 'moov');
  const ftypBox = top.find((b) => b.type === 'ftyp');
  const moovChildren = childBoxes(moov);
  const trexById = new Map<number, TrexBox>();
  const mvex = findChild(moov, 'mvex');
  if (mvex) {
    for (const b of childBoxes(mvex)) {
      if (b.type !== 'trex') continue;
      const trex = parseTrex(b);
      trexById.set(trex.trackId, trex);
    }
  }
  const tracks = moovChildren.filter((b) => b.type === 'trak').map((t) => parseTrak(t, trexById));
  const ids = new Set<number>();
  for (const t of tracks) {
    if (ids.has(t.trackId)) {
      throw new Mp4ParseError(Mp4ErrorCode.BAD_VALUE, `Duplicate track_ID ${t.trackId}`, 'moov/trak/tkhd', {
        trackId: t.trackId,
      });
    }
    ids.add(t.trackId);
  }
  const pssh = [...top, ...moovChildren].filter((b) => b.type === 'pssh').map((b) => parsePssh(b));
  const piffPssh = moovChildren.filter(isPiffPssh).map(parsePiffPssh);
  resolvePlaceholderKids(tracks, pssh);
  const defaultKids: Uint8Array[] = [];
  // A set, not a scan: an stbl may hold any number of seig entries, and hostile input makes it many.
  const seen = new Set<string>();
  const addKid = (kid: Uint8Array): void => {
    const hex = toHex(kid);
    if (!seen.has(hex)) {
      seen.add(hex);
      defaultKids.push(kid);
    }
  };
  for (const t of tracks) {
    for (const e of t.sampleEntries) if (e.sinf?.tenc.isProtected) addKid(e.sinf.tenc.kid);
    for (const g of t.seig) if (g.isProtected) addKid(g.kid);
  }
  return { ftyp: ftypBox ? parseFtyp(ftypBox) : undefined, tracks, pssh, defaultKids, piffPssh };
}
