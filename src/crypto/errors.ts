import { ErrorLayer, SecureVideoError } from '../errors/secure-video-error.js';

/** Error codes of the decryption layer (ISO/IEC 23001-7 sample decryption). Parse failures are Mp4ParseError. */
export const CryptoErrorCode = {
  /** No usable key for a KID (MissingKeyError; data: kidHex). */
  MISSING_KEY: 3101,
  /** A key the lookup returned is not 16 bytes (data: kidHex, length). */
  BAD_KEY: 3102,
  /** WebCrypto rejected the operation (data: mode, the cipher mode). */
  DECRYPT_FAILED: 3103,
  /** A protection scheme other than cenc, cens, cbc1 or cbcs (data: scheme). */
  UNSUPPORTED_SCHEME: 3104,
} as const;

export type CryptoErrorCode = (typeof CryptoErrorCode)[keyof typeof CryptoErrorCode];

/** A decryption failure (MissingKeyError, a subclass, for a missing key). Never carries key bytes. */
export class CryptoError extends SecureVideoError {
  readonly layer = ErrorLayer.CRYPTO;
  declare readonly code: CryptoErrorCode;
  declare readonly data: Readonly<Record<string, number | string>>;

  constructor(code: CryptoErrorCode, message: string, data: Record<string, number | string> = {}) {
    super(code, message, data);
    this.name = 'CryptoError';
  }
}

/** WebCrypto's rejection as a CryptoError: its name only (OperationError...), never data or keys. */
export function decryptFailed(mode: string, e: unknown): CryptoError {
  const name = e instanceof Error ? e.name : 'Error';
  return new CryptoError(CryptoErrorCode.DECRYPT_FAILED, `${mode} decryption failed: ${name}`, { mode });
}
