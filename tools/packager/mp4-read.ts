// Reading the clear CMAF input: what the packager needs from an init segment (ISO/IEC 14496-12 8.3-8.7, 8.8.3) and
// from a media segment (8.8.4-8.8.8 moof/traf/tfhd/trun, 8.16.3 sidx). Built on the shared walker in src/mp4.
import { childBoxes, findBox, readBoxes, requireChild, type Box } from '../../src/mp4/box.js';
import { Mp4ErrorCode, Mp4ParseError } from '../../src/mp4/errors.js';
import { ByteReader } from '../../src/mp4/reader.js';

export type TrackKind = 'video' | 'audio';

export interface InitInfo {
  trackId: number;
  kind: TrackKind;
  /** mdhd timescale: units per second of sample durations and tfdt. */
  timescale: number;
  /** The clear sample entry's format ('avc1', 'mp4a', ...), which becomes frma's data_format. */
  format: string;
  /** Size of the NAL unit length field for AVC (avcC lengthSizeMinusOne + 1); undefined for non-NAL formats. */
  nalLengthSize?: number;
}

/** Bytes before the child boxes of a sample entry: SampleEntry (8) + VisualSampleEntry (70) or AudioSampleEntry (20). */
export function sampleEntryPrefix(kind: TrackKind): number {
  return kind === 'video' ? 78 : 28;
}

/** The whole bytes of a box found by readBoxes (header included), zero-copy. */
export function boxBytes(b: Box): Uint8Array {
  const p = b.payload;
  return new Uint8Array(p.buffer, p.byteOffset - b.headerSize, b.size);
}

export function parseInit(init: Uint8Array): InitInfo {
  const trak = findBox(init, ['moov', 'trak']);
  if (!trak) throw new Mp4ParseError(Mp4ErrorCode.MISSING_BOX, 'No track', 'moov/trak');
  const tkhd = new ByteReader(requireChild(trak, 'tkhd').payload, 'moov/trak/tkhd');
  const tkhdVersion = tkhd.u8();
  tkhd.skip(3 + (tkhdVersion === 1 ? 16 : 8));
  const trackId = tkhd.u32();
  const mdia = requireChild(trak, 'mdia');
  const mdhd = new ByteReader(requireChild(mdia, 'mdhd').payload, mdia.path + '/mdhd');
  const mdhdVersion = mdhd.u8();
  mdhd.skip(3 + (mdhdVersion === 1 ? 16 : 8));
  const timescale = mdhd.u32();
  const hdlr = new ByteReader(requireChild(mdia, 'hdlr').payload, mdia.path + '/hdlr');
  hdlr.skip(8);
  const handler = hdlr.fourcc();
  if (handler !== 'vide' && handler !== 'soun') {
    throw new Mp4ParseError(Mp4ErrorCode.UNSUPPORTED, `Handler '${handler}'`, hdlr.path);
  }
  const kind: TrackKind = handler === 'vide' ? 'video' : 'audio';
  const entry = sampleEntry(init);
  const info: InitInfo = { trackId, kind, timescale, format: entry.type };
  if (entry.type === 'avc1' || entry.type === 'avc3') {
    const children = readBoxes(entry.payload.subarray(sampleEntryPrefix(kind)), entry.path);
    const avcC = children.find((b) => b.type === 'avcC');
    if (!avcC) throw new Mp4ParseError(Mp4ErrorCode.MISSING_BOX, 'No avcC', entry.path + '/avcC');
    info.nalLengthSize = ((avcC.payload[4] ?? 0) & 3) + 1;
  }
  return info;
}

/** The one sample entry of the init segment's stsd (ISO/IEC 14496-12 8.5.2). */
export function sampleEntry(init: Uint8Array): Box {
  const stsd = findBox(init, ['moov', 'trak', 'mdia', 'minf', 'stbl', 'stsd']);
  if (!stsd) throw new Mp4ParseError(Mp4ErrorCode.MISSING_BOX, 'No stsd', 'moov/trak/mdia/minf/stbl/stsd');
  const entries = readBoxes(stsd.payload.subarray(8), stsd.path, stsd.start + stsd.headerSize + 8);
  if (entries.length !== 1) {
    throw new Mp4ParseError(Mp4ErrorCode.UNSUPPORTED, `${entries.length} sample entries`, stsd.path);
  }
  return entries[0]!;
}

export interface Sample {
  /** Offset of the sample's first byte in the segment. */
  offset: number;
  size: number;
  duration: number;
}

export interface SegmentInfo {
  /** Top-level boxes in order (styp, sidx, moof, mdat). */
  top: Box[];
  moof: Box;
  mdat: Box;
  traf: Box;
  trun: Box;
  samples: Sample[];
  /** tfdt baseMediaDecodeTime. */
  baseTime: number;
}

