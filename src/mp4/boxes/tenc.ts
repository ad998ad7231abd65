// Track Encryption box, ISO/IEC 23001-7 8.2 ('tenc' in 'schi'): version 0, and version 1 with the crypt/skip pattern.
import type { Box } from '../box.js';
import { badValue, readFullBox } from '../full-box.js';
import type { ByteReader } from '../reader.js';

/** Default encryption parameters, shared by 'tenc' and the 'seig' sample group entry (ISO/IEC 23001-7 6). */
export interface EncryptionDefaults {
  isProtected: boolean;
  /** 0, 8 or 16. 0 means a constant IV is used (and `constantIv` is set) or, when not protected, no IV. */
  perSampleIvSize: number;
  kid: Uint8Array;
  /** 8 or 16 bytes, when perSampleIvSize is 0 on a protected track. */
  constantIv: Uint8Array | undefined;
  /** Pattern encryption (ISO/IEC 23001-7 9.6): 16-byte blocks encrypted, then left clear. 0/0 = no pattern. */
  cryptByteBlock: number;
  skipByteBlock: number;
}

/**
 * Reads the shared tail of 'tenc' and 'seig' (ISO/IEC 23001-7 8.2.2 and 6.2): the pattern byte (when `withPattern`),
 * isProtected, Per_Sample_IV_Size, KID and the optional constant IV. `r` is positioned at the pattern byte's
 * reserved predecessor.
 */
export function readEncryptionDefaults(r: ByteReader, withPattern: boolean): EncryptionDefaults {
  r.skip(1); // reserved
  const pattern = r.u8();
  const isProtected = r.u8();
  const perSampleIvSize = r.u8();
  const kid = r.bytes(16);
  if (isProtected > 1) throw badValue(r, 'isProtected', `isProtected ${isProtected}`);
  if (perSampleIvSize !== 0 && perSampleIvSize !== 8 && perSampleIvSize !== 16) {
    throw badValue(r, 'Per_Sample_IV_Size', `Per_Sample_IV_Size ${perSampleIvSize} (allowed: 0, 8, 16)`);
  }
  let constantIv: Uint8Array | undefined;
  if (isProtected === 1 && perSampleIvSize === 0) {
    const size = r.u8();
    if (size !== 8 && size !== 16) throw badValue(r, 'constant_IV_size', `constant_IV_size ${size} (allowed: 8, 16)`);
    constantIv = r.bytes(size);
  }
  return {
    isProtected: isProtected === 1,
    perSampleIvSize,
    kid,
    constantIv,
    cryptByteBlock: withPattern ? pattern >> 4 : 0,
    skipByteBlock: withPattern ? pattern & 0x0f : 0,
  };
}

export function parseTenc(box: Box): EncryptionDefaults {
  const { version, reader: r } = readFullBox(box, 1);
  return readEncryptionDefaults(r, version >= 1);
}
