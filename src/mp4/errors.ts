import { ErrorLayer, SecureVideoError } from '../errors/secure-video-error.js';

/**
 * Error codes for ISO-BMFF (ISO/IEC 14496-12) parsing and rewriting. Every failure caused by the input bytes is an
 * {@link Mp4ParseError} carrying one of these codes and the path of the box where it was found.
 */
export const Mp4ErrorCode = {
  /** A read or a declared structure (box header, table, sample data) runs past the end of the bytes it lives in. */
  TRUNCATED: 3001,
  /** A box size is smaller than its own header or larger than the space its parent leaves for it. */
  BAD_SIZE: 3002,
  /** Boxes nest deeper than the walker allows (self-referencing or hostile input). */
  TOO_DEEP: 3003,
  /** A field holds a value the specification forbids or that contradicts another field (data: the field name). */
  BAD_VALUE: 3004,
  /** A box the structure requires is absent (boxPath: where it was expected). */
  MISSING_BOX: 3005,
  /** Valid input this library does not handle (e.g. an unknown protection scheme, a box version from the future). */
  UNSUPPORTED: 3006,
  /** Sizes that must agree do not: subsample sums vs sample size, per-sample IV size vs tenc/seig, sample data vs mdat. */
  SIZE_MISMATCH: 3007,
  /** A 64-bit integer above Number.MAX_SAFE_INTEGER (2^53 - 1), which a JavaScript number cannot hold exactly. */
  INTEGER_OVERFLOW: 3008,
} as const;

export type Mp4ErrorCode = (typeof Mp4ErrorCode)[keyof typeof Mp4ErrorCode];

/** Thrown for bad ISO-BMFF input; `boxPath` names the box, e.g. 'moof/traf/senc' ('' for the top level). */
export class Mp4ParseError extends SecureVideoError {
  readonly layer = ErrorLayer.MP4;
  declare readonly code: Mp4ErrorCode;
  readonly boxPath: string;
  /** Extra facts about the failure (field names, offsets, counts); never key material. */
  declare readonly data: Readonly<Record<string, number | string>>;

  constructor(code: Mp4ErrorCode, message: string, boxPath: string, data: Record<string, number | string> = {}) {
    super(code, `${message}${boxPath ? ` (at ${boxPath})` : ''}`, data);
    this.name = 'Mp4ParseError';
    this.boxPath = boxPath;
  }
}
