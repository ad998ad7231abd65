/**
 * Errors of the EME layer. Each carries a category, a numeric code documented once below, and plain data that helps
 * a page or a support ticket: never key material, never a license body (a license holds keys).
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
 * | code | name                  | meaning                                                        | data                                   |
 * |------|-----------------------|----------------------------------------------------------------|----------------------------------------|
 * | 5001 | INVALID_CONFIG        | the config is unusable (no key systems, bad inline key, ...)    | `{ field }`                             |
 * | 5002 | NO_KEY_SYSTEM         | no configured key system granted access (per `fallback`)        | `{ tried: [{ keySystem, cdm, reason }] }` |
 * | 5003 | MEDIA_KEYS_FAILED     | createMediaKeys, setServerCertificate or setMediaKeys failed    | `{ keySystem, cdm, step, reason }`      |
 * | 5010 | INIT_DATA_REJECTED    | createSession/generateRequest rejected the init data            | `{ initDataType, reason }`              |
 * | 5011 | SESSION_LOAD_FAILED   | load() of a persistent session failed or found nothing          | `{ sessionId, reason }`                 |
 * | 5012 | SESSION_INTERNAL_ERROR| a session closed with 'internal-error'                          | `{ sessionId }`                         |
 * | 5013 | SESSION_REMOVE_FAILED | remove() of a persistent session failed                         | `{ sessionId, reason }`                 |
 * | 5014 | NO_PLAYABLE_VARIANT   | restricted keys ('output-restricted', 'internal-error') rule out every variant; cleared when one is usable again | `{ kids }` (the restricted KIDs, hex) |
 * | 5020 | LICENSE_HTTP_ERROR    | the license server answered an HTTP error (after retries)       | `{ url, status, messageType, attempts }` |
 * | 5021 | LICENSE_NETWORK_ERROR | the license request did not reach the server (after retries)    | `{ url, messageType, attempts, reason }` |
 * | 5022 | LICENSE_TIMEOUT       | no answer within `license.timeoutMs` (after retries)            | `{ url, messageType, attempts, timeoutMs }` |
 * | 5023 | LICENSE_REJECTED      | the CDM refused the license (session.update rejected)           | `{ messageType, sessionId, reason }`    |
 * | 5024 | NO_LICENSE_SOURCE     | neither inline `clearKeys` nor a `licenseUrl` for a message     | `{ keySystem, messageType }`            |
 * | 5025 | INLINE_KEYS_MISSING   | inline `clearKeys` hold none of the requested KIDs              | `{ kids }` (KID hex, public)             |
 * | 5026 | FILTER_FAILED         | a `requestFilter` or `responseFilter` threw                     | `{ filter, reason }`                    |
 * | 5027 | RENEWAL_FAILED        | renewing an expired license failed (the cause is `cause`)       | `{ sessionId, kids }`                   |
 *
 * `reason` is the name and message of the underlying exception (DOMException / TypeError from the CDM or fetch).
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

export type DrmErrorData = Readonly<Record<string, unknown>>;

export class DrmError extends Error {
  override readonly name = 'DrmError';
  readonly category: DrmErrorCategory;

  constructor(
    readonly code: DrmErrorCode,
    message: string,
    readonly data: DrmErrorData = {},
    options?: { cause?: unknown },
  ) {
    super(message, options);
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
