import { ErrorLayer, SecureVideoError, type ErrorData } from '../errors/secure-video-error.js';

/**
 * Errors of the EME layer. Each carries a category, a numeric code documented once in docs/errors.md, and plain data
 * that helps a page or a support ticket: never key material, never a license body (a license holds keys).
 */

export const DrmErrorCategory = {
  /** The `drm` configuration cannot be used as given. */
  CONFIG: 'config',
  /** No key system could be obtained, or its MediaKeys could not be set up. */
  KEY_SYSTEM: 'key-system',
  /** A license exchange failed. */
  LICENSE: 'license',
  /** A MediaKeySession failed or was lost. */
  SESSION: 'session',
} as const;
export type DrmErrorCategory = (typeof DrmErrorCategory)[keyof typeof DrmErrorCategory];

/**
 * The codes of the DRM layer (5001-5099). What each means and what its data holds is documented once, with every
 * other layer's codes, in docs/errors.md (test/errors/codes.test.ts keeps the two in step).
 */
export const DrmErrorCode = {
  INVALID_CONFIG: 5001,
  NO_KEY_SYSTEM: 5002,
  MEDIA_KEYS_FAILED: 5003,
  INIT_DATA_REJECTED: 5010,
  SESSION_LOAD_FAILED: 5011,
  SESSION_INTERNAL_ERROR: 5012,
  SESSION_REMOVE_FAILED: 5013,
  NO_PLAYABLE_VARIANT: 5014,
  LICENSE_HTTP_ERROR: 5020,
  LICENSE_NETWORK_ERROR: 5021,
  LICENSE_TIMEOUT: 5022,
  LICENSE_REJECTED: 5023,
  NO_LICENSE_SOURCE: 5024,
  INLINE_KEYS_MISSING: 5025,
  FILTER_FAILED: 5026,
  RENEWAL_FAILED: 5027,
} as const;
export type DrmErrorCode = (typeof DrmErrorCode)[keyof typeof DrmErrorCode];

const CATEGORY_OF: Record<DrmErrorCode, DrmErrorCategory> = {
  5001: 'config',
  5002: 'key-system',
  5003: 'key-system',
  5010: 'session',
  5011: 'session',
  5012: 'session',
  5013: 'session',
  5014: 'session',
  5020: 'license',
  5021: 'license',
  5022: 'license',
  5023: 'license',
  5024: 'config',
  5025: 'config',
  5026: 'license',
  5027: 'license',
};

export type DrmErrorData = ErrorData;

export class DrmError extends SecureVideoError {
  override readonly name = 'DrmError';
  readonly layer = ErrorLayer.DRM;
  declare readonly code: DrmErrorCode;
  /** A finer grouping within the DRM layer (config, key system, license, session). */
  readonly category: DrmErrorCategory;

  constructor(code: DrmErrorCode, message: string, data: DrmErrorData = {}, options?: { cause?: unknown }) {
    super(code, message, data, options);
    this.category = CATEGORY_OF[code];
  }
}

/**
 * The name and message of an exception, for `reason` fields. CDM and fetch errors never carry keys; a license body is
 * never passed here.
 */
export function describeReason(error: unknown): string {
  if (error instanceof Error || error instanceof DOMException) return `${error.name}: ${error.message}`;
  return String(error);
}

/** True for the rejection an aborted run produces; such errors are dropped, never reported. */
export function isAbort(error: unknown, signal?: AbortSignal): boolean {
  if (signal?.aborted) return true;
  return (error instanceof DOMException || error instanceof Error) && error.name === 'AbortError';
}
