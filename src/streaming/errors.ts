import { ErrorLayer, SecureVideoError } from '../errors/secure-video-error.js';
import { isShakaError } from './shaka-types.js';

/**
 * Numeric codes of playback (non-DRM) failures, compatible with MediaError's codes so that control UIs
 * that read `media.error.code` (e.g. media-chrome) understand them.
 */
export const PlaybackErrorCode = {
  /** The load was aborted (superseded by another src, or the element went away). */
  ABORTED: 1,
  /** A manifest or segment could not be fetched (HTTP error, network down, timeout). data: HTTP status if any. */
  NETWORK: 2,
  /** The media could not be decoded or appended. */
  DECODE: 3,
  /** The manifest could not be parsed, or nothing in it is playable in this browser. */
  SRC_NOT_SUPPORTED: 4,
  /**
   * Playback that should progress (not paused, ended or seeking, not waiting for a key or a license) made none for
   * the element's `stallTimeout`, after shaka's own stall recovery and a streaming retry: the browser dropped its
   * source without an error, or a segment never came. Not a MediaError code (those are 1-4; 5 was
   * MEDIA_ERR_ENCRYPTED in early EME drafts). The message gives the media time and readyState it stopped at.
   */
  STALLED: 6,
} as const;
export type PlaybackErrorCode = (typeof PlaybackErrorCode)[keyof typeof PlaybackErrorCode];

/** What a PlaybackError's `data` holds (each field only when known). */
export interface PlaybackErrorData {
  readonly [field: string]: string | number | undefined;
  /** shaka-player's numeric error code, when shaka reported the failure. */
  readonly shakaCode?: number;
  /**
   * The code of the typed error that caused it (`cause`): e.g. 3007 (Mp4ParseError SIZE_MISMATCH) for a damaged
   * segment, 3101 (MissingKeyError), 5002 (DrmError NO_KEY_SYSTEM). See docs/errors.md.
   */
  readonly causeCode?: number;
  /** The layer of `cause` ('mp4', 'crypto', 'cdm', 'drm'). */
  readonly causeLayer?: string;
}

/**
 * A playback failure: what a page would see in `element.error` and in the 'error' event. `code` stays a
 * MediaError-compatible code (a decrypt failure is DECODE, 3) so that control UIs keep understanding it; when a typed
 * error of a lower layer caused it (a malformed segment, a missing key, a failed decryption, no key system),
 * that error is `cause` and its code and layer are `data.causeCode` and `data.causeLayer`.
 */
export class PlaybackError extends SecureVideoError {
  override readonly name = 'PlaybackError';
  readonly layer = ErrorLayer.PLAYBACK;
  declare readonly code: PlaybackErrorCode;
  declare readonly data: PlaybackErrorData;

  constructor(
    code: PlaybackErrorCode,
    message: string,
    /** shaka-player's numeric error code, when the failure came from shaka (see shaka.util.Error.Code). */
    readonly shakaCode?: number,
    /** The typed error underneath (an Mp4ParseError, CryptoError, DrmError...), when there is one. */
    options?: { cause?: unknown },
  ) {
    const cause = options?.cause;
    const data: Record<string, string | number> = {};
    if (shakaCode !== undefined) data['shakaCode'] = shakaCode;
    if (cause instanceof SecureVideoError) {
      data['causeCode'] = cause.code;
      data['causeLayer'] = cause.layer;
    }
    super(code, message, data, options);
  }

  static from(e: unknown): PlaybackError {
    if (e instanceof PlaybackError) return e;
    if (isShakaError(e)) {
      // 1006 REQUEST_FILTER_ERROR / 1007 RESPONSE_FILTER_ERROR: data[0] is what our segment filter threw
      // (malformed segment, failed decryption, no key system): surface that rather than shaka's wrapper.
      const inner = e.data[0];
      if ((e.code === 1006 || e.code === 1007) && inner instanceof Error) {
        return new PlaybackError(PlaybackErrorCode.DECODE, inner.message, e.code, { cause: inner });
      }
      // shaka.util.Error.Category: 1 NETWORK, 2 TEXT, 3 MEDIA, 4 MANIFEST, 5 STREAMING, 6 DRM, 7 PLAYER, 8 CAST, 9 STORAGE
      const code =
        e.category === 1
          ? PlaybackErrorCode.NETWORK
          : e.category === 3
            ? PlaybackErrorCode.DECODE
            : e.category === 7 && e.code === 7000
              ? PlaybackErrorCode.ABORTED
              : PlaybackErrorCode.SRC_NOT_SUPPORTED;
      return new PlaybackError(code, describeShakaError(e), e.code);
    }
    const message = e instanceof Error ? e.message : String(e);
    return new PlaybackError(PlaybackErrorCode.SRC_NOT_SUPPORTED, message);
  }
}

function describeShakaError(e: { category: number; code: number; data: unknown[] }): string {
  // 1001 BAD_HTTP_STATUS: data = [uri, status, ...]; 1002 HTTP_ERROR; 1003 TIMEOUT.
  if (e.code === 1001) return `The server answered HTTP ${String(e.data[1])} for ${String(e.data[0])}`;
  if (e.code === 1002) return `The request for ${String(e.data[0])} failed (network error)`;
  if (e.code === 1003) return `The request for ${String(e.data[0])} timed out`;
  if (e.code === 7000) return 'The load was interrupted by another load or by teardown';
  return `shaka-player error ${e.code} (category ${e.category})`;
}
