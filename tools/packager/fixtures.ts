// The encrypted fixture set: what each fixture is for, and how it is made from the clear source. Everything here is
// deterministic (IVs from counters, no clocks, no randomness), so building twice gives byte-identical files.
import { fromHex, toHex } from '../../src/mp4/bytes.js';
import { clearKeyPssh, type Pattern } from './boxes.js';
import { IvSequence, type SchemeType } from './cipher.js';
import { dashManifest } from './dash.js';
import { encryptInit, encryptSegment, type SegmentProtection, type TrackProtection } from './encrypt.js';
import { hlsPlaylists } from './hls.js';
import type { SourceTrack } from './source.js';

export interface KeysFile {
  keys: Record<string, string>;
  names: Record<string, string>;
}

export interface FixtureSpec {
  name: string;
  purpose: string;
  scheme: SchemeType;
  /** Per-sample IV size; 0 = constant IV in tenc (cbcs). */
  ivSize: 0 | 8 | 16;
  /** Clear Key pssh in the init segments and the manifests. */
  pssh: boolean;
  /** The first segment of each track stays clear ('seig' group with isProtected = 0). */
  clearLead: boolean;
  /** Video segments 1-2 under rotation-1, 3-4 under rotation-2 ('seig' groups + pssh in moof). */
  rotation: boolean;
  /**
   * KID names of video copies: the clear video is packaged once per name, each copy under that KID as its own
   * Representation (one adaptation set) and HLS variant. The first copy is track '0'; later ones get ids after the
   * clear source's (e.g. '2') and declared bandwidths of 2x, 3x ... the source's, so players tell them apart.
   * Unset: one video track under KID 'video'.
   */
  videoVariants?: readonly string[];
}

export const FIXTURES: readonly FixtureSpec[] = [
  {
    name: 'cenc',
    purpose: 'AES-CTR with 8-byte IVs, Clear Key pssh v1 in each init segment; video and audio under different KIDs.',
    scheme: 'cenc',
    ivSize: 8,
    pssh: true,
    clearLead: false,
    rotation: false,
  },
  {
    name: 'cbcs',
    purpose: 'AES-CBC 1:9 pattern on video, whole-block (1:0) on audio, 16-byte constant IVs in tenc; pssh in init.',
    scheme: 'cbcs',
    ivSize: 0,
    pssh: true,
    clearLead: false,
    rotation: false,
  },
  {
    name: 'cens',
    purpose: 'AES-CTR 1:9 pattern on video, whole-block (1:0) on audio, 8-byte IVs; pssh in init.',
    scheme: 'cens',
    ivSize: 8,
    pssh: true,
    clearLead: false,
    rotation: false,
  },
  {
    name: 'cbc1',
    purpose: 'AES-CBC over whole blocks (no pattern), 16-byte IVs; pssh in init.',
    scheme: 'cbc1',
    ivSize: 16,
    pssh: true,
    clearLead: false,
    rotation: false,
  },
  {
    name: 'cenc-no-pssh',
    purpose: 'cenc with no pssh anywhere: init data can only come from tenc default_KID or the manifest default_KID.',
    scheme: 'cenc',
    ivSize: 8,
    pssh: false,
    clearLead: false,
    rotation: false,
  },
  {
    name: 'cenc-iv16',
    purpose:
      'cenc with 16-byte IVs whose low 8 bytes are not zero (bits 32-63 count samples), so a decryptor must use all ' +
      '16 bytes as the initial counter block; no sample carries out of the low 32 bits of the counter.',
    scheme: 'cenc',
    ivSize: 16,
    pssh: true,
    clearLead: false,
    rotation: false,
  },
  {
    name: 'clear-lead',
    purpose:
      'cenc where the first segment of each track is clear: the init has two sample entries, encv/enca (index 1, the ' +
      'trex default) and the clear avc1/mp4a (index 2); the lead fragments select index 2 in tfhd and carry no senc.',
    scheme: 'cenc',
    ivSize: 8,
    pssh: true,
    clearLead: true,
    rotation: false,
  },
  {
    name: 'key-rotation',
    purpose:
      'cenc where video segments 1-2 use KID rotation-1 and 3-4 rotation-2, each fragment naming its KID in a ' +
      'traf-local seig group; a Clear Key pssh in the moof starts each key period. Audio stays under the audio KID. ' +
      'The MPD pssh lists both rotation KIDs; HLS switches to an init whose default_KID is rotation-2.',
    scheme: 'cenc',
    ivSize: 8,
    pssh: true,
    clearLead: false,
    rotation: true,
  },
];

