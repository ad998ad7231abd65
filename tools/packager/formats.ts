// Fixtures in the layouts other packagers write, made from the same clear source: tracks muxed into one file, PIFF
// 1.1 boxes, a GPAC/MP4Box-style single file with an explicit base_data_offset, a cbcs track whose tenc KID is a
// placeholder beside a clear CEA-608 track. Each is built from the clear samples here (fragments laid out anew),
// with the sample encryption of cipher.ts and the boxes of boxes.ts. Deterministic, like the rest of the packager.
import { Buffer } from 'node:buffer';
import { childBoxes, readBoxes, requireChild, type Box } from '../../src/mp4/box.js';
import { fromHex } from '../../src/mp4/bytes.js';
import { DASHIF_CLEAR_KEY_SYSTEM_ID } from '../../src/mp4/boxes/pssh.js';
import { parseTfhd } from '../../src/mp4/boxes/tfhd.js';
import { box, concat, fourcc, fullBox, i32, u16, u32, u64, u8 } from '../../src/mp4/writer.js';
import {
  auxInfoBytes,
  clearKeyPssh,
  piffBox,
  piffPssh,
  PIFF_AES_CTR,
  PIFF_SENC,
  psshV0,
  psshV1,
  saio,
  saiz,
  senc,
  type AuxInfo,
  type Pattern,
} from './boxes.js';
import { encryptSample, IvSequence, type SchemeType } from './cipher.js';
import { kidUuid, LICENSE_URL } from './dash.js';
import { encryptInit, type TrackProtection } from './encrypt.js';
import type { KeysFile } from './fixtures.js';
import { boxBytes, parseSegment } from './mp4-read.js';
import type { SourceTrack } from './source.js';
import { avcSubsamples } from './subsamples.js';

/** Widevine's system ID (DASH-IF registry), for a pssh the Clear Key CDM must pass over. */
const WIDEVINE_SYSTEM_ID = fromHex('edef8ba979d64acea3c827dcd51d21ed');
/** PlayReady's system ID, for the PIFF pssh (what Smooth Streaming packagers put there). */
const PLAYREADY_SYSTEM_ID = fromHex('9a04f07998404286ab92e65be0885f95');

/** PIFF fixture: tenc in both forms ('only' would leave the ISO tenc out, which Chromium's parser requires). */
const PIFF_TENC_FORM = 'also';

const TFHD_BASE_DATA_OFFSET = 0x1;
const TFHD_DEFAULT_BASE_IS_MOOF = 0x20000;
const TRUN_FIRST_SAMPLE_FLAGS = 0x4;

/** One sample of the clear source, with what a trun says of it. */
interface ClearSample {
  data: Uint8Array;
  duration: number;
  flags: number;
}

interface ClearFragment {
  baseTime: number;
  samples: ClearSample[];
}

/** The clear fragments of a source track: samples, durations and sample flags (tfhd defaults, trun first flags). */
function clearFragments(track: SourceTrack): ClearFragment[] {
  return track.segments.map((seg) => {
    const parsed = parseSegment(seg.bytes);
    const tfhd = parseTfhd(requireChild(parsed.traf, 'tfhd'));
    const trunFlags = (parsed.trun.payload[1]! << 16) | (parsed.trun.payload[2]! << 8) | parsed.trun.payload[3]!;
    const firstFlags =
      trunFlags & TRUN_FIRST_SAMPLE_FLAGS
        ? new DataView(parsed.trun.payload.buffer, parsed.trun.payload.byteOffset).getUint32(12)
        : undefined;
    const defaultFlags = tfhd.defaultSampleFlags ?? 0;
    return {
      baseTime: seg.time,
      samples: parsed.samples.map((s, i) => ({
        data: seg.bytes.subarray(s.offset, s.offset + s.size),
        duration: s.duration,
        flags: i === 0 && firstFlags !== undefined ? firstFlags : defaultFlags,
      })),
    };
  });
}

/** How a track's samples are encrypted, and how its auxiliary information is written. */
interface SampleProtection {
  scheme: SchemeType;
  key: Uint8Array;
  ivs: IvSequence | null;
  constantIv?: Uint8Array;
  pattern: Pattern | null;
  nalLengthSize: number | undefined;
  /** 'piff': the PIFF 1.1 'uuid' SampleEncryptionBox in place of senc; with `override`, flag 0x1 and its fields. */
  box: 'senc' | 'piff';
  override?: { ivSize: number; kid: Uint8Array };
}