const TFHD_BASE_DATA_OFFSET = 0x1;
const TFHD_SAMPLE_DESCRIPTION_INDEX = 0x2;
const TFHD_DEFAULT_DURATION = 0x8;
const TFHD_DEFAULT_SIZE = 0x10;
const TFHD_DEFAULT_FLAGS = 0x20;
const TRUN_DATA_OFFSET = 0x1;
const TRUN_FIRST_FLAGS = 0x4;
const TRUN_DURATION = 0x100;
const TRUN_SIZE = 0x200;
const TRUN_FLAGS = 0x400;
const TRUN_CTO = 0x800;

/** Parses a CMAF media segment with exactly one moof (one traf, one trun) followed by its mdat. */
export function parseSegment(seg: Uint8Array): SegmentInfo {
  const top = readBoxes(seg);
  const moofIndex = top.findIndex((b) => b.type === 'moof');
  const moof = top[moofIndex];
  const mdat = top[moofIndex + 1];
  if (!moof || !mdat || mdat.type !== 'mdat' || top.filter((b) => b.type === 'moof').length !== 1) {
    throw new Mp4ParseError(Mp4ErrorCode.UNSUPPORTED, 'Expected one moof followed by its mdat', '');
  }
  const trafs = childBoxes(moof).filter((b) => b.type === 'traf');
  if (trafs.length !== 1) throw new Mp4ParseError(Mp4ErrorCode.UNSUPPORTED, `${trafs.length} traf boxes`, 'moof');
  const traf = trafs[0]!;
  const tfhdBox = requireChild(traf, 'tfhd');
  const tfhd = new ByteReader(tfhdBox.payload, tfhdBox.path);
  const tfhdFlags = tfhd.u32() & 0xffffff;
  tfhd.u32();
  if (tfhdFlags & TFHD_BASE_DATA_OFFSET) {
    throw new Mp4ParseError(Mp4ErrorCode.UNSUPPORTED, 'tfhd base_data_offset', tfhdBox.path);
  }
  if (tfhdFlags & TFHD_SAMPLE_DESCRIPTION_INDEX) tfhd.u32();
  // Defaults left to trex (in the init segment) are not looked up: ffmpeg's fragments always carry them in tfhd.
  const defaultDuration = tfhdFlags & TFHD_DEFAULT_DURATION ? tfhd.u32() : undefined;
  const defaultSize = tfhdFlags & TFHD_DEFAULT_SIZE ? tfhd.u32() : undefined;
  if (tfhdFlags & TFHD_DEFAULT_FLAGS) tfhd.u32();
  // With or without default-base-is-moof, the data base of a moof's first traf is the moof's first byte when tfhd has
  // no base_data_offset (ISO/IEC 14496-12 8.8.7.1), so trun's data_offset counts from the moof.
  const tfdtBox = requireChild(traf, 'tfdt');
  const tfdt = new ByteReader(tfdtBox.payload, tfdtBox.path);
  const baseTime = tfdt.u8() === 1 ? (tfdt.u24(), tfdt.u64()) : (tfdt.u24(), tfdt.u32());
  const trunBoxes = childBoxes(traf).filter((b) => b.type === 'trun');
  if (trunBoxes.length !== 1) throw new Mp4ParseError(Mp4ErrorCode.UNSUPPORTED, 'Expected one trun', traf.path);
  const trun = trunBoxes[0]!;
  const r = new ByteReader(trun.payload, trun.path);
  const flags = r.u32() & 0xffffff;
  const count = r.u32();
  if (!(flags & TRUN_DATA_OFFSET))
    throw new Mp4ParseError(Mp4ErrorCode.UNSUPPORTED, 'trun without data_offset', trun.path);
  const dataOffset = r.i32();
  if (flags & TRUN_FIRST_FLAGS) r.u32();
  const samples: Sample[] = [];
  let at = moof.start + dataOffset;
  if (
    (!(flags & TRUN_DURATION) && defaultDuration === undefined) ||
    (!(flags & TRUN_SIZE) && defaultSize === undefined)
  ) {
    throw new Mp4ParseError(Mp4ErrorCode.UNSUPPORTED, 'Sample durations or sizes left to trex', trun.path);
  }
  for (let i = 0; i < count; i++) {
    const duration = flags & TRUN_DURATION ? r.u32() : defaultDuration!;
    const size = flags & TRUN_SIZE ? r.u32() : defaultSize!;
    if (flags & TRUN_FLAGS) r.u32();
    if (flags & TRUN_CTO) r.u32();
    samples.push({ offset: at, size, duration });
    at += size;
  }
  const mdatStart = mdat.start + mdat.headerSize;
  if (samples[0]?.offset !== mdatStart || at !== mdat.start + mdat.size) {
    throw new Mp4ParseError(Mp4ErrorCode.SIZE_MISMATCH, 'trun samples do not fill the mdat exactly', trun.path);
  }
  return { top, moof, mdat, traf, trun, samples, baseTime };
}