/**
 * Fixtures whose tracks are not the plain one-video-one-audio pair. index.json lists them under `variantFixtures`,
 * apart from `fixtures`, so that tests iterating every fixture keep their shape (and CI its time).
 */
export const VARIANT_FIXTURES: readonly FixtureSpec[] = [
  {
    name: 'multi-variant',
    purpose:
      'cenc with the same video packaged twice: representation 0 under KID video (200 kb/s) and representation 2 ' +
      'under KID video-2 (declared 400 kb/s), plus audio under KID audio: two video variants that need different ' +
      'keys, for dropping and restoring variants by key status. The pssh and ContentProtection are per Representation.',
    scheme: 'cenc',
    ivSize: 8,
    pssh: true,
    clearLead: false,
    rotation: false,
    videoVariants: ['video', 'video-2'],
  },
];

/** One track to package: a clear source track, the names its encrypted copy is written under, and its KID name. */
interface PackTrack {
  /** The copy: id, file names and manifest attributes as written (same bytes as the clear source). */
  track: SourceTrack;
  /** The clear source it copies (its init and segment names are what index.json's clear fields hold). */
  clear: SourceTrack;
  kidName: string;
}

/** The tracks of a fixture: the clear source's, plus the extra video copies `videoVariants` asks for. */
function packTracks(spec: FixtureSpec, source: SourceTrack[]): PackTrack[] {
  const out: PackTrack[] = [];
  let nextId = Math.max(...source.map((t) => Number(t.id))) + 1;
  for (const clear of source) {
    const kind = clear.info.kind;
    const names = kind === 'video' && spec.videoVariants ? spec.videoVariants : [kind];
    names.forEach((kidName, copy) => {
      if (copy === 0) {
        out.push({ track: clear, clear, kidName });
        return;
      }
      const id = String(nextId++);
      const bandwidth = String(Number(clear.attributes['bandwidth'] ?? 0) * (copy + 1));
      const track: SourceTrack = {
        ...clear,
        id,
        initFile: `init-${id}.mp4`,
        segments: clear.segments.map((s) => ({ ...s, file: s.file.replace(/^seg-\d+-/, `seg-${id}-`) })),
        attributes: { ...clear.attributes, id, bandwidth },
      };
      out.push({ track, clear, kidName });
    });
  }
  // Manifests list each kind's tracks together (one adaptation set per kind).
  return out.sort((a, b) => (a.track.info.kind === b.track.info.kind ? 0 : a.track.info.kind === 'video' ? -1 : 1));
}

/**
 * A clear lead is signalled by a clear sample entry, not by a 'seig' group with isProtected = 0: Firefox 153 rejects
 * the latter ("Sample description entry indicates encryption, but sample encryption entry indicates sample is not
 * encrypted"), while both Chromium and Firefox play fragments whose tfhd selects a clear entry (14496-12 8.8.7).
 */
const CLEAR_ENTRY_INDEX = 2;

/** Video pattern for cens/cbcs (1:9, 23001-7 10.3/10.4 recommend it); other tracks whole-block 1:0 (9.7). */
function patternFor(scheme: SchemeType, kind: 'video' | 'audio'): Pattern | null {
  if (scheme !== 'cens' && scheme !== 'cbcs') return null;
  return kind === 'video' ? { crypt: 1, skip: 9 } : { crypt: 1, skip: 0 };
}

