// PIFF 1.1 TrackEncryptionBox (Protected Interoperable File Format 1.1, 5.3.2): a 'uuid' box with extended type
// 8974dbce-7be7-4c51-84f9-7148f9882554 in 'schi', the layout 'tenc' (ISO/IEC 23001-7 8.2) was standardised from:
// default_AlgorithmID (24 bits), default_IV_size (8 bits), default_KID (16 bytes). Fixed size: 4 + 24 bytes.
import type { Box } from '../box.js';
import { bytesEqual, fromHex } from '../bytes.js';
import { expectEnd } from '../full-box.js';
import { Mp4ErrorCode, Mp4ParseError } from '../errors.js';
import { ByteReader } from '../reader.js';
import type { EncryptionDefaults } from './tenc.js';

export const PIFF_TENC_USER_TYPE = fromHex('8974dbce7be74c5184f97148f9882554');

/** PIFF AlgorithmID values (PIFF 1.1 5.3.2): 0 not encrypted, 1 AES-128 CTR, 2 AES-128 CBC. */
export const PiffAlgorithm = { NONE: 0, AES_CTR: 1, AES_CBC: 2 } as const;

export function isPiffTenc(box: Box): boolean {
  return box.type === 'uuid' && !!box.userType && bytesEqual(box.userType, PIFF_TENC_USER_TYPE);
}

export interface PiffTencBox extends EncryptionDefaults {
  algorithm: number;
}

export function parsePiffTenc(box: Box): PiffTencBox {
  const r = new ByteReader(box.payload, box.path);
  const version = r.u8();
  r.u24();
  if (version !== 0) {
    throw new Mp4ParseError(Mp4ErrorCode.UNSUPPORTED, `PIFF TrackEncryptionBox version ${version}`, box.path, {
      version,
    });
  }
  const algorithm = r.u24();
  const ivSize = r.u8();
  const kid = r.bytes(16);
  expectEnd(r, 'the PIFF TrackEncryptionBox');
  if (algorithm > PiffAlgorithm.AES_CBC) {
    throw new Mp4ParseError(Mp4ErrorCode.UNSUPPORTED, `PIFF AlgorithmID ${algorithm}`, box.path, {
      field: 'AlgorithmID',
    });
  }
  // A protected track carries its IVs per sample: 8 or 16 bytes (PIFF has no constant IV).
  if (algorithm !== PiffAlgorithm.NONE && ivSize !== 8 && ivSize !== 16) {
    throw new Mp4ParseError(Mp4ErrorCode.BAD_VALUE, `PIFF default_IV_size ${ivSize}`, box.path, { field: 'IV_size' });
  }
  return {
    algorithm,
    isProtected: algorithm !== PiffAlgorithm.NONE,
    perSampleIvSize: algorithm === PiffAlgorithm.NONE ? 0 : ivSize,
    kid,
    constantIv: undefined,
    cryptByteBlock: 0,
    skipByteBlock: 0,
  };
}
