// A media segment as the decrypt path sees it: where each sample's bytes are (moof/traf/trun, ISO/IEC 14496-12
// 8.8) and how each is encrypted (senc or saiz/saio, sbgp/sgpd 'seig', tenc: ISO/IEC 23001-7 6, 7).
import { childBoxes, readBoxes, type Box } from './box.js';
import { toHex } from './bytes.js';
import { Mp4ErrorCode, Mp4ParseError } from './errors.js';
import { isUnplayableHandler } from './boxes/hdlr.js';
import { mdatPayloadRange } from './boxes/mdat.js';
import { parsePssh, type PsshBox } from './boxes/pssh.js';
import { parseSaio } from './boxes/saio.js';
import { parseSaiz, type SaizBox } from './boxes/saiz.js';
import { parseSbgp } from './boxes/sbgp.js';
import {
  isSampleEncryptionBox,
  parseSenc,
  readAuxInfo,
  SENC_USE_SUBSAMPLES,
  type SampleAuxInfo,
  type Subsample,
} from './boxes/senc.js';
import { PiffAlgorithm } from './boxes/piff-tenc.js';
import { parseSgpd } from './boxes/sgpd.js';
import { isCencScheme, type CencScheme } from './boxes/sinf.js';
import type { EncryptionDefaults } from './boxes/tenc.js';
import { parseTfhd, TfhdFlags } from './boxes/tfhd.js';
import { parseTrun } from './boxes/trun.js';
import type { InitInfo, TrackInfo } from './init.js';
import { ByteReader } from './reader.js';

export type { Subsample } from './boxes/senc.js';

/** How one sample is encrypted (ISO/IEC 23001-7 9, 10). */
export interface SampleEncryption {
  scheme: CencScheme;
  kid: Uint8Array;
  /** 8 or 16 bytes: the per-sample IV, or the constant IV. */
  iv: Uint8Array;
  /** Clear/protected byte ranges covering the sample; undefined = the whole sample is protected. */
  subsamples: Subsample[] | undefined;
  cryptByteBlock: number;
  skipByteBlock: number;
}

export interface SegmentSample {
  trackId: number;
  /** Offset of the sample's first byte within the segment bytes. */
  offset: number;
  size: number;
  /** undefined for a clear sample. */
  encryption: SampleEncryption | undefined;
}

/**
 * A track fragment whose tfhd states base_data_offset (ISO/IEC 14496-12 8.8.7.1), to be rewritten in the clear
 * output as default-base-is-moof: the offset is a position in a file these bytes are only part of once a player
 * appends them, and Chromium's MSE refuses it. Every trun of the traf has a data_offset, recomputed from the moof.
 */
export interface BaseOffsetRewrite {
  /** The tfhd box: it loses its 8-byte base_data_offset, and an 8-byte 'free' box takes the room. */
  tfhd: Box;
  /** Each trun box and its data_offset counted from the start of the moof. */
  truns: { box: Box; dataOffset: number }[];
}

export interface SegmentInfo {
  samples: SegmentSample[];
  /** Track fragments with an explicit base_data_offset (see BaseOffsetRewrite). */
  baseOffsetRewrites: BaseOffsetRewrite[];
  /** Track fragments of tracks the clear init segment leaves out (closed captions, see isUnplayableHandler). */
  droppedTrafs: Box[];
  /** pssh boxes carried in moof (key rotation) or at the top level. */
  pssh: PsshBox[];
  /** Every distinct KID a protected sample needs, in order of first use. */
  kids: Uint8Array[];
  /** Boxes that exist only for encryption (senc, saiz, saio, seig sbgp/sgpd, pssh) and go in the clear output. */
  encryptionBoxes: Box[];
}

const CENC_GROUP = 'seig';

/** Auxiliary information without an explicit type belongs to the protection scheme (ISO/IEC 23001-7 7.1). */
function isCencAuxType(type: string | undefined): boolean {
  return type === undefined || isCencScheme(type);
}

interface TrafContext {
  track: TrackInfo;
  traf: Box;
  children: Box[];
  samples: { offset: number; size: number }[];
  base: number;
}