/** Deterministic IV sources; the first bytes (5e c0..5e c3) tell fixtures' IVs apart when debugging. */
function ivsFor(spec: FixtureSpec, trackIndex: number): { ivs: IvSequence | null; constantIv?: Uint8Array } {
  const t = BigInt(trackIndex);
  if (spec.ivSize === 8) return { ivs: new IvSequence(8, ((0x5ec0_0000n + t) << 32n) + 1n) };
  if (spec.ivSize === 16 && spec.scheme === 'cenc') {
    // Each sample's counter starts at a multiple of 2^32 (low 32 bits zero, bits 32-63 counting samples), so the low
    // half of the IV matters but no sample carries out of the low 32 bits: Firefox's native Clear Key does not carry
    // there (measured: a sample starting 8 blocks below 2^32 fails to decode in Firefox 153, plays in Chromium).
    return { ivs: new IvSequence(16, ((0x5ec1_0000n + t) << 96n) + (1n << 32n), 1n << 32n) };
  }
  if (spec.ivSize === 16) return { ivs: new IvSequence(16, ((0x5ec2_0000n + t) << 96n) + 1n) };
  return { ivs: null, constantIv: new IvSequence(16, ((0x5ec3_0000n + t) << 96n) + 0x0102_0304_0506_0708n).next() };
}

export interface IndexSegment {
  file: string;
  /** The clear segment this one encrypts (same name, in test/fixtures/clear). */
  clear: string;
  /** KID of the segment's samples (hex), or null when the segment is clear. */
  kid: string | null;
  /** Whether this segment's moof carries a Clear Key pssh. */
  pssh: boolean;
  /** The stsd entry the fragment uses: 1 = encv/enca, 2 = the clear entry a clear-lead init keeps. */
  sampleDescriptionIndex: number;
  duration: number;
}

/** An extra EXT-X-MAP in a media playlist: from `segment` on, HLS uses `init`, whose tenc default_KID is `defaultKid`. */
export interface HlsMap {
  segment: string;
  init: string;
  defaultKid: string;
}

export interface IndexTrack {
  id: string;
  kind: 'video' | 'audio';
  mimeType: string;
  codecs: string;
  init: string;
  clearInit: string;
  timescale: number;
  defaultKid: string;
  /** Every KID the track's samples use. */
  kids: string[];
  /** KIDs in the init segment's Clear Key pssh; empty when there is none. */
  initPsshKids: string[];
  ivSize: number;
  constantIv: string | null;
  pattern: Pattern | null;
  segments: IndexSegment[];
  /** Further init segments the HLS playlist switches to (key rotation, see HlsMap); empty for DASH-only needs. */
  hlsMaps: HlsMap[];
}

export interface IndexFixture {
  name: string;
  purpose: string;
  scheme: SchemeType;
  /** Folder, from the repository root. */
  path: string;
  dash: string;
  hls: string;
  pssh: boolean;
  clearLead: boolean;
  keyRotation: boolean;
  tracks: IndexTrack[];
}

export interface BuiltFixture {
  files: Map<string, Uint8Array>;
  index: IndexFixture;
}

const enc = new TextEncoder();

