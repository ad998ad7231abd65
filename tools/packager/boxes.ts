// Builders for the boxes Common Encryption adds (ISO/IEC 23001-7 8, and ISO/IEC 14496-12 for the generic ones).
// Each returns the whole box, header included.
import { CLEAR_KEY_SYSTEM_ID } from '../../src/mp4/boxes/pssh.js';
import { fromHex } from '../../src/mp4/bytes.js';
import { box, concat, fourcc, fullBox, u16, u24, u32, u8 } from '../../src/mp4/writer.js';
import type { Subsample } from './subsamples.js';

/** crypt_byte_block:skip_byte_block in 16-byte blocks (ISO/IEC 23001-7 9.6). */
export interface Pattern {
  crypt: number;
  skip: number;
}

export interface TencFields {
  isProtected: boolean;
  /** 0 (constant IV), 8 or 16. */
  perSampleIvSize: number;
  kid: Uint8Array;
  /** tenc version 1 carries the pattern; version 0 has none (cenc, cbc1). */
  pattern: Pattern | null;
  constantIv?: Uint8Array;
}

/** TrackEncryptionBox, ISO/IEC 23001-7 8.2. */
export function tenc(f: TencFields): Uint8Array {
  const version = f.pattern ? 1 : 0;
  const patternByte = f.pattern ? (f.pattern.crypt << 4) | f.pattern.skip : 0;
  const parts = [u8(0), u8(patternByte), u8(f.isProtected ? 1 : 0), u8(f.perSampleIvSize), f.kid];
  if (f.isProtected && f.perSampleIvSize === 0) {
    if (!f.constantIv) throw new Error('tenc: a constant IV is required when per_sample_IV_size is 0');
    parts.push(u8(f.constantIv.length), f.constantIv);
  }
  return fullBox('tenc', version, 0, ...parts);
}

/**
 * ProtectionSchemeInfoBox (ISO/IEC 14496-12 8.12.1) with frma (original format), schm (scheme, version 0x00010000,
 * ISO/IEC 23001-7 4.2) and schi/tenc.
 */
export function sinf(
  originalFormat: string,
  scheme: string,
  tencFields: TencFields,
  piff?: 'also' | 'only',
): Uint8Array {
  const schi =
    piff === 'only' ? [piffTenc(tencFields)] : piff ? [tenc(tencFields), piffTenc(tencFields)] : [tenc(tencFields)];
  return box(
    'sinf',
    box('frma', fourcc(originalFormat)),
    fullBox('schm', 0, 0, fourcc(scheme), u32(0x0001_0000)),
    box('schi', ...schi),
  );
}

/** A PIFF 1.1 'uuid' box (PIFF 5.3: extended type after the 'uuid' type, then a full box's version and flags). */
export function piffBox(userType: string, version: number, flags: number, ...payload: Uint8Array[]): Uint8Array {
  return box('uuid', fromHex(userType), u8(version), u24(flags), ...payload);
}

export const PIFF_TENC = '8974dbce7be74c5184f97148f9882554';
export const PIFF_PSSH = 'd08a4f1810f34a82b6c832d8aba183d3';
export const PIFF_SENC = 'a2394f525a9b4f14a2446c427c648df4';

/** PIFF AlgorithmID (PIFF 1.1 5.3.2): 0 not encrypted, 1 AES-128-CTR, 2 AES-128-CBC. */
export const PIFF_AES_CTR = 1;

/** PIFF 1.1 TrackEncryptionBox (5.3.2): default_AlgorithmID (24 bits), default_IV_size, default_KID. */
export function piffTenc(f: TencFields): Uint8Array {
  return piffBox(PIFF_TENC, 0, 0, u24(f.isProtected ? PIFF_AES_CTR : 0), u8(f.perSampleIvSize), f.kid);
}

/** PIFF 1.1 ProtectionSystemSpecificHeaderBox (5.3.1): SystemID, DataSize, Data (no KID list: like pssh v0). */
export function piffPssh(systemId: Uint8Array, data: Uint8Array): Uint8Array {
  return piffBox(PIFF_PSSH, 0, 0, systemId, u32(data.length), data);
}

/** A version 1 pssh (ISO/IEC 23001-7 8.1.2) for any system ID, KIDs listed, no Data. */
export function psshV1(systemId: Uint8Array, kids: readonly Uint8Array[]): Uint8Array {
  return fullBox('pssh', 1, 0, systemId, u32(kids.length), ...kids, u32(0));
}