function fail(code: Mp4ErrorCode, message: string, path: string, data: Record<string, number | string> = {}): never {
  throw new Mp4ParseError(code, message, path, data);
}

/** Per-sample seig group entry from sbgp (ISO/IEC 14496-12 8.9.2, 8.9.4: indexes above 0x10000 are fragment-local). */
function groupEntries(ctx: TrafContext): (EncryptionDefaults | undefined)[] | undefined {
  const sbgpBox = ctx.children.find((b) => b.type === 'sbgp' && parseSbgp(b).groupingType === CENC_GROUP);
  if (!sbgpBox) return undefined;
  const sbgp = parseSbgp(sbgpBox);
  const local = ctx.children
    .filter((b) => b.type === 'sgpd')
    .map(parseSgpd)
    .filter((g) => g.groupingType === CENC_GROUP)
    .flatMap((g) => g.seig);
  const out: (EncryptionDefaults | undefined)[] = [];
  const n = ctx.samples.length;
  for (const e of sbgp.entries) {
    if (e.sampleCount > n - out.length) {
      fail(Mp4ErrorCode.SIZE_MISMATCH, `sbgp covers more samples than the fragment's ${n}`, sbgpBox.path, { n });
    }
    let entry: EncryptionDefaults | undefined;
    const idx = e.groupDescriptionIndex;
    if (idx > 0x10000) entry = local[idx - 0x10001];
    else if (idx > 0) entry = ctx.track.seig[idx - 1];
    if (idx > 0 && !entry) {
      fail(Mp4ErrorCode.BAD_VALUE, `sbgp group_description_index ${idx} has no seig entry`, sbgpBox.path, { idx });
    }
    for (let i = 0; i < e.sampleCount; i++) out.push(entry);
  }
  // Samples past the last sbgp entry belong to no group (8.9.2).
  while (out.length < n) out.push(undefined);
  return out;
}

/** Auxiliary information found through saiz/saio when there is no senc (ISO/IEC 23001-7 7.1, 14496-12 8.7.8-9). */
function auxFromSaio(
  bytes: Uint8Array,
  ctx: TrafContext,
  saiz: SaizBox,
  saizBox: Box,
  ivSizeOf: (i: number) => number,
): SampleAuxInfo[] {
  const saioBox = ctx.children.find((b) => b.type === 'saio' && parseSaio(b).auxInfoType === saiz.auxInfoType);
  if (!saioBox) fail(Mp4ErrorCode.MISSING_BOX, `saiz without saio`, `${ctx.traf.path}/saio`);
  const saio = parseSaio(saioBox);
  const n = ctx.samples.length;
  if (saiz.sampleCount !== n) {
    fail(Mp4ErrorCode.SIZE_MISMATCH, `saiz sample_count ${saiz.sampleCount}, fragment has ${n}`, saizBox.path);
  }
  if (saio.offsets.length !== 1 && saio.offsets.length !== n) {
    fail(Mp4ErrorCode.BAD_VALUE, `saio entry_count ${saio.offsets.length} is neither 1 nor ${n}`, saioBox.path);
  }
  const out: SampleAuxInfo[] = [];
  let at = ctx.base + saio.offsets[0]!;
  for (let i = 0; i < n; i++) {
    if (saio.offsets.length === n) at = ctx.base + saio.offsets[i]!;
    const size = saiz.sizeOf(i);
    if (at + size > bytes.length) {
      fail(Mp4ErrorCode.TRUNCATED, `Auxiliary information of sample ${i} runs past the segment`, saioBox.path);
    }
    const r = new ByteReader(bytes.subarray(at, at + size), saioBox.path);
    const ivSize = ivSizeOf(i);
    const info = readAuxInfo(r, ivSize, size > ivSize);
    if (r.remaining !== 0) {
      fail(Mp4ErrorCode.SIZE_MISMATCH, `saiz size ${size} of sample ${i} does not match its content`, saizBox.path);
    }
    out.push(info);
    at += size;
  }
  return out;
}

