// Sample Encryption box, ISO/IEC 23001-7 7.2 ('senc'), and the sample auxiliary information format it shares with
// 'saiz'/'saio' (ISO/IEC 23001-7 7.1): per sample an IV of Per_Sample_IV_Size bytes (from tenc or the sample's seig
// group; 0 with a constant IV) and, with flag 0x2, a subsample map.
import type { Box } from '../box.js';
import { bytesEqual, fromHex } from '../bytes.js';
import { PiffAlgorithm } from './piff-tenc.js';
import { Mp4ErrorCode, Mp4ParseError } from '../errors.js';
import { expectEnd, readFullBox } from '../full-box.js';
import type { ByteReader } from '../reader.js';

export const SENC_USE_SUBSAMPLES = 0x2;
const PIFF_OVERRIDE_TRACK_ENCRYPTION = 0x1;

/** The extended type of PIFF 1.1's SampleEncryptionBox ('uuid'), the layout senc was standardised from. */
export const PIFF_SENC_USER_TYPE = fromHex('a2394f525a9b4f14a2446c427c648df4');

/** Whether `box` is a senc, or a PIFF 1.1 SampleEncryptionBox (same layout, optional per-fragment overrides). */
export function isSampleEncryptionBox(box: Box): boolean {
  return (
    box.type === 'senc' || (box.type === 'uuid' && !!box.userType && bytesEqual(box.userType, PIFF_SENC_USER_TYPE))
  );
}

export interface Subsample {
  clearBytes: number;
  protectedBytes: number;
}

export interface SampleAuxInfo {
  /** Per-sample IV (8 or 16 bytes), empty when the sample uses a constant IV or is not protected. */
  iv: Uint8Array;
  /** Subsample map; undefined means the whole sample is protected. */
  subsamples: Subsample[] | undefined;
}

/** Reads one sample's auxiliary information: IV, then (when `withSubsamples`) subsample_count and the map. */
export function readAuxInfo(r: ByteReader, ivSize: number, withSubsamples: boolean): SampleAuxInfo {
  const iv = r.bytes(ivSize);
  if (!withSubsamples) return { iv, subsamples: undefined };
  const count = r.u16();
  if (count * 6 > r.remaining) {
    throw new Mp4ParseError(Mp4ErrorCode.TRUNCATED, `subsample_count ${count} exceeds the data`, r.path, { count });
  }
  // No entries: the whole sample is protected, as if there were no map (what Chromium's and Firefox's CDMs do).
  if (count === 0) return { iv, subsamples: undefined };
  const subsamples: Subsample[] = [];
  for (let i = 0; i < count; i++) subsamples.push({ clearBytes: r.u16(), protectedBytes: r.u32() });
  return { iv, subsamples };
}

export interface SencBox {
  flags: number;
  samples: SampleAuxInfo[];
  /** A PIFF 1.1 box's KID override for the fragment's samples (undefined for senc). */
  kid: Uint8Array | undefined;
  /** A PIFF 1.1 box's AlgorithmID override (PiffAlgorithm: 0 clear, 1 CTR, 2 CBC); undefined for senc. */
  algorithm: number | undefined;
}

/**
 * Parses senc (or its PIFF 1.1 'uuid' form). senc cannot be parsed alone: the IV size of each sample comes from tenc or its seig group, so the caller passes
 * `ivSizeOf(sampleIndex)` and the number of samples the track fragment's runs hold.
 */
export function parseSenc(box: Box, expectedCount: number, ivSizeOf: (i: number) => number): SencBox {
  const { flags, reader: r } = readFullBox(box, 0);
  let ivSize = ivSizeOf;
  let kid: Uint8Array | undefined;
  let algorithm: number | undefined;
  if (box.type === 'uuid' && flags & PIFF_OVERRIDE_TRACK_ENCRYPTION) {
    // PIFF 1.1 SampleEncryptionBox (5.3.2.1): AlgorithmID (24 bits), IV_size and KID override the track defaults
    // for this fragment's samples: AlgorithmID 0 leaves them clear, 1 is AES-CTR, 2 AES-CBC.
    algorithm = r.u24();
    if (algorithm > PiffAlgorithm.AES_CBC) {
      throw new Mp4ParseError(Mp4ErrorCode.UNSUPPORTED, `PIFF AlgorithmID ${algorithm}`, box.path, {
        field: 'AlgorithmID',
      });
    }
    const size = r.u8();
    if (size !== 0 && size !== 8 && size !== 16) {
      throw new Mp4ParseError(Mp4ErrorCode.BAD_VALUE, `PIFF IV_size ${size}`, box.path, { field: 'IV_size' });
    }
    kid = r.bytes(16);
    ivSize = (i) => (ivSizeOf(i) === 0 ? 0 : size);
  }
  const count = r.u32();
  if (count !== expectedCount) {
    throw new Mp4ParseError(
      Mp4ErrorCode.SIZE_MISMATCH,
      `senc sample_count ${count} but the track fragment has ${expectedCount} sample(s)`,
      box.path,
      { count, expected: expectedCount },
    );
  }
  const withSubsamples = (flags & SENC_USE_SUBSAMPLES) !== 0;
  const samples: SampleAuxInfo[] = [];
  for (let i = 0; i < count; i++) samples.push(readAuxInfo(r, ivSize(i), withSubsamples));
  // Bytes left over mean the IV size we were told does not match what was written.
  expectEnd(r, 'the last senc entry (IV size mismatch?)');
  return { flags, samples, kid, algorithm };
}
