/**
 * The element's overlays: which one shows for the element's playback and DRM state, and how each is presented. The
 * element renders every row of {@link OVERLAYS} (hidden unless it is the current one), so each overlay is a live
 * region that exists before its text does: assistive technology announces the text when it appears.
 */
import { DrmError, DrmErrorCode } from '../../eme/errors.js';
import type { DrmState } from '../../eme/key-status.js';
import { PlaybackError, PlaybackErrorCode } from '../../streaming/errors.js';
import type { SecureVideoMessages } from '../messages.js';

/** The overlay shown. Reflected as the element's `overlay` attribute. */
export const Overlay = {
  NONE: 'none',
  /** A license request is in flight (`drmState` pending). */
  ACQUIRING: 'acquiring',
  /** Playback waits for a key ('waitingforkey') and no license request is in flight. */
  WAITING_FOR_KEY: 'waiting-for-key',
  /** `drmState` expired, or renewing an expired license failed. */
  EXPIRED: 'expired',
  /** `drmState` output-restricted. */
  OUTPUT_RESTRICTED: 'output-restricted',
  /** The license server answered 401 or 403. */
  UNAUTHORIZED: 'unauthorized',
  /** The license server was unreachable: network error, timeout, or HTTP 5xx, after the retries. */
  UNREACHABLE: 'unreachable',
  /** No key system for the content, or nothing in the source is playable here. */
  UNSUPPORTED: 'unsupported',
  /** Playback stopped making progress and did not recover (`error` is a STALLED PlaybackError). */
  STALLED: 'stalled',
  /** Any other failure to load or play. */
  ERROR: 'error',
} as const;
export type Overlay = (typeof Overlay)[keyof typeof Overlay];

export interface OverlaySpec {
  /** The text shown (and announced), a key of the element's messages. */
  message: keyof SecureVideoMessages;
  /** The slot whose content replaces the message. Also the overlay's second part name. */
  slot: Exclude<Overlay, 'none'>;
  /** 'status' (polite: things in progress) or 'alert' (assertive: playback cannot go on). */
  role: 'status' | 'alert';
  /** Whether it has a retry button (reloads `src`). */
  retry: boolean;
  /** Whether it covers the video (a failure) or sits over it as a banner (in progress). */
  blocking: boolean;
}

/** One row per overlay, in no particular order (precedence is {@link overlayFor}'s). */
export const OVERLAYS: Record<Exclude<Overlay, 'none'>, OverlaySpec> = {
  acquiring: { message: 'acquiringLicense', slot: 'acquiring', role: 'status', retry: false, blocking: false },
  'waiting-for-key': {
    message: 'waitingForKey',
    slot: 'waiting-for-key',
    role: 'status',
    retry: false,
    blocking: false,
  },
  expired: { message: 'licenseExpired', slot: 'expired', role: 'alert', retry: true, blocking: true },
  'output-restricted': {
    message: 'outputRestricted',
    slot: 'output-restricted',
    role: 'alert',
    retry: false,
    blocking: true,
  },
  unauthorized: { message: 'notAuthorized', slot: 'unauthorized', role: 'alert', retry: false, blocking: true },
  unreachable: { message: 'licenseServerUnreachable', slot: 'unreachable', role: 'alert', retry: true, blocking: true },
  unsupported: { message: 'unsupported', slot: 'unsupported', role: 'alert', retry: false, blocking: true },
  stalled: { message: 'stalled', slot: 'stalled', role: 'alert', retry: true, blocking: true },
  error: { message: 'loadFailed', slot: 'error', role: 'alert', retry: false, blocking: true },
};

/** HTTP statuses of a failed license request: 401/403 refuse this viewer, 5xx (after retries) is an outage. */
function overlayForHttpStatus(error: DrmError): Overlay {
  const status = Number(error.data['status']);
  if (status === 401 || status === 403) return Overlay.UNAUTHORIZED;
  return status >= 500 ? Overlay.UNREACHABLE : Overlay.ERROR;
}

/** DRM failures (codes of src/eme/errors.ts) with an overlay of their own; any other code shows `error`. */
const DRM_ERROR_OVERLAYS: Partial<Record<DrmErrorCode, Overlay | ((error: DrmError) => Overlay)>> = {
  [DrmErrorCode.LICENSE_HTTP_ERROR]: overlayForHttpStatus,
  [DrmErrorCode.LICENSE_NETWORK_ERROR]: Overlay.UNREACHABLE,
  [DrmErrorCode.LICENSE_TIMEOUT]: Overlay.UNREACHABLE,
  [DrmErrorCode.NO_KEY_SYSTEM]: Overlay.UNSUPPORTED,
  // The keys are expired for good: that is what the viewer needs to know, whatever stopped the renewal.
  [DrmErrorCode.RENEWAL_FAILED]: Overlay.EXPIRED,
  [DrmErrorCode.NO_PLAYABLE_VARIANT]: Overlay.OUTPUT_RESTRICTED,
};

/** Which overlay a DRM failure shows. */
export function overlayForDrmError(error: DrmError): Overlay {
  const entry = DRM_ERROR_OVERLAYS[error.code] ?? Overlay.ERROR;
  return typeof entry === 'function' ? entry(error) : entry;
}

export interface OverlayInputs {
  /** The element failed to load or play (`status` error): `error`. */
  error: PlaybackError | MediaError | null;
  drmState: DrmState;
  drmError: DrmError | null;
  /** A license request is in flight. */
  licensePending: boolean;
  /** 'waitingforkey' fired and playback has not resumed since. */
  waitingForKey: boolean;
}

/**
 * The overlay for a state. Precedence: a DRM failure (it says why more precisely than the playback failure it
 * usually causes), a playback failure, expired and restricted keys, a license in flight, a wait for a key.
 */
export function overlayFor({ error, drmState, drmError, licensePending, waitingForKey }: OverlayInputs): Overlay {
  const drmCause = drmError ?? (error instanceof PlaybackError && error.cause instanceof DrmError ? error.cause : null);
  if (drmCause) return overlayForDrmError(drmCause);
  if (error) {
    // PlaybackErrorCode follows MediaError's codes: 4 is MEDIA_ERR_SRC_NOT_SUPPORTED for both.
    if (error.code === PlaybackErrorCode.SRC_NOT_SUPPORTED) return Overlay.UNSUPPORTED;
    // STALLED is ours alone (MediaError has no 6).
    return error instanceof PlaybackError && error.code === PlaybackErrorCode.STALLED ? Overlay.STALLED : Overlay.ERROR;
  }
  if (drmState === 'expired') return Overlay.EXPIRED;
  if (drmState === 'output-restricted') return Overlay.OUTPUT_RESTRICTED;
  if (drmState === 'error') return Overlay.ERROR;
  if (drmState === 'pending' && licensePending) return Overlay.ACQUIRING;
  if (waitingForKey) return Overlay.WAITING_FOR_KEY;
  return Overlay.NONE;
}