function auxInfoSize(info: SampleAuxInfo, withSubsamples: boolean): number {
  return info.iv.length + (withSubsamples ? 2 + 6 * (info.subsamples?.length ?? 0) : 0);
}

function encryptionOf(bytes: Uint8Array, ctx: TrafContext, entryIndex: number): (SampleEncryption | undefined)[] {
  const entry = ctx.track.sampleEntries[entryIndex];
  const sinf = entry?.sinf;
  const n = ctx.samples.length;
  if (!sinf) return new Array<undefined>(n).fill(undefined);
  const groups = groupEntries(ctx);
  const paramsOf = (i: number): EncryptionDefaults => groups?.[i] ?? sinf.tenc;
  const ivSizeOf = (i: number): number => (paramsOf(i).isProtected ? paramsOf(i).perSampleIvSize : 0);

  // senc, else PIFF 1.1's 'uuid' SampleEncryptionBox (content converted from Smooth Streaming often has it).
  const sencBox = ctx.children.find((b) => b.type === 'senc') ?? ctx.children.find(isSampleEncryptionBox);
  const saizBox = ctx.children.find(
    (b) => b.type === 'saiz' && (parseSaiz(b).auxInfoType ?? sinf.scheme) === sinf.scheme,
  );
  const saiz = saizBox ? parseSaiz(saizBox) : undefined;
  let aux: SampleAuxInfo[] | undefined;
  let kidOverride: Uint8Array | undefined;
  let scheme = sinf.scheme;
  if (sencBox) {
    const senc = parseSenc(sencBox, n, ivSizeOf);
    // PIFF 1.1 5.3.2.1: the box's AlgorithmID overrides the track's for this fragment: 0 leaves its samples clear.
    if (senc.algorithm === PiffAlgorithm.NONE) return new Array<undefined>(n).fill(undefined);
    if (senc.algorithm !== undefined) scheme = senc.algorithm === PiffAlgorithm.AES_CBC ? 'cbc1' : 'cenc';
    aux = senc.samples;
    kidOverride = senc.kid;
    if (saiz && saizBox) {
      // saiz must describe the same records senc holds; a disagreement means an IV size mismatch somewhere.
      const withSubs = (senc.flags & SENC_USE_SUBSAMPLES) !== 0;
      if (saiz.sampleCount !== n) fail(Mp4ErrorCode.SIZE_MISMATCH, `saiz sample_count vs senc`, saizBox.path);
      for (let i = 0; i < n; i++) {
        if (saiz.sizeOf(i) !== auxInfoSize(aux[i]!, withSubs)) {
          fail(Mp4ErrorCode.SIZE_MISMATCH, `saiz size of sample ${i} disagrees with senc`, saizBox.path, { sample: i });
        }
      }
    }
  } else if (saiz && saizBox) {
    aux = auxFromSaio(bytes, ctx, saiz, saizBox, ivSizeOf);
  }

  const out: (SampleEncryption | undefined)[] = [];
  for (let i = 0; i < n; i++) {
    const p = paramsOf(i);
    if (!p.isProtected) {
      out.push(undefined);
      continue;
    }
    const info = aux?.[i];
    const iv = p.perSampleIvSize > 0 ? info?.iv : p.constantIv;
    if (!iv || iv.length === 0) {
      fail(Mp4ErrorCode.MISSING_BOX, `Protected sample ${i} has no IV (no senc or saiz/saio)`, `${ctx.traf.path}/senc`);
    }
    const subsamples = info?.subsamples;
    const sample = ctx.samples[i]!;
    if (subsamples) {
      let sum = 0;
      for (const s of subsamples) sum += s.clearBytes + s.protectedBytes;
      if (sum !== sample.size) {
        fail(
          Mp4ErrorCode.SIZE_MISMATCH,
          `Subsamples of sample ${i} cover ${sum} byte(s), the sample has ${sample.size}`,
          (sencBox ?? saizBox)?.path ?? ctx.traf.path,
          { sample: i, sum, size: sample.size },
        );
      }
    }
    out.push({
      scheme,
      kid: groups?.[i] ? p.kid : (kidOverride ?? p.kid),
      iv,
      subsamples,
      cryptByteBlock: p.cryptByteBlock,
      skipByteBlock: p.skipByteBlock,
    });
  }
  return out;
}

