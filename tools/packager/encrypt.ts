// Turns a clear CMAF track (init + media segments) into its Common Encryption form (ISO/IEC 23001-7): the init segment
// gets encv/enca + sinf and an optional pssh; every media segment gets its samples encrypted, senc + saiz/saio, optional
// seig sample groups and pssh, and every offset and size that moved (trun data_offset, sidx referenced_size) fixed.
import { childBoxes, readBoxes, type Box } from '../../src/mp4/box.js';
import { box, concat, fullBox, i32, u32 } from '../../src/mp4/writer.js';
import {
  clearKeyPssh,
  SENC_DATA_OFFSET,
  auxInfoBytes,
  saio,
  saiz,
  sbgpSeig,
  senc,
  sgpdSeig,
  sinf,
  type AuxInfo,
  type Pattern,
} from './boxes.js';
import { encryptSample, type IvSequence, type SchemeType } from './cipher.js';
import { boxBytes, parseInit, parseSegment, sampleEntryPrefix, type InitInfo } from './mp4-read.js';
import { avcSubsamples, type SubsampleLayout } from './subsamples.js';

export interface TrackProtection {
  scheme: SchemeType;
  /** tenc default_KID: the KID of every protected sample not in a 'seig' group. */
  defaultKid: Uint8Array;
  /** Per-sample IV source (8 or 16 bytes); null with a constant IV. */
  ivs: IvSequence | null;
  /** cbcs: the 16-byte constant IV in tenc (and seig). */
  constantIv?: Uint8Array;
  /** tenc/seig pattern; null writes tenc version 0 (cenc, cbc1). */
  pattern: Pattern | null;
  layout: SubsampleLayout;
  /** KIDs listed in a Clear Key pssh in moov; null = no pssh in the init segment. */
  initPsshKids: Uint8Array[] | null;
  /**
   * Keep the clear sample entry as a second stsd entry (sample_description_index 2) after the encrypted one, for
   * clear-lead fragments to select in tfhd (ISO/IEC 14496-12 8.8.7).
   */
  clearSampleEntry: boolean;
  /** Write tenc in its PIFF 1.1 'uuid' form too (see piffTenc); 'only' leaves the ISO tenc out. Default: ISO only. */
  piffTenc?: 'also' | 'only';
  /** Whole boxes for moov in place of the Clear Key pssh of initPsshKids (other system IDs, PIFF forms). */
  initPsshBoxes?: Uint8Array[];
}

export interface SegmentProtection {
  /** KID of this segment's samples, or null to leave the segment clear (clear lead). */
  kid: Uint8Array | null;
  key: Uint8Array | null;
  /** Name the segment's KID in a traf-local 'seig' sample group (key rotation, ISO/IEC 23001-7 6). */
  seig: boolean;
  /** KIDs for a Clear Key pssh in this moof (key rotation); null = none. */
  psshKids: Uint8Array[] | null;
  /** Written into tfhd as sample_description_index when set (2 = the clear entry kept for a clear lead). */
  sampleDescriptionIndex?: number;
}

function ivSize(p: TrackProtection): number {
  return p.ivs ? p.ivs.size : 0;
}

/** Rebuilds a container, replacing the children `edit` returns bytes for and appending `append` at its end. */
function rebuild(
  b: Box,
  type: string,
  prefix: number,
  edit: (child: Box) => Uint8Array | undefined,
  append: Uint8Array[] = [],
): Uint8Array {
  const children = readBoxes(b.payload.subarray(prefix), b.path);
  return box(type, b.payload.subarray(0, prefix), ...children.map((c) => edit(c) ?? boxBytes(c)), ...append);
}

/** The encrypted form of a clear init segment (ISO/IEC 23001-7 4: sample entry renamed, sinf added). */
export function encryptInit(init: Uint8Array, p: TrackProtection): Uint8Array {
  const info = parseInit(init);
  const entryType = info.kind === 'video' ? 'encv' : 'enca';
  const tencFields = {
    isProtected: true,
    perSampleIvSize: ivSize(p),
    kid: p.defaultKid,
    pattern: p.pattern,
    ...(p.constantIv ? { constantIv: p.constantIv } : {}),
  };
  const down =
    (path: string[]) =>
    (b: Box): Uint8Array | undefined => {
      if (b.type !== path[0]) return undefined;
      const rest = path.slice(1);
      if (b.type === 'stsd') {
        const entries = readBoxes(b.payload.subarray(8), b.path);
        const encrypted = entries.map((entry) =>
          rebuild(entry, entryType, sampleEntryPrefix(info.kind), () => undefined, [
            sinf(entry.type, p.scheme, tencFields, p.piffTenc),
          ]),
        );
        const clear = p.clearSampleEntry ? entries.map(boxBytes) : [];
        return fullBox('stsd', 0, 0, u32(encrypted.length + clear.length), ...encrypted, ...clear);
      }
      return rebuild(b, b.type, 0, down(rest));
    };
  return concat(
    ...readBoxes(init).map((b) => {
      if (b.type !== 'moov') return boxBytes(b);
      const pssh = p.initPsshBoxes ?? (p.initPsshKids ? [clearKeyPssh(p.initPsshKids)] : []);
      return rebuild(b, 'moov', 0, down(['trak', 'mdia', 'minf', 'stbl', 'stsd']), pssh);
    }),
  );
}

