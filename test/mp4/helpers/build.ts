// Hand-built CENC init and media segments for tests, written with src/mp4/writer.ts. Small, explicit, and
// independent of the packager under tools/.
import { fromHex } from '../../../src/mp4/bytes.js';
import { box, concat, fourcc, fullBox, i32, u16, u24, u32, u64, u8 } from '../../../src/mp4/writer.js';
import { CLEAR_KEY_SYSTEM_ID } from '../../../src/mp4/boxes/pssh.js';

export type Scheme = 'cenc' | 'cbc1' | 'cens' | 'cbcs';

export interface EncParams {
  isProtected: boolean;
  ivSize: 0 | 8 | 16;
  kid: Uint8Array;
  constantIv?: Uint8Array;
  crypt?: number;
  skip?: number;
}

export interface InitSpec {
  trackId?: number;
  kind?: 'video' | 'audio' | 'text';
  /** The clear sample entry type; default avc1 (video) or mp4a (audio). */
  format?: string;
  /** Omit for a clear track. */
  scheme?: Scheme;
  tencVersion?: 0 | 1;
  tenc?: EncParams;
  /** seig entries in the stbl's sgpd. */
  stblSeig?: EncParams[];
  pssh?: Uint8Array[];
}

export function encParamsBytes(p: EncParams, withPattern: boolean): Uint8Array {
  const pattern = withPattern ? ((p.crypt ?? 0) << 4) | (p.skip ?? 0) : 0;
  const parts = [u8(0), u8(pattern), u8(p.isProtected ? 1 : 0), u8(p.ivSize), p.kid];
  if (p.isProtected && p.ivSize === 0 && p.constantIv) parts.push(u8(p.constantIv.length), p.constantIv);
  return concat(...parts);
}

export function seigSgpd(entries: EncParams[]): Uint8Array {
  const bodies = entries.map((e) => encParamsBytes(e, true));
  // Version 1 with description_length per entry (default_length 0), the common packager form.
  return fullBox(
    'sgpd',
    1,
    0,
    fourcc('seig'),
    u32(0),
    u32(bodies.length),
    ...bodies.flatMap((b) => [u32(b.length), b]),
  );
}

export function clearKeyPssh(kids: Uint8Array[]): Uint8Array {
  return fullBox('pssh', 1, 0, CLEAR_KEY_SYSTEM_ID, u32(kids.length), ...kids, u32(0));
}

const zeros = (n: number): Uint8Array => new Uint8Array(n);