/** One track fragment to write: its samples (encrypted or clear) and their auxiliary information. */
interface TrafSpec {
  trackId: number;
  baseTime: number;
  samples: ClearSample[];
  aux: AuxInfo[] | null;
  box: 'senc' | 'piff';
  override?: { ivSize: number; kid: Uint8Array } | undefined;
}

function encryptFragment(trackId: number, frag: ClearFragment, p: SampleProtection | null): TrafSpec {
  if (!p) return { trackId, baseTime: frag.baseTime, samples: frag.samples, aux: null, box: 'senc' };
  const aux: AuxInfo[] = [];
  const samples = frag.samples.map((s) => {
    const subsamples = p.nalLengthSize ? avcSubsamples(s.data, p.nalLengthSize, 'aligned', p.scheme !== 'cbcs') : null;
    const iv = p.ivs ? p.ivs.next() : p.constantIv!;
    aux.push({ iv: p.ivs ? iv : new Uint8Array(0), subsamples });
    return { ...s, data: encryptSample(s.data, subsamples, { scheme: p.scheme, key: p.key, iv, pattern: p.pattern }) };
  });
  return { trackId, baseTime: frag.baseTime, samples, aux, box: p.box, override: p.override };
}

/** The sample encryption box of a traf and where its first sample's auxiliary information starts in it. */
function sampleEncryptionBox(t: TrafSpec): { bytes: Uint8Array; dataAt: number } {
  const aux = t.aux!;
  if (t.box === 'senc') return { bytes: senc(aux), dataAt: 16 };
  // PIFF 1.1 5.3.3 SampleEncryptionBox: flags 0x2 as senc's; flag 0x1 adds AlgorithmID, IV_size and KID.
  const flags = (aux.some((a) => a.subsamples) ? 0x2 : 0) | (t.override ? 0x1 : 0);
  const override = t.override ? [u8(0), u16(PIFF_AES_CTR), u8(t.override.ivSize), t.override.kid] : [];
  const bytes = piffBox(PIFF_SENC, 0, flags, ...override, u32(aux.length), ...aux.map(auxInfoBytes));
  return { bytes, dataAt: 8 + 16 + 4 + (t.override ? 20 : 0) + 4 };
}

/**
 * A moof with one traf per TrafSpec (ISO/IEC 14496-12 8.8.4-8.8.8) and its mdat (samples in traf order). Every trun
 * carries per-sample durations, sizes and flags. With `baseDataOffset` (the moof's position in its file) tfhd states
 * it explicitly and offsets count from it, as GPAC writes; otherwise default-base-is-moof (CMAF).
 */
function fragment(sequence: number, trafs: TrafSpec[], moofPssh: Uint8Array[], baseDataOffset?: number): Uint8Array {
  const build = (dataStart: number): { moof: Uint8Array } => {
    const parts: Uint8Array[] = [fullBox('mfhd', 0, 0, u32(sequence)), ...moofPssh];
    let at = 8 + parts.reduce((n, b) => n + b.length, 0);
    let data = dataStart;
    for (const t of trafs) {
      const explicit = baseDataOffset !== undefined;
      const tfhd = explicit
        ? fullBox('tfhd', 0, TFHD_BASE_DATA_OFFSET, u32(t.trackId), u64(baseDataOffset))
        : fullBox('tfhd', 0, TFHD_DEFAULT_BASE_IS_MOOF, u32(t.trackId));
      const tfdt = fullBox('tfdt', 1, 0, u64(t.baseTime));
      const trun = fullBox(
        'trun',
        0,
        0x701,
        u32(t.samples.length),
        i32(data),
        ...t.samples.flatMap((s) => [u32(s.duration), u32(s.data.length), u32(s.flags)]),
      );
      data += t.samples.reduce((n, s) => n + s.data.length, 0);
      const children = [tfhd, tfdt, trun];
      if (t.aux && t.aux.some((a) => a.iv.length > 0 || a.subsamples)) {
        const enc = sampleEncryptionBox(t);
        const encAt = at + 8 + children.reduce((n, b) => n + b.length, 0);
        // saio counts from the traf's base: the moof, or the explicit base (the moof's position in the file too).
        children.push(enc.bytes, saiz(t.aux.map((a) => auxInfoBytes(a).length)), saio(encAt + enc.dataAt));
      }
      const traf = box('traf', ...children);
      parts.push(traf);
      at += traf.length;
    }
    return { moof: box('moof', ...parts) };
  };
  const draft = build(0);
  const { moof } = build(draft.moof.length + 8);
  return concat(moof, box('mdat', ...trafs.flatMap((t) => t.samples.map((s) => s.data))));
}