const TFHD_SAMPLE_DESCRIPTION_INDEX = 0x2;

/** tfhd (ISO/IEC 14496-12 8.8.7) with sample_description_index set; it follows track_ID (base_data_offset is absent). */
function tfhdWithDescriptionIndex(tfhd: Box, index: number): Uint8Array {
  const p = tfhd.payload;
  const flags = (p[1]! << 16) | (p[2]! << 8) | p[3]!;
  if (flags & TFHD_SAMPLE_DESCRIPTION_INDEX) {
    const payload = p.slice();
    payload.set(u32(index), 8);
    return box('tfhd', payload);
  }
  return fullBox('tfhd', p[0]!, flags | TFHD_SAMPLE_DESCRIPTION_INDEX, p.subarray(4, 8), u32(index), p.subarray(8));
}

/** A copy of trun's payload with data_offset (the i32 after version/flags and sample_count) set. */
function trunWithDataOffset(trun: Box, dataOffset: number): Uint8Array {
  const payload = trun.payload.slice();
  payload.set(i32(dataOffset), 8);
  return box('trun', payload);
}

/** sidx (ISO/IEC 14496-12 8.16.3) with its single reference's referenced_size set to the new moof+mdat size. */
function sidxWithSize(sidx: Box, referencedSize: number): Uint8Array {
  const payload = sidx.payload.slice();
  const at = 4 + 4 + 4 + (payload[0] === 1 ? 16 : 8) + 2;
  const count = (payload[at]! << 8) | payload[at + 1]!;
  if (count !== 1) throw new Error(`sidx with ${count} references is not supported`);
  const typeBit = payload[at + 2]! & 0x80;
  const field = u32(referencedSize);
  field[0] = field[0]! | typeBit;
  payload.set(field, at + 2);
  return box('sidx', payload);
}

/** The encrypted form of one clear media segment of the track `init` describes. */
export function encryptSegment(
  segment: Uint8Array,
  info: InitInfo,
  p: TrackProtection,
  s: SegmentProtection,
): Uint8Array {
  const seg = parseSegment(segment);
  const samples = seg.samples.map((x) => segment.subarray(x.offset, x.offset + x.size));
  const aux: AuxInfo[] = [];
  const out: Uint8Array[] = [];
  for (const sample of samples) {
    if (!s.kid || !s.key) {
      out.push(sample);
      continue;
    }
    const subsamples =
      info.kind === 'video' && info.nalLengthSize
        ? avcSubsamples(sample, info.nalLengthSize, p.layout, p.scheme !== 'cbcs')
        : null;
    const iv = p.ivs ? p.ivs.next() : p.constantIv!;
    out.push(encryptSample(sample, subsamples, { scheme: p.scheme, key: s.key, iv, pattern: p.pattern }));
    aux.push({ iv: p.ivs ? iv : new Uint8Array(0), subsamples });
  }

  const trafChildren = childBoxes(seg.traf);
  const extra: Uint8Array[] = [];
  if (s.seig) {
    extra.push(sbgpSeig(samples.length));
    extra.push(
      sgpdSeig(
        s.kid
          ? {
              isProtected: true,
              perSampleIvSize: ivSize(p),
              kid: s.kid,
              pattern: p.pattern,
              ...(p.constantIv ? { constantIv: p.constantIv } : {}),
            }
          : { isProtected: false, perSampleIvSize: 0, kid: new Uint8Array(16), pattern: null },
      ),
    );
  }
  const mfhd = boxBytes(childBoxes(seg.moof).find((b) => b.type === 'mfhd')!);
  const pssh = s.psshKids ? [clearKeyPssh(s.psshKids)] : [];

  // Sizes do not depend on the offsets written into trun and saio, so lay out once with zeros, then fill them in.
  const build = (dataOffset: number, auxOffset: number): { moof: Uint8Array; sencAt: number } => {
    const children: Uint8Array[] = trafChildren.map((c) => {
      if (c.type === 'trun') return trunWithDataOffset(c, dataOffset);
      if (c.type === 'tfhd' && s.sampleDescriptionIndex) return tfhdWithDescriptionIndex(c, s.sampleDescriptionIndex);
      return boxBytes(c);
    });
    children.push(...extra);
    let sencAt = -1;
    // With a constant IV and no subsamples (cbcs audio) every sample's auxiliary information is empty: there is
    // nothing for senc/saiz/saio to carry (ISO/IEC 23001-7 7.1), so they are left out.
    if (aux.some((a) => a.iv.length > 0 || a.subsamples !== null)) {
      sencAt =
        8 + mfhd.length + pssh.reduce((n, b) => n + b.length, 0) + 8 + children.reduce((n, b) => n + b.length, 0);
      children.push(senc(aux), saiz(aux.map((a) => auxInfoBytes(a).length)), saio(auxOffset));
    }
    return { moof: box('moof', mfhd, ...pssh, box('traf', ...children)), sencAt };
  };
  const draft = build(0, 0);
  const final = build(draft.moof.length + 8, draft.sencAt + SENC_DATA_OFFSET);
  const mdat = box('mdat', ...out);

  return concat(
    ...seg.top.map((b) => {
      if (b.type === 'moof') return final.moof;
      if (b.type === 'mdat') return mdat;
      if (b.type === 'sidx') return sidxWithSize(b, final.moof.length + mdat.length);
      return boxBytes(b);
    }),
  );
}
