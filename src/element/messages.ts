/**
 * Every text the element shows, in English. Pages localise by setting the `messages` property to a
 * partial object of the same shape; a named slot replaces an overlay's message with markup of the page's own.
 * `{current}` and `{duration}` in `seekValue` and `time` are replaced with formatted times.
 */
export const defaultMessages = {
  /** Shown when the manifest or its media cannot be loaded or played. */
  loadFailed: 'This video could not be loaded.',
  /** Label of the button that tries the load again. */
  retry: 'Try again',
  /** A license request is in flight. */
  acquiringLicense: 'Getting a license for this video…',
  /** Playback waits for a key that no license has provided. */
  waitingForKey: 'Waiting for a decryption key…',
  /** The license expired (and was not renewed). */
  licenseExpired: 'The license for this video has expired.',
  /** The keys may not be used on this output (display, connection). */
  outputRestricted: 'This video cannot be played on this display.',
  /** The license server refused the request (HTTP 401 or 403). */
  notAuthorized: 'You are not authorised to watch this video.',
  /** The license server could not be reached (network error, timeout, or server error after retries). */
  licenseServerUnreachable: 'The license server cannot be reached.',
  /** Playback stopped making progress and did not recover (see the element's `stallTimeout`). */
  stalled: 'Playback stopped and could not resume.',
  /** No key system can decrypt the content, or the browser cannot play it. */
  unsupported: 'This video is not supported in this browser.',
  /** Label of the group of built-in controls. */
  controls: 'Video controls',
  play: 'Play',
  pause: 'Pause',
  mute: 'Mute',
  unmute: 'Unmute',
  volume: 'Volume',
  seek: 'Seek',
  /** The seek bar's spoken value. */
  seekValue: '{current} of {duration}',
  /** The visible time display. */
  time: '{current} / {duration}',
  enterFullscreen: 'Full screen',
  exitFullscreen: 'Exit full screen',
  enterPictureInPicture: 'Picture in picture',
  exitPictureInPicture: 'Exit picture in picture',
} as const;

export type SecureVideoMessages = { [K in keyof typeof defaultMessages]: string };