/** Sets track_ID in a tkhd (ISO/IEC 14496-12 8.3.2) or trex (8.8.3) box, returning the whole box. */
function withTrackId(b: Box, id: number): Uint8Array {
  const payload = b.payload.slice();
  const at = b.type === 'trex' ? 4 : payload[0] === 1 ? 20 : 12;
  payload.set(u32(id), at);
  return box(b.type, payload);
}

/** One init segment (ftyp, moov) holding the tracks of single-track inits, renumbered 1, 2, ... in order. */
function muxInits(inits: Uint8Array[], pssh: Uint8Array[], before: Uint8Array[] = []): Uint8Array {
  const tops = inits.map((i) => readBoxes(i));
  const ftyp = tops[0]!.find((b) => b.type === 'ftyp')!;
  const moovs = tops.map((t) => t.find((b) => b.type === 'moov')!);
  const mvhd = childBoxes(moovs[0]!).find((b) => b.type === 'mvhd')!;
  const traks: Uint8Array[] = [];
  const trexs: Uint8Array[] = [];
  moovs.forEach((moov, i) => {
    const kids = childBoxes(moov);
    const trak = kids.find((b) => b.type === 'trak')!;
    traks.push(box('trak', ...childBoxes(trak).map((c) => (c.type === 'tkhd' ? withTrackId(c, i + 1) : boxBytes(c)))));
    const mvex = kids.find((b) => b.type === 'mvex')!;
    trexs.push(
      withTrackId(
        childBoxes(mvex).find((b) => b.type === 'trex')!,
        i + 1,
      ),
    );
  });
  const mvhdBytes = boxBytes(mvhd).slice();
  // next_track_ID, the last field of mvhd (8.2.2).
  mvhdBytes.set(u32(inits.length + 1), mvhdBytes.length - 4);
  return concat(boxBytes(ftyp), ...before, box('moov', mvhdBytes, ...traks, box('mvex', ...trexs), ...pssh));
}

/** A clear CEA-608 track (sample entry 'c608', handler 'clcp') as an init segment: no sample in moov. */
function c608Init(ftyp: Uint8Array, timescale: number): Uint8Array {
  const zeros = (n: number) => new Uint8Array(n);
  const matrix = concat(u32(0x10000), zeros(12), u32(0x10000), zeros(12), u32(0x40000000));
  const tkhd = fullBox('tkhd', 0, 3, zeros(8), u32(1), zeros(4), u32(0), zeros(8), zeros(8), matrix, u32(0), u32(0));
  const mdhd = fullBox('mdhd', 0, 0, zeros(8), u32(timescale), u32(0), u16(0x55c4), u16(0));
  const hdlr = fullBox('hdlr', 0, 0, u32(0), fourcc('clcp'), zeros(12), Uint8Array.of(...Buffer.from('CC\0')));
  const dinf = box('dinf', fullBox('dref', 0, 0, u32(1), fullBox('url ', 0, 1)));
  // SampleEntry (ISO/IEC 14496-12 8.5.2.2): six reserved bytes and data_reference_index; 'c608' adds nothing.
  const entry = box('c608', zeros(6), u16(1));
  const stbl = box(
    'stbl',
    fullBox('stsd', 0, 0, u32(1), entry),
    fullBox('stts', 0, 0, u32(0)),
    fullBox('stsc', 0, 0, u32(0)),
    fullBox('stsz', 0, 0, u32(0), u32(0)),
    fullBox('stco', 0, 0, u32(0)),
  );
  const minf = box('minf', fullBox('nmhd', 0, 0), dinf, stbl);
  const trak = box('trak', tkhd, box('mdia', mdhd, hdlr, minf));
  // mvhd (8.2.2): times, timescale, duration, rate, volume, reserved, matrix, pre_defined, next_track_ID.
  const mvhd = fullBox(
    'mvhd',
    0,
    0,
    zeros(8),
    u32(timescale),
    u32(0),
    u32(0x10000),
    u16(0x100),
    zeros(10),
    matrix,
    zeros(24),
    u32(2),
  );
  const trex = fullBox('trex', 0, 0, u32(1), u32(1), u32(0), u32(0), u32(0));
  return concat(ftyp, box('moov', mvhd, trak, box('mvex', trex)));
}

