import { toHex } from '../mp4/bytes.js';
import { CryptoError, CryptoErrorCode } from './errors.js';

/**
 * Where the decryptor gets keys: given a 16-byte KID, the 16-byte raw AES key, or undefined when no usable key is
 * known. May be async (e.g. waiting for a license).
 */
export type KeyLookup = (kid: Uint8Array) => Uint8Array | undefined | Promise<Uint8Array | undefined>;

/** No usable key for a KID a sample needs: CryptoError MISSING_KEY. Names the KID (data.kidHex), never any key. */
export class MissingKeyError extends CryptoError {
  declare readonly code: typeof CryptoErrorCode.MISSING_KEY;
  readonly kid: Uint8Array;
  readonly kidHex: string;

  constructor(kid: Uint8Array) {
    const kidHex = toHex(kid);
    super(CryptoErrorCode.MISSING_KEY, `No usable key for KID ${kidHex}`, { kidHex });
    this.name = 'MissingKeyError';
    this.kid = kid.slice();
    this.kidHex = kidHex;
  }
}

/** The key of `kid` as the cipher takes it: MissingKeyError when there is none, CryptoError when it is not 16 bytes. */
export function checkKey(kid: Uint8Array, key: Uint8Array | undefined): Uint8Array {
  if (!key) throw new MissingKeyError(kid);
  if (!(key instanceof Uint8Array) || key.length !== 16) {
    throw new CryptoError(CryptoErrorCode.BAD_KEY, `Key for KID ${toHex(kid)} is not 16 bytes`, { kidHex: toHex(kid) });
  }
  return key;
}