export function buildFixture(spec: FixtureSpec, source: SourceTrack[], keys: KeysFile): BuiltFixture {
  const kidOf = (name: string): string => {
    const kid = keys.names[name];
    if (!kid) throw new Error(`keys.json has no KID named '${name}'`);
    return kid;
  };
  const keyOf = (kidHex: string): Uint8Array => {
    const key = keys.keys[kidHex];
    if (!key) throw new Error(`keys.json has no key for KID ${kidHex}`);
    return fromHex(key);
  };
  const files = new Map<string, Uint8Array>();
  const tracks: IndexTrack[] = [];

  const packed = packTracks(spec, source);
  packed.forEach(({ track, clear, kidName }, trackIndex) => {
    const kind = track.info.kind;
    const rotated = spec.rotation && kind === 'video';
    const segmentKids = track.segments.map((_, i) => {
      if (spec.clearLead && i === 0) return null;
      if (rotated) return kidOf(i < 2 ? 'rotation-1' : 'rotation-2');
      return kidOf(kidName);
    });
    const defaultKid = rotated ? kidOf('rotation-1') : kidOf(kidName);
    const { ivs, constantIv } = ivsFor(spec, trackIndex);
    const initPsshKids = spec.pssh ? [defaultKid] : [];
    const protection: TrackProtection = {
      scheme: spec.scheme,
      defaultKid: fromHex(defaultKid),
      ivs,
      ...(constantIv ? { constantIv } : {}),
      pattern: patternFor(spec.scheme, kind),
      layout: 'aligned',
      initPsshKids: spec.pssh ? initPsshKids.map(fromHex) : null,
      clearSampleEntry: spec.clearLead,
    };
    files.set(track.initFile, encryptInit(track.init, protection));

    // HLS only: shaka-player's identity key parser takes a key's KID from the init segment in force (its tenc
    // default_KID), so each later key period of a rotated track gets its own EXT-X-MAP whose default_KID names it.
    const hlsMaps: HlsMap[] = [];
    track.segments.forEach((seg, i) => {
      const kid = segmentKids[i];
      if (!rotated || i === 0 || !kid || kid === segmentKids[i - 1]) return;
      const init = `init-${track.id}-${kid}.mp4`;
      const periodProtection = {
        ...protection,
        defaultKid: fromHex(kid),
        initPsshKids: spec.pssh ? [fromHex(kid)] : null,
      };
      files.set(init, encryptInit(track.init, periodProtection));
      hlsMaps.push({ segment: seg.file, init, defaultKid: kid });
    });

    const indexSegments: IndexSegment[] = [];
    track.segments.forEach((seg, i) => {
      const kid = segmentKids[i] ?? null;
      const startsKeyPeriod = rotated && kid !== null && kid !== (segmentKids[i - 1] ?? null);
      const sp: SegmentProtection = {
        kid: kid ? fromHex(kid) : null,
        key: kid ? keyOf(kid) : null,
        seig: rotated,
        psshKids: spec.pssh && startsKeyPeriod ? [fromHex(kid)] : null,
        ...(kid === null ? { sampleDescriptionIndex: CLEAR_ENTRY_INDEX } : {}),
      };
      files.set(seg.file, encryptSegment(seg.bytes, track.info, protection, sp));
      indexSegments.push({
        file: seg.file,
        clear: clear.segments[i]!.file,
        kid,
        pssh: sp.psshKids !== null,
        sampleDescriptionIndex: sp.sampleDescriptionIndex ?? 1,
        duration: seg.duration,
      });
    });
    tracks.push({
      id: track.id,
      kind,
      mimeType: track.attributes['mimeType'] ?? `${kind}/mp4`,
      codecs: track.attributes['codecs'] ?? '',
      init: track.initFile,
      clearInit: clear.initFile,
      timescale: track.info.timescale,
      defaultKid,
      kids: [...new Set(segmentKids.filter((k): k is string => k !== null))],
      initPsshKids,
      ivSize: ivs ? ivs.size : 0,
      constantIv: constantIv ? toHex(constantIv) : null,
      pattern: protection.pattern,
      segments: indexSegments,
      hlsMaps,
    });
  });

  const index: IndexFixture = {
    name: spec.name,
    purpose: spec.purpose,
    scheme: spec.scheme,
    path: `/test/fixtures/${spec.name}/`,
    dash: 'manifest.mpd',
    hls: 'master.m3u8',
    pssh: spec.pssh,
    clearLead: spec.clearLead,
    keyRotation: spec.rotation,
    tracks,
  };
  const psshFor = (kids: string[]): Uint8Array | null => (kids.length ? clearKeyPssh(kids.map(fromHex)) : null);
  const written = packed.map((p) => p.track);
  files.set('manifest.mpd', enc.encode(dashManifest(index, written, psshFor)));
  for (const [file, text] of hlsPlaylists(index, written, psshFor)) files.set(file, enc.encode(text));
  return { files, index };
}
