import { ErrorLayer, SecureVideoError } from '../errors/secure-video-error.js';

/**
 * Errors of the bundled Clear Key CDM.
 *
 * Where an EME algorithm names an error (W3C EME 6, 7), the CDM rejects with exactly that: a TypeError or a
 * DOMException with the spec's name (NotSupportedError, InvalidStateError, InvalidAccessError, QuotaExceededError).
 * Failures the spec does not name (a corrupt stored session, a torn-down MediaKeys, an aborted key wait) are a
 * {@link CdmError} with one of the numeric codes below. No message or data ever holds key bytes.
 */
export const CdmErrorCode = {
  /** The MediaKeys was torn down (ClearKeyStore.close()) while waiting for a key (data: kidHex). */
  MEDIA_KEYS_CLOSED: 3201,
  /** waitForKey's AbortSignal fired before the key became usable (data: kidHex). */
  KEY_WAIT_ABORTED: 3202,
  /** A stored persistent-license record cannot be read back (data: sessionId, reason). */
  CORRUPT_SESSION_RECORD: 3203,
  /** IndexedDB is missing or failed (data: operation, name of the underlying error). */
  STORAGE_FAILED: 3204,
} as const;

export type CdmErrorCode = (typeof CdmErrorCode)[keyof typeof CdmErrorCode];

/** A CDM failure that the EME spec does not map to a DOMException name. */
export class CdmError extends SecureVideoError {
  readonly layer = ErrorLayer.CDM;
  declare readonly code: CdmErrorCode;
  /** Facts about the failure (KIDs in hex, session IDs, operation names); never key material. */
  declare readonly data: Readonly<Record<string, number | string>>;

  constructor(code: CdmErrorCode, message: string, data: Record<string, number | string> = {}) {
    super(code, message, data);
    this.name = 'CdmError';
  }
}

/** The DOMException names the EME algorithms use (and SecurityError, for a document with an opaque origin). */
export type EmeErrorName =
  | 'NotSupportedError'
  | 'InvalidStateError'
  | 'InvalidAccessError'
  | 'QuotaExceededError'
  | 'NotAllowedError'
  | 'SecurityError';

/**
 * A DOMException named as an EME algorithm step says ("return a promise rejected with ..."). WebIDL now has a
 * QuotaExceededError interface (a DOMException subclass with `quota` and `requested`, both null here) that replaces
 * DOMException's "QuotaExceededError" name; it is used where the browser has it, so the error is the one a native
 * API would throw.
 */
export function domError(name: EmeErrorName, message: string): DOMException {
  const QuotaExceeded = (globalThis as { QuotaExceededError?: new (message?: string) => DOMException })
    .QuotaExceededError;
  if (name === 'QuotaExceededError' && typeof QuotaExceeded === 'function') return new QuotaExceeded(message);
  return new DOMException(message, name);
}

/** A promise rejected with a DOMException named by the spec. */
export function rejectDom<T = never>(name: EmeErrorName, message: string): Promise<T> {
  return Promise.reject(domError(name, message));
}

/** A promise rejected with a newly created TypeError, as the spec's "rejected with a newly created TypeError". */
export function rejectType<T = never>(message: string): Promise<T> {
  return Promise.reject(new TypeError(message));
}