/** A version 0 pssh (ISO/IEC 23001-7 8.1.2) with system-specific Data. */
export function psshV0(systemId: Uint8Array, data: Uint8Array): Uint8Array {
  return fullBox('pssh', 0, 0, systemId, u32(data.length), data);
}

/** A version 1 pssh (ISO/IEC 23001-7 8.1) for the W3C Clear Key system: KIDs listed, no Data (EME Clear Key). */
export function clearKeyPssh(kids: readonly Uint8Array[]): Uint8Array {
  return fullBox('pssh', 1, 0, CLEAR_KEY_SYSTEM_ID, u32(kids.length), ...kids, u32(0));
}

/** Per-sample auxiliary information (ISO/IEC 23001-7 7.2): IV, then the subsample map when there is one. */
export interface AuxInfo {
  iv: Uint8Array;
  subsamples: Subsample[] | null;
}

export function auxInfoBytes(a: AuxInfo): Uint8Array {
  if (!a.subsamples) return a.iv;
  const parts: Uint8Array[] = [a.iv, u16(a.subsamples.length)];
  for (const s of a.subsamples) parts.push(u16(s.clear), u32(s.protected));
  return concat(...parts);
}

/** SampleEncryptionBox, ISO/IEC 23001-7 7.2.1; flag 0x2 = UseSubSampleEncryption. */
export function senc(infos: readonly AuxInfo[]): Uint8Array {
  const useSubsamples = infos.some((a) => a.subsamples !== null);
  return fullBox('senc', 0, useSubsamples ? 2 : 0, u32(infos.length), ...infos.map(auxInfoBytes));
}

/** Offset of the first sample's auxiliary data inside a senc box built by `senc` (header, version/flags, count). */
export const SENC_DATA_OFFSET = 8 + 4 + 4;

/** SampleAuxiliaryInformationSizesBox, ISO/IEC 14496-12 8.7.8 (aux_info_type omitted: it is the scheme's, 23001-7 7.1). */
export function saiz(sizes: readonly number[]): Uint8Array {
  const first = sizes[0] ?? 0;
  // default_sample_info_size 0 means "sizes follow per sample", so a uniform size can only be the default when non-zero.
  const uniform = first > 0 && sizes.every((s) => s === first);
  if (uniform) return fullBox('saiz', 0, 0, u8(first), u32(sizes.length));
  return fullBox('saiz', 0, 0, u8(0), u32(sizes.length), Uint8Array.from(sizes));
}

/** SampleAuxiliaryInformationOffsetsBox, ISO/IEC 14496-12 8.7.9: one offset, relative to the moof (tfhd base). */
export function saio(offset: number): Uint8Array {
  return fullBox('saio', 0, 0, u32(1), u32(offset));
}

/** One 'seig' CencSampleEncryptionInformationGroupEntry, ISO/IEC 23001-7 6. */
export interface SeigEntry {
  isProtected: boolean;
  perSampleIvSize: number;
  kid: Uint8Array;
  pattern: Pattern | null;
  constantIv?: Uint8Array;
}

function seigBytes(e: SeigEntry): Uint8Array {
  const patternByte = e.pattern ? (e.pattern.crypt << 4) | e.pattern.skip : 0;
  const parts = [u8(0), u8(patternByte), u8(e.isProtected ? 1 : 0), u8(e.perSampleIvSize), e.kid];
  if (e.isProtected && e.perSampleIvSize === 0 && e.constantIv) parts.push(u8(e.constantIv.length), e.constantIv);
  return concat(...parts);
}

/** SampleGroupDescriptionBox version 1 (ISO/IEC 14496-12 8.9.3) holding one 'seig' entry. */
export function sgpdSeig(entry: SeigEntry): Uint8Array {
  const bytes = seigBytes(entry);
  return fullBox('sgpd', 1, 0, fourcc('seig'), u32(bytes.length), u32(1), bytes);
}

/**
 * SampleToGroupBox (ISO/IEC 14496-12 8.9.2) putting all `sampleCount` samples in the first group description of the
 * fragment's own sgpd: indices above 0x10000 refer to the sgpd in the same traf (14496-12 8.9.4).
 */
export function sbgpSeig(sampleCount: number): Uint8Array {
  return fullBox('sbgp', 0, 0, fourcc('seig'), u32(1), u32(sampleCount), u32(0x10001));
}
