/**
 * The one error model: every typed error of this library is a {@link SecureVideoError} with the layer it comes from,
 * a numeric code in that layer's range, plain data and, when something underneath failed, that as `cause` (the
 * shape shaka-player's errors have: a category, a numeric code, one table). Every code is listed once, with what its
 * data holds, in docs/errors.md; test/errors/codes.test.ts keeps that table and the code constants in step.
 *
 * This module imports nothing, so that every layer (mp4, crypto, cenc, cdm, eme, streaming, element) can build on it
 * without an import pointing upwards.
 */

/** The layer an error comes from; each layer has its own code range. */
export const ErrorLayer = {
  /** Loading and playback (PlaybackError): 1-99, MediaError's codes 1-4 and our own above them. */
  PLAYBACK: 'playback',
  /** ISO-BMFF parsing and rewriting (Mp4ParseError): 3001-3099. */
  MP4: 'mp4',
  /** Sample decryption (CryptoError, MissingKeyError): 3101-3199. */
  CRYPTO: 'crypto',
  /** The bundled Clear Key CDM, where EME names no DOMException (CdmError): 3201-3299. */
  CDM: 'cdm',
  /** The EME layer: key systems, licenses, sessions (DrmError): 5001-5099. */
  DRM: 'drm',
} as const;
export type ErrorLayer = (typeof ErrorLayer)[keyof typeof ErrorLayer];

/**
 * A value of an error's `data`: text, numbers and lists or records of them. Binary values (ArrayBuffer, typed
 * arrays) do not fit the type, so key bytes cannot land in `data` by accident; KIDs go in as hex text.
 */
export type ErrorDatum =
  string | number | boolean | null | undefined | readonly ErrorDatum[] | { readonly [field: string]: ErrorDatum };

/** Facts about a failure for a page or a support ticket (KIDs in hex, box paths, HTTP statuses); never key material. */
export type ErrorData = Readonly<Record<string, ErrorDatum>>;

/**
 * The base of every typed error here. `instanceof` the subclass (PlaybackError, DrmError, Mp4ParseError,
 * CryptoError, MissingKeyError, CdmError) tells the kind; `layer` and `code` say the same as data, for logs and
 * support tickets. Messages and data never hold key material.
 */
export abstract class SecureVideoError extends Error {
  /** The layer the error comes from; its code lies in that layer's range (see {@link ErrorLayer}). */
  abstract readonly layer: ErrorLayer;
  readonly code: number;
  readonly data: ErrorData;

  constructor(code: number, message: string, data: ErrorData = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.data = data;
  }
}