/**
 * CEA-608 samples for a fragment of `duration`: one sample a second, each a 'cdat' box (closed caption data, two
 * bytes per field-1 pair) holding null padding pairs (0x80 0x80: parity set, no command).
 */
function c608Fragment(baseTime: number, duration: number, timescale: number): ClearFragment {
  const samples: ClearSample[] = [];
  for (let t = 0; t < duration; t += timescale) {
    const d = Math.min(timescale, duration - t);
    samples.push({ data: box('cdat', Uint8Array.of(0x80, 0x80, 0x80, 0x80)), duration: d, flags: 0x02000000 });
  }
  return { baseTime, samples };
}

/** A Widevine pssh version 0 whose Data is a WidevinePsshData message naming `kid` (field 2, key_id, bytes). */
function widevinePssh(kid: Uint8Array): Uint8Array {
  return psshV0(WIDEVINE_SYSTEM_ID, concat(Uint8Array.of(0x12, kid.length), kid));
}

export interface FormatTrack {
  trackId: number;
  kind: 'video' | 'audio' | 'captions';
  codecs: string;
  /** KID of the samples (hex), or null for a clear track. */
  kid: string | null;
  /** tenc default_KID (hex), or null for a clear track; all zeros for a placeholder. */
  defaultKid: string | null;
}

/** An entry of index.json's `formatFixtures`. */
export interface FormatFixture {
  name: string;
  purpose: string;
  scheme: SchemeType;
  path: string;
  /** DASH manifest (muxed: one Representation with every codec). */
  dash: string;
  /** The files a page appends to one SourceBuffer, in order (a single-file fixture lists one). */
  appendFiles: string[];
  /** The SourceBuffer type of the appended files. */
  mimeType: string;
  tracks: FormatTrack[];
  /** Where the KIDs are named: 'clearkey-pssh', 'dashif-pssh', 'piff-pssh' (none for Clear Key), 'widevine-pssh'. */
  initData: string;
  /** Presentation length in seconds. */
  duration: number;
}

export interface BuiltFormat {
  files: Map<string, Uint8Array>;
  index: FormatFixture;
}

const enc = new TextEncoder();

function mpd(
  f: FormatFixture,
  body: string[],
  codecs: string,
  defaultKid: string,
  width: string,
  height: string,
): string {
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" xmlns:cenc="urn:mpeg:cenc:2013" xmlns:dashif="https://dashif.org/CPS"',
    `  profiles="urn:mpeg:dash:profile:isoff-live:2011" type="static" mediaPresentationDuration="PT${f.duration.toFixed(3)}S"`,
    '  minBufferTime="PT2.000S">',
    '  <Period id="0" start="PT0.000S">',
    `    <AdaptationSet id="0" contentType="video" mimeType="video/mp4" segmentAlignment="true" startWithSAP="1">`,
    `      <ContentProtection schemeIdUri="urn:mpeg:dash:mp4protection:2011" value="${f.scheme}" cenc:default_KID="${kidUuid(defaultKid)}"/>`,
    '      <ContentProtection schemeIdUri="urn:uuid:e2719d58-a985-b3c9-781a-b030af78d30e" value="ClearKey1.0">',
    `        <dashif:Laurl>${LICENSE_URL}</dashif:Laurl>`,
    '      </ContentProtection>',
    `      <Representation id="0" codecs="${codecs}" bandwidth="264000" width="${width}" height="${height}">`,
    ...body.map((l) => `        ${l}`),
    '      </Representation>',
    '    </AdaptationSet>',
    '  </Period>',
    '</MPD>',
    '',
  ].join('\n');
}