/**
 * Parses a media segment (styp? sidx? (moof mdat)+) against its init segment: every sample's position and
 * encryption. Strict: sample data outside an mdat, subsample maps that do not sum to the sample size, aux info that
 * does not match the IV sizes, and counts beyond the data are Mp4ParseError naming the box.
 */
export function parseSegment(bytes: Uint8Array, init: InitInfo): SegmentInfo {
  const top = readBoxes(bytes);
  const mdats = top.filter((b) => b.type === 'mdat').map(mdatPayloadRange);
  const samples: SegmentSample[] = [];
  const pssh: PsshBox[] = [];
  const kids: Uint8Array[] = [];
  // Distinct KIDs by value. Samples of one track share one KID object (tenc's, or a seig entry's), so the identity
  // check skips the lookup; the set keeps hostile input (a seig entry and KID per sample) linear, not quadratic.
  const kidHexes = new Set<string>();
  let lastKid: Uint8Array | undefined;
  const encryptionBoxes: Box[] = [];
  const baseOffsetRewrites: BaseOffsetRewrite[] = [];
  const droppedTrafs: Box[] = [];
  for (const b of top) {
    if (b.type === 'pssh') {
      pssh.push(parsePssh(b));
      encryptionBoxes.push(b);
    }
  }
  // The mdats are top-level boxes, so in file order and disjoint: only the last one starting at or before `offset`
  // can hold the range, and a binary search finds it. A scan per sample would take samples x mdats steps, both of
  // which hostile input can make large (200000 empty samples in the last of 100000 empty mdats: minutes).
  const inMdat = (offset: number, size: number): boolean => {
    let lo = 0;
    let hi = mdats.length - 1;
    let candidate: { start: number; end: number } | undefined;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const m = mdats[mid]!;
      if (m.start <= offset) {
        candidate = m;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return candidate !== undefined && offset + size <= candidate.end;
  };

  for (const moof of top.filter((b) => b.type === 'moof')) {
    const moofChildren = childBoxes(moof);
    let prevTrafEnd: number | undefined;
    // Where the file these bytes come from starts, relative to them, once a traf states base_data_offset (below).
    let fileShift: number | undefined;
    for (const b of moofChildren) {
      if (b.type === 'pssh') {
        pssh.push(parsePssh(b));
        encryptionBoxes.push(b);
      }
    }
    for (const traf of moofChildren.filter((b) => b.type === 'traf')) {
      const children = childBoxes(traf);
      const tfhdBox = children.find((b) => b.type === 'tfhd');
      if (!tfhdBox) fail(Mp4ErrorCode.MISSING_BOX, `Missing 'tfhd' box`, `${traf.path}/tfhd`);
      const tfhd = parseTfhd(tfhdBox);
      const track = init.tracks.find((t) => t.trackId === tfhd.trackId);
      if (!track) {
        fail(Mp4ErrorCode.BAD_VALUE, `track_ID ${tfhd.trackId} is not in the init segment`, tfhdBox.path, {
          trackId: tfhd.trackId,
        });
      }
      const sdi = tfhd.sampleDescriptionIndex ?? track.trex?.defaultSampleDescriptionIndex ?? 1;
      if (sdi < 1 || sdi > track.sampleEntries.length) {
        fail(Mp4ErrorCode.BAD_VALUE, `sample_description_index ${sdi} out of range`, tfhdBox.path, { sdi });
      }
      const defaultSize = tfhd.defaultSampleSize ?? track.trex?.defaultSampleSize ?? 0;
      const truns = children
        .filter((b) => b.type === 'trun')
        .map((box) => ({
          box,
          // At most one sample per 4 input bytes: a run with per-sample sizes spends 4 bytes on each anyway, and a
          // run without them still needs its samples' data; this caps the records kept at a fraction of the input.
          run: parseTrun(box, Math.floor(bytes.length / 4) - samples.length),
        }));
      const place = (base: number): { offset: number; size: number }[] => {
        const placed: { offset: number; size: number }[] = [];
        let cursor = base;
        for (const { box, run } of truns) {
          if (run.dataOffset !== undefined) cursor = base + run.dataOffset;
          if (placed.length + run.sampleCount > Math.floor(bytes.length / 4) - samples.length) {
            fail(Mp4ErrorCode.SIZE_MISMATCH, `More samples than the segment can hold`, box.path);
          }
          for (let i = 0; i < run.sampleCount; i++) {
            const size = run.sampleSizes ? run.sampleSizes[i]! : defaultSize;
            if (cursor < 0 || !inMdat(cursor, size)) {
              fail(
                Mp4ErrorCode.SIZE_MISMATCH,
                `Sample ${i} (offset ${cursor}, ${size} bytes) lies outside mdat`,
                box.path,
                {
                  sample: i,
                  offset: cursor,
                  size,
                },
              );
            }
            placed.push({ offset: cursor, size });
            cursor += size;
          }
        }
        return placed;
      };
      let placed: { offset: number; size: number }[];
      let base: number;
      if (tfhd.baseDataOffset === undefined) {
        // Base data offset rules, ISO/IEC 14496-12 8.8.7.1.
        base = tfhd.flags & TfhdFlags.DEFAULT_BASE_IS_MOOF || prevTrafEnd === undefined ? moof.start : prevTrafEnd;
        placed = place(base);
      } else {
        // An explicit base_data_offset is a position in the file, and where these bytes sit in that file is not
        // known here: they may be the whole file, or a part of it (a player fetching the fragment by byte range, a
        // page appending what follows the moov). The moof's first explicit base is taken as the moof's own position,
        // as GPAC (MP4Box) writes it, and each traf's base is counted from there; where the samples then fall
        // outside the mdats, the offsets are read as positions in these bytes (the whole file, another writer).
        fileShift ??= tfhd.baseDataOffset - moof.start;
        try {
          base = tfhd.baseDataOffset - fileShift;
          placed = place(base);
        } catch (e) {
          if (!(e instanceof Mp4ParseError) || fileShift === 0) throw e;
          base = tfhd.baseDataOffset;
          placed = place(base);
        }
        if (truns.every((t) => t.run.dataOffset !== undefined) && placed.length > 0) {
          let n = 0;
          baseOffsetRewrites.push({
            tfhd: tfhdBox,
            truns: truns.map(({ box, run }) => {
              const first = placed[n]?.offset ?? moof.start;
              n += run.sampleCount;
              return { box, dataOffset: first - moof.start };
            }),
          });
        }
      }
      const ctx: TrafContext = { track, traf, children, samples: placed, base };
      if (isUnplayableHandler(track.handler)) droppedTrafs.push(traf);
      const last = placed[placed.length - 1];
      prevTrafEnd = last ? last.offset + last.size : base;
      const enc = encryptionOf(bytes, ctx, sdi - 1);
      ctx.samples.forEach((s, i) => {
        const e = enc[i];
        samples.push({ trackId: track.trackId, offset: s.offset, size: s.size, encryption: e });
        if (e && e.kid !== lastKid) {
          lastKid = e.kid;
          const hex = toHex(e.kid);
          if (!kidHexes.has(hex)) {
            kidHexes.add(hex);
            kids.push(e.kid);
          }
        }
      });
      for (const b of children) {
        const isSeigGroup =
          (b.type === 'sbgp' && parseSbgp(b).groupingType === CENC_GROUP) ||
          (b.type === 'sgpd' && parseSgpd(b).groupingType === CENC_GROUP);
        const isCencAux =
          (b.type === 'saiz' && isCencAuxType(parseSaiz(b).auxInfoType)) ||
          (b.type === 'saio' && isCencAuxType(parseSaio(b).auxInfoType));
        if (isSampleEncryptionBox(b) || isCencAux || isSeigGroup) encryptionBoxes.push(b);
      }
    }
  }
  return { samples, baseOffsetRewrites, droppedTrafs, pssh, kids, encryptionBoxes };
}