export function buildInit(spec: InitSpec): Uint8Array {
  const trackId = spec.trackId ?? 1;
  const kind = spec.kind ?? 'video';
  const video = kind === 'video';
  if (kind === 'text') {
    // XMLSubtitleSampleEntry (ISO/IEC 14496-12 12.6.3.2): null-terminated strings after the SampleEntry fields,
    // which do not parse as boxes.
    const ns = new TextEncoder().encode('http://www.w3.org/ns/ttml\0\0\0');
    const stpp = box('stpp', zeros(6), u16(1), ns);
    return textInit(trackId, stpp);
  }
  const format = spec.format ?? (video ? 'avc1' : 'mp4a');
  const fields = video
    ? concat(
        zeros(6),
        u16(1),
        zeros(16),
        u16(320),
        u16(180),
        u32(0x480000),
        u32(0x480000),
        zeros(4),
        u16(1),
        zeros(32),
        u16(24),
        u16(0xffff),
      )
    : concat(zeros(6), u16(1), zeros(8), u16(2), u16(16), zeros(4), u32(48000 * 65536));
  const config = video
    ? box('avcC', Uint8Array.of(1, 0x42, 0xc0, 0x1e, 0xff, 0xe0, 0x00))
    : fullBox('esds', 0, 0, u8(3), u8(0));
  const children = [config];
  if (spec.scheme && spec.tenc) {
    const v = spec.tencVersion ?? (spec.scheme === 'cens' || spec.scheme === 'cbcs' ? 1 : 0);
    children.push(
      box(
        'sinf',
        box('frma', fourcc(format)),
        fullBox('schm', 0, 0, fourcc(spec.scheme), u32(0x10000)),
        box('schi', fullBox('tenc', v, 0, encParamsBytes(spec.tenc, v >= 1))),
      ),
    );
  }
  const entryType = spec.scheme ? (video ? 'encv' : 'enca') : format;
  const stsd = fullBox('stsd', 0, 0, u32(1), box(entryType, fields, ...children));
  const stblParts = [
    stsd,
    fullBox('stts', 0, 0, u32(0)),
    fullBox('stsc', 0, 0, u32(0)),
    fullBox('stsz', 0, 0, u32(0), u32(0)),
    fullBox('stco', 0, 0, u32(0)),
  ];
  if (spec.stblSeig) stblParts.push(seigSgpd(spec.stblSeig));
  const trak = box(
    'trak',
    fullBox('tkhd', 0, 3, u32(0), u32(0), u32(trackId), zeros(4), u32(0), zeros(60)),
    box(
      'mdia',
      fullBox('mdhd', 0, 0, u32(0), u32(0), u32(video ? 12800 : 48000), u32(0), u16(0x55c4), u16(0)),
      fullBox('hdlr', 0, 0, u32(0), fourcc(video ? 'vide' : 'soun'), zeros(12), u8(0)),
      box('minf', box('stbl', ...stblParts)),
    ),
  );
  const mvex = box('mvex', fullBox('trex', 0, 0, u32(trackId), u32(1), u32(0), u32(0), u32(0)));
  const moov = box('moov', fullBox('mvhd', 0, 0, zeros(96)), trak, mvex, ...(spec.pssh ?? []));
  return concat(box('ftyp', fourcc('iso6'), u32(0), fourcc('iso6'), fourcc('mp41')), moov);
}

function textInit(trackId: number, entry: Uint8Array): Uint8Array {
  const stbl = box(
    'stbl',
    fullBox('stsd', 0, 0, u32(1), entry),
    fullBox('stts', 0, 0, u32(0)),
    fullBox('stsc', 0, 0, u32(0)),
  );
  const trak = box(
    'trak',
    fullBox('tkhd', 0, 3, u32(0), u32(0), u32(trackId), zeros(4), u32(0), zeros(60)),
    box(
      'mdia',
      fullBox('mdhd', 0, 0, u32(0), u32(0), u32(1000), u32(0), u16(0x55c4), u16(0)),
      fullBox('hdlr', 0, 0, u32(0), fourcc('subt'), zeros(12), u8(0)),
      box('minf', stbl),
    ),
  );
  return concat(box('ftyp', fourcc('iso6'), u32(0)), box('moov', fullBox('mvhd', 0, 0, zeros(96)), trak));
}

export interface SampleSpec {
  /** Sample bytes as they go in mdat (already encrypted). */
  data: Uint8Array;
  /** Per-sample IV written to the aux info (omit for constant IV / clear samples). */
  iv?: Uint8Array;
  subsamples?: [number, number][];
}

export interface SegmentSpec {
  trackId?: number;
  samples: SampleSpec[];
  /**
   * 'senc': senc + saiz + saio into senc; 'mdat': saiz + saio pointing at aux info in mdat; 'piff': only a PIFF 1.1
   * 'uuid' SampleEncryptionBox; 'none'.
   */
  aux?: 'senc' | 'mdat' | 'piff' | 'none';
  /** With aux 'piff': the box's override of IV size and KID (flag 0x1). */
  piffOverride?: { ivSize: 8 | 16; kid: Uint8Array; algorithm?: 0 | 1 | 2 };
  /** Write subsample maps (senc flag 0x2). */
  withSubsamples?: boolean;
  /** sbgp 'seig' entries: [sample_count, group_description_index]. */
  sbgp?: [number, number][];
  /** Fragment-local seig entries (referenced as 0x10001...). */
  localSeig?: EncParams[];
  moofPssh?: Uint8Array[];
  sequenceNumber?: number;
}