/** The four format fixtures. `source`: the clear tracks (video first, then audio). */
export function buildFormatFixtures(source: SourceTrack[], keys: KeysFile): BuiltFormat[] {
  const video = source.find((t) => t.info.kind === 'video')!;
  const audio = source.find((t) => t.info.kind === 'audio')!;
  const kidOf = (name: string): string => keys.names[name]!;
  const keyOf = (name: string): Uint8Array => fromHex(keys.keys[kidOf(name)]!);
  const videoFrags = clearFragments(video);
  const audioFrags = clearFragments(audio);
  const vCodecs = video.attributes['codecs'] ?? '';
  const aCodecs = audio.attributes['codecs'] ?? '';
  const width = video.attributes['width'] ?? '';
  const height = video.attributes['height'] ?? '';
  const duration = Math.max(
    ...[video, audio].map((t) => {
      const last = t.segments[t.segments.length - 1]!;
      return (last.time + last.duration) / t.info.timescale;
    }),
  );
  const protection = (
    kid: string,
    ivs: IvSequence | null,
    extra: Partial<TrackProtection> = {},
    scheme: SchemeType = 'cenc',
    constantIv?: Uint8Array,
    pattern: Pattern | null = null,
  ): TrackProtection => ({
    scheme,
    defaultKid: fromHex(kid),
    ivs,
    ...(constantIv ? { constantIv } : {}),
    pattern,
    layout: 'aligned',
    initPsshKids: null,
    clearSampleEntry: false,
    ...extra,
  });
  const segmentTimeline = (timescale: number, frags: ClearFragment[]): string[] => [
    `<SegmentTemplate timescale="${timescale}" initialization="init.mp4" media="seg-$Number$.m4s" startNumber="1">`,
    '  <SegmentTimeline>',
    ...frags.map((f) => `    <S t="${f.baseTime}" d="${f.samples.reduce((n, s) => n + s.duration, 0)}"/>`),
    '  </SegmentTimeline>',
    '</SegmentTemplate>',
  ];
  const out: BuiltFormat[] = [];

  /** A muxed fixture: init.mp4 (one moov, track 1 video, track 2 the second track), seg-N.m4s (a traf per track). */
  interface MuxedSpec {
    name: string;
    purpose: string;
    scheme: SchemeType;
    videoInit: Uint8Array;
    video: SampleProtection;
    second: { init: Uint8Array; frags: ClearFragment[]; protection: SampleProtection | null; track: FormatTrack };
    videoTrack: FormatTrack;
    pssh: Uint8Array[];
    initData: string;
    mimeType: string;
    defaultKid: string;
  }
  const muxed = (m: MuxedSpec): BuiltFormat => {
    const init = muxInits([m.videoInit, m.second.init], m.pssh);
    const files = new Map<string, Uint8Array>([['init.mp4', init]]);
    const count = Math.max(videoFrags.length, m.second.frags.length);
    const segs: string[] = [];
    for (let i = 0; i < count; i++) {
      const trafs: TrafSpec[] = [];
      if (videoFrags[i]) trafs.push(encryptFragment(1, videoFrags[i]!, m.video));
      const second = m.second.frags[i];
      if (second) trafs.push(encryptFragment(2, second, m.second.protection));
      const name = `seg-${i + 1}.m4s`;
      files.set(name, fragment(i + 1, trafs, []));
      segs.push(name);
    }
    const index: FormatFixture = {
      name: m.name,
      purpose: m.purpose,
      scheme: m.scheme,
      path: `/test/fixtures/${m.name}/`,
      dash: 'manifest.mpd',
      appendFiles: ['init.mp4', ...segs],
      mimeType: m.mimeType,
      tracks: [m.videoTrack, m.second.track],
      initData: m.initData,
      duration,
    };
    // Segment times follow the video track; a fifth fragment of the second track (the audio's last) gets the rest.
    const frags = [...videoFrags];
    if (count > videoFrags.length) {
      frags.push({
        baseTime: videoFrags.reduce((n, f) => n + f.samples.reduce((t, x) => t + x.duration, 0), 0),
        samples: [],
      });
    }
    const timeline = segmentTimeline(video.info.timescale, frags).map((l) =>
      l.replace(/d="0"/, `d="${video.info.timescale / 4}"`),
    );
    const codecs = /codecs="([^"]*)"/.exec(m.mimeType)![1]!;
    files.set('manifest.mpd', enc.encode(mpd(index, timeline, codecs, m.defaultKid, width, height)));
    return { files, index };
  };
  const cenc = (
    key: string,
    ivs: IvSequence,
    nal: number | undefined,
    box: 'senc' | 'piff' = 'senc',
  ): SampleProtection => ({
    scheme: 'cenc',
    key: keyOf(key),
    ivs,
    pattern: null,
    nalLengthSize: nal,
    box,
  });
  const bothCodecs = `video/mp4; codecs="${vCodecs},${aCodecs}"`;

  // 1. muxed: audio and video tracks in one moov, one traf per track in each moof (cenc, 8-byte IVs).
  {
    const vKid = kidOf('video');
    const aKid = kidOf('audio');
    const vIvs = new IvSequence(8, (0x5ec4_0000n << 32n) + 1n);
    const aIvs = new IvSequence(8, (0x5ec4_0001n << 32n) + 1n);
    out.push(
      muxed({
        name: 'muxed',
        purpose:
          'cenc, video and audio tracks in one moov (track 1 video under KID video, track 2 audio under KID audio), ' +
          'one traf per track in each moof; a Clear Key pssh with both KIDs in moov.',
        scheme: 'cenc',
        videoInit: encryptInit(video.init, protection(vKid, vIvs)),
        video: cenc('video', vIvs, video.info.nalLengthSize),
        second: {
          init: encryptInit(audio.init, protection(aKid, aIvs)),
          frags: audioFrags,
          protection: cenc('audio', aIvs, undefined),
          track: { trackId: 2, kind: 'audio', codecs: aCodecs, kid: aKid, defaultKid: aKid },
        },
        videoTrack: { trackId: 1, kind: 'video', codecs: vCodecs, kid: vKid, defaultKid: vKid },
        pssh: [clearKeyPssh([fromHex(vKid), fromHex(aKid)])],
        initData: 'clearkey-pssh',
        mimeType: bothCodecs,
        defaultKid: vKid,
      }),
    );
  }

  // PIFF 1.1: the muxed layout with the PIFF 'uuid' boxes: tenc in both forms in schi (PIFF 5.3.2 beside ISO/IEC
  // 23001-7 8.2, as PIFF-compatible CENC packagers write it), a PIFF pssh (PlayReady) in moov and no ISO pssh, and
  // in each traf the PIFF SampleEncryptionBox in place of senc, saiz/saio pointing into it. The audio's one
  // overrides the track defaults (flag 0x1: AlgorithmID, IV_size, KID).
  {
    const vKid = kidOf('video');
    const aKid = kidOf('audio');
    const vIvs = new IvSequence(8, (0x5ec6_0000n << 32n) + 1n);
    const aIvs = new IvSequence(8, (0x5ec6_0001n << 32n) + 1n);
    const piff = { piffTenc: PIFF_TENC_FORM } as const;
    out.push(
      muxed({
        name: 'piff',
        purpose:
          'PIFF 1.1 boxes in the muxed layout: schi holds tenc and the PIFF TrackEncryptionBox (uuid 8974dbce-...), ' +
          'moov a PIFF ProtectionSystemSpecificHeaderBox (uuid d08a4f18-..., PlayReady) and no ISO pssh, each traf ' +
          'the PIFF SampleEncryptionBox (uuid a2394f52-...) with saiz/saio pointing into it; the audio one overrides ' +
          'AlgorithmID, IV_size and KID (flags 0x1). cenc, 8-byte IVs.',
        scheme: 'cenc',
        videoInit: encryptInit(video.init, protection(vKid, vIvs, piff)),
        video: cenc('video', vIvs, video.info.nalLengthSize, 'piff'),
        second: {
          init: encryptInit(audio.init, protection(aKid, aIvs, piff)),
          frags: audioFrags,
          protection: { ...cenc('audio', aIvs, undefined, 'piff'), override: { ivSize: 8, kid: fromHex(aKid) } },
          track: { trackId: 2, kind: 'audio', codecs: aCodecs, kid: aKid, defaultKid: aKid },
        },
        videoTrack: { trackId: 1, kind: 'video', codecs: vCodecs, kid: vKid, defaultKid: vKid },
        pssh: [piffPssh(PLAYREADY_SYSTEM_ID, new Uint8Array(0))],
        initData: 'piff-pssh',
        mimeType: bothCodecs,
        defaultKid: vKid,
      }),
    );
  }

  // cbcs video whose tenc default_KID is all zeros, the real KID only in a Widevine pssh, beside a clear CEA-608
  // track ('c608') in the same file.
  {
    const vKid = kidOf('video');
    const zero = '0'.repeat(32);
    const constantIv = new IvSequence(16, (0x5ec7_0000n << 96n) + 0x0102_0304_0506_0708n).next();
    const pattern = { crypt: 1, skip: 9 };
    const timescale = video.info.timescale;
    const ftyp = boxBytes(readBoxes(video.init).find((b) => b.type === 'ftyp')!);
    out.push(
      muxed({
        name: 'cbcs-zero-kid-c608',
        purpose:
          'cbcs (1:9, constant IV) video whose tenc default_KID is all zeros, the real KID (video) only inside a ' +
          'Widevine pssh, beside a clear CEA-608 track (sample entry c608, handler clcp) in the same moov and moofs.',
        scheme: 'cbcs',
        videoInit: encryptInit(video.init, protection(zero, null, {}, 'cbcs', constantIv, pattern)),
        video: {
          scheme: 'cbcs',
          key: keyOf('video'),
          ivs: null,
          constantIv,
          pattern,
          nalLengthSize: video.info.nalLengthSize,
          box: 'senc',
        },
        second: {
          init: c608Init(ftyp, timescale),
          frags: videoFrags.map((f) =>
            c608Fragment(
              f.baseTime,
              f.samples.reduce((n, s) => n + s.duration, 0),
              timescale,
            ),
          ),
          protection: null,
          track: { trackId: 2, kind: 'captions', codecs: 'c608', kid: null, defaultKid: null },
        },
        videoTrack: { trackId: 1, kind: 'video', codecs: vCodecs, kid: vKid, defaultKid: zero },
        pssh: [widevinePssh(fromHex(vKid))],
        initData: 'widevine-pssh',
        mimeType: `video/mp4; codecs="${vCodecs}"`,
        defaultKid: vKid,
      }),
    );
  }

  // 2. GPAC/MP4Box-style single file: ftyp free moov moof mdat, encrypted H.264 and clear AAC, one moof holding
  // every sample in two trafs whose tfhd states base_data_offset, 16-byte IVs, a pssh for the DASH-IF Clear Key
  // system ID only.
  {
    const vKid = kidOf('video');
    const vIvs = new IvSequence(16, (0x5ec5_0000n << 96n) + 1n);
    const pssh = psshV1(DASHIF_CLEAR_KEY_SYSTEM_ID, [fromHex(vKid)]);
    const free = box('free', enc.encode('written by the secure-video fixture packager'));
    const init = muxInits([encryptInit(video.init, protection(vKid, vIvs)), audio.init], [pssh], [free]);
    const vp: SampleProtection = {
      scheme: 'cenc',
      key: keyOf('video'),
      ivs: vIvs,
      pattern: null,
      nalLengthSize: video.info.nalLengthSize,
      box: 'senc',
    };
    const merge = (frags: ClearFragment[]): ClearFragment => ({
      baseTime: frags[0]!.baseTime,
      samples: frags.flatMap((f) => f.samples),
    });
    const trafs = [encryptFragment(1, merge(videoFrags), vp), encryptFragment(2, merge(audioFrags), null)];
    const file = concat(init, fragment(1, trafs, [], init.length));
    const name = 'movie.mp4';
    const moofAt = init.length;
    const index: FormatFixture = {
      name: 'gpac-single-file',
      purpose:
        'GPAC/MP4Box-style single file (ftyp free moov moof mdat): encrypted H.264 (cenc, 16-byte IVs) and clear AAC ' +
        'in one moov, one moof with two trafs whose tfhd states base_data_offset (the moof position in the file), a ' +
        'pssh only for the DASH-IF Clear Key system ID e2719d58-a985-b3c9-781a-b030af78d30e.',
      scheme: 'cenc',
      path: '/test/fixtures/gpac-single-file/',
      dash: 'manifest.mpd',
      appendFiles: [name],
      mimeType: `video/mp4; codecs="${vCodecs},${aCodecs}"`,
      tracks: [
        { trackId: 1, kind: 'video', codecs: vCodecs, kid: vKid, defaultKid: vKid },
        { trackId: 2, kind: 'audio', codecs: aCodecs, kid: null, defaultKid: null },
      ],
      initData: 'dashif-pssh',
      duration,
    };
    const body = [
      `<SegmentList timescale="1000" duration="${Math.round(duration * 1000)}">`,
      `  <Initialization sourceURL="${name}" range="0-${moofAt - 1}"/>`,
      `  <SegmentURL media="${name}" mediaRange="${moofAt}-${file.length - 1}"/>`,
      '</SegmentList>',
    ];
    const files = new Map<string, Uint8Array>([
      [name, file],
      ['manifest.mpd', enc.encode(mpd(index, body, `${vCodecs},${aCodecs}`, vKid, width, height))],
    ]);
    out.push({ files, index });
  }

  return out;
}