function auxInfo(s: SampleSpec, withSubsamples: boolean): Uint8Array {
  const parts = [s.iv ?? new Uint8Array(0)];
  if (withSubsamples) {
    const subs = s.subsamples ?? [];
    parts.push(u16(subs.length), ...subs.flatMap(([c, p]) => [u16(c), u32(p)]));
  }
  return concat(...parts);
}

export function saiz(sizes: number[]): Uint8Array {
  const uniform = sizes.length > 0 && sizes.every((s) => s === sizes[0]) && sizes[0]! > 0;
  if (uniform) return fullBox('saiz', 0, 0, u8(sizes[0]!), u32(sizes.length));
  return fullBox('saiz', 0, 0, u8(0), u32(sizes.length), Uint8Array.from(sizes));
}

/** One moof + mdat with `default-base-is-moof`, trun data_offset and per-sample sizes. */
export function buildSegment(spec: SegmentSpec): Uint8Array {
  const trackId = spec.trackId ?? 1;
  const mode = spec.aux ?? 'senc';
  const withSubs = spec.withSubsamples ?? spec.samples.some((s) => s.subsamples);
  const infos = spec.samples.map((s) => auxInfo(s, withSubs));
  const auxBlob = concat(...infos);
  const build = (dataOffset: number, auxOffset: number): Uint8Array => {
    const trafParts = [
      fullBox('tfhd', 0, 0x020000, u32(trackId)),
      fullBox('tfdt', 1, 0, u64(0)),
      fullBox(
        'trun',
        0,
        0x201,
        u32(spec.samples.length),
        i32(dataOffset),
        ...spec.samples.map((s) => u32(s.data.length)),
      ),
    ];
    if (spec.sbgp) {
      trafParts.push(
        fullBox(
          'sbgp',
          0,
          0,
          fourcc('seig'),
          u32(spec.sbgp.length),
          ...spec.sbgp.flatMap(([n, i]) => [u32(n), u32(i)]),
        ),
      );
    }
    if (spec.localSeig) trafParts.push(seigSgpd(spec.localSeig));
    if (mode === 'piff') {
      const o = spec.piffOverride;
      const override = o ? [u24(o.algorithm ?? 1), u8(o.ivSize), o.kid] : [];
      const flags = (withSubs ? 2 : 0) | (o ? 1 : 0);
      const piffSenc = fromHex('a2394f525a9b4f14a2446c427c648df4');
      trafParts.push(box('uuid', piffSenc, u8(0), u24(flags), ...override, u32(spec.samples.length), auxBlob));
    } else if (mode !== 'none') {
      trafParts.push(saiz(infos.map((i) => i.length)), fullBox('saio', 0, 0, u32(1), u32(auxOffset)));
      if (mode === 'senc') trafParts.push(fullBox('senc', 0, withSubs ? 2 : 0, u32(spec.samples.length), auxBlob));
    }
    return box(
      'moof',
      fullBox('mfhd', 0, 0, u32(spec.sequenceNumber ?? 1)),
      box('traf', ...trafParts),
      ...(spec.moofPssh ?? []),
    );
  };
  const draft = build(0, 0);
  const moofSize = draft.length;
  let auxOffset = 0;
  if (mode === 'senc') {
    // The aux info starts after senc's header (8), version/flags (4) and sample_count (4); senc is traf's last box.
    auxOffset = moofSize - (spec.moofPssh ?? []).reduce((a, p) => a + p.length, 0) - auxBlob.length;
  } else if (mode === 'mdat') {
    auxOffset = moofSize + 8;
  }
  const mdatPayload =
    mode === 'mdat' ? concat(auxBlob, ...spec.samples.map((s) => s.data)) : concat(...spec.samples.map((s) => s.data));
  const dataOffset = moofSize + 8 + (mode === 'mdat' ? auxBlob.length : 0);
  return concat(build(dataOffset, auxOffset), box('mdat', mdatPayload));
}
