import { LitElement, html, nothing } from 'lit';
import type { PropertyValues } from 'lit';
import { DEFAULT_STALL_TIMEOUT_MS, StreamingSession } from '../streaming/streaming-session.js';
import type { DrmHooks } from '../streaming/segment-filter.js';
import { PlaybackError } from '../streaming/errors.js';
import { coreThread, type CoreThread } from '../cenc/index.js';
import { EmeController } from '../eme/eme-controller.js';
import type { EmeControllerOptions } from '../eme/eme-controller.js';
import { DrmError, DrmErrorCode } from '../eme/errors.js';
import { keyIdsInitData } from '../eme/init-data.js';
import type { DrmState } from '../eme/key-status.js';
import type { KeyStatus } from '../eme/key-status.js';
import { isRestricted } from '../eme/key-status.js';
import type { KeyStatusesDetail } from '../eme/events.js';
import type { CdmKind, DrmConfig, Fallback } from '../eme/key-system-config.js';
import type { DrmEventMap } from '../eme/events.js';
import { diagnostics } from '../eme/diagnostics.js';
import type { Diagnostics } from '../eme/diagnostics.js';
import { MEDIA_EVENTS, cloneMediaEvent } from './media-events.js';
import { defaultMessages } from './messages.js';
import type { SecureVideoMessages } from './messages.js';
import { styles } from './styles.js';
import { CONTROL_EVENTS, renderControls } from './ui/controls.js';
import { Overlay, OVERLAYS, overlayFor } from './ui/overlays.js';
import type { OverlaySpec } from './ui/overlays.js';

/** Where the element is in loading its `src`. Reflected as the `status` attribute. */
export const LoadStatus = {
  /** No src. */
  EMPTY: 'empty',
  /** The manifest is loading (shaka is being fetched, the manifest parsed, the first segments buffered). */
  LOADING: 'loading',
  /** The manifest is loaded; playback is up to the media element. */
  LOADED: 'loaded',
  /** Loading or playback failed: see `error`. */
  ERROR: 'error',
} as const;
export type LoadStatus = (typeof LoadStatus)[keyof typeof LoadStatus];

/**
 * Plays DASH and HLS (CMAF) through shaka-player, with the media element API of a <video>, and shows what the DRM
 * layer is doing: an overlay per state (license in flight, waiting for a key, expired, output restricted, not
 * authorised, license server unreachable, unsupported, load failure) and, with `controls`, built-in controls.
 *
 * @element secure-video
 *
 * @attr {string} src - Manifest URL (DASH .mpd or HLS .m3u8). Changing it tears down the previous load.
 * @attr {boolean} autoplay - As on <video>.
 * @attr {boolean} muted - Initial muted state (the `defaultMuted` of <video>).
 * @attr {boolean} loop - As on <video>.
 * @attr {boolean} controls - Shows the built-in controls (play/pause, seek bar, time, mute, volume, picture in picture where supported, full screen).
 * @attr {string} poster - As on <video>.
 * @attr {string} preload - As on <video>: none | metadata | auto.
 * @attr {string} crossorigin - As on <video>: anonymous | use-credentials.
 * @attr {boolean} playsinline - As on <video>.
 * @attr {string} status - Read-only, reflected: empty | loading | loaded | error.
 * @attr {string} license-url - Clear Key (or `key-system`) license server URL, when `drm` sets none.
 * @attr {string} key-system - The key system `license-url` is for. Default org.w3.clearkey.
 * @attr {string} fallback - auto | always | never: native or bundled Clear Key, when `drm.fallback` is unset. Default auto.
 * @attr {string} drm-state - Read-only, reflected: none | pending | usable | expired | output-restricted | error.
 * @attr {string} overlay - Read-only, reflected: the overlay shown: none | acquiring | waiting-for-key | expired | output-restricted | unauthorized | unreachable | unsupported | stalled | error.
 * @attr {number} stall-timeout - How long playback that should progress may make no progress before it fails with a STALLED error, in ms (0: never). Default 10000.
 *
 * @prop {DrmConfig | null} drm - DRM configuration (property only): key systems, fallback, license options. Reloads `src`.
 * @prop {Partial<SecureVideoMessages>} messages - Texts that replace the English defaults (see messages.ts), e.g. to localise.
 * @prop {DrmState} drmState - Read-only: none | pending | usable | expired | output-restricted | error.
 * @prop {'native' | 'bundled' | null} cdm - Read-only: which CDM decrypts.
 * @prop {'worker' | 'main' | null} decryptThread - Read-only: where the page's decrypt core parses and decrypts protected media segments: 'worker' (one dedicated Worker for every element of the page), 'main' (no Worker, or the page's CSP forbids it), or null before the first one.
 * @prop {ReadonlyMap<string, KeyStatus>} keyStatuses - Read-only: KID hex -> key status, across sessions.
 * @prop {DrmError | null} drmError - Read-only: the DRM failure ({ category, code, message, data }), or null.
 * @prop {string[]} persistentSessionIds - Read-only: IDs of the open 'persistent-license' sessions (with `drm.sessionType: 'persistent-license'`), to store and pass to `loadSession()` in a later visit.
 * @prop {PlaybackError | MediaError | null} error - Read-only: why loading or playback failed, or null.
 * @prop {Overlay} overlay - Read-only: the overlay shown (as the `overlay` attribute).
 * @prop {HTMLVideoElement} media - Read-only: the inner <video>.
 *
 * @fires error - Loading or playback failed; `element.error` says why.
 * @fires statuschange - `status` changed (an Event; read `element.status`).
 * @fires overlaychange - The overlay shown changed (an Event; read `element.overlay`).
 * @fires license-request - A license request is about to be sent (CustomEvent<LicenseRequestDetail>; no body, no keys).
 * @fires license-response - A license arrived (CustomEvent<LicenseResponseDetail>; no keys).
 * @fires keystatuseschange - Key statuses changed (CustomEvent<KeyStatusesDetail>).
 * @fires drmstatechange - `drmState` changed (CustomEvent<DrmStateDetail>).
 * @fires drmerror - A DRM failure (CustomEvent<DrmErrorDetail>); `drmError` holds it too.
 * @fires waitingforkey - Playback waits for a key no session has yet (native and bundled CDM alike).
 * @fires encrypted - The media announced init data (a MediaEncryptedEvent, native path).
 * @fires loadstart - And every other HTMLMediaElement event of the inner video, re-dispatched from the host.
 *
 * @slot acquiring - Replaces the message shown while a license request is in flight.
 * @slot waiting-for-key - Replaces the message shown while playback waits for a key.
 * @slot expired - Replaces the message shown when the license expired.
 * @slot output-restricted - Replaces the message shown when the keys may not be used on this output.
 * @slot unauthorized - Replaces the message shown when the license server answers 401 or 403.
 * @slot unreachable - Replaces the message shown when the license server cannot be reached.
 * @slot unsupported - Replaces the message shown when the content cannot be decrypted or played in this browser.
 * @slot stalled - Replaces the message shown when playback stopped making progress (see `stallTimeout`).
 * @slot error - Replaces the message shown when loading fails.
 * @slot play-icon - Replaces the icon of the play button (shown while paused). Icons are SVG in currentColor by default.
 * @slot pause-icon - Replaces the icon of the pause button (shown while playing).
 * @slot muted-icon - Replaces the icon of the mute button while muted (the button unmutes).
 * @slot unmuted-icon - Replaces the icon of the mute button while not muted (the button mutes).
 * @slot pip-icon - Replaces the icon of the picture-in-picture button.
 * @slot fullscreen-enter-icon - Replaces the icon of the full-screen button outside full screen.
 * @slot fullscreen-exit-icon - Replaces the icon of the full-screen button in full screen.
 *
 * @csspart video - The inner <video>.
 * @csspart overlay - Every message overlay.
 * @csspart acquiring - The overlay shown while a license request is in flight (role status).
 * @csspart waiting-for-key - The overlay shown while playback waits for a key (role status).
 * @csspart expired - The license-expired overlay (role alert).
 * @csspart output-restricted - The output-restricted overlay (role alert).
 * @csspart unauthorized - The not-authorised overlay (role alert).
 * @csspart unreachable - The license-server-unreachable overlay (role alert).
 * @csspart unsupported - The unsupported-content overlay (role alert).
 * @csspart stalled - The overlay shown when playback stopped making progress (role alert, with retry).
 * @csspart error - The load-failure overlay (role alert).
 * @csspart message - The default text of an overlay.
 * @csspart retry-button - The button of an overlay that loads `src` again.
 * @csspart controls - The bar of built-in controls.
 * @csspart button - Every button of the controls.
 * @csspart play-button - The play/pause button.
 * @csspart mute-button - The mute button.
 * @csspart pip-button - The picture-in-picture button (where the browser supports it).
 * @csspart fullscreen-button - The full-screen button (where the browser allows it).
 * @csspart range - Both sliders.
 * @csspart seek - The seek bar.
 * @csspart volume - The volume slider.
 * @csspart time - The current time / duration display.
 * @csspart icon - Every default icon of the controls (an <svg>).
 * @csspart play-icon - The default play icon (each default icon's part is its slot's name).
 * @csspart pause-icon - The default pause icon.
 * @csspart muted-icon - The default sound-off icon.
 * @csspart unmuted-icon - The default sound-on icon.
 * @csspart pip-icon - The default picture-in-picture icon.
 * @csspart fullscreen-enter-icon - The default enter-full-screen icon.
 * @csspart fullscreen-exit-icon - The default leave-full-screen icon.
 *
 * @cssprop [--secure-video-background=#000] - Background behind the video.
 * @cssprop [--secure-video-color=#fff] - Text colour of overlays and controls.
 * @cssprop [--secure-video-font=14px/1.4 system-ui, sans-serif] - Font of overlays and controls.
 * @cssprop [--secure-video-aspect-ratio=16 / 9] - Aspect ratio of the element's box.
 * @cssprop [--secure-video-object-fit=contain] - How the video fits its box.
 * @cssprop [--secure-video-overlay-background=rgb(0 0 0 / 0.75)] - Background of overlays that stop playback.
 * @cssprop [--secure-video-banner-background=rgb(0 0 0 / 0.6)] - Background of overlays in progress (acquiring, waiting for a key).
 * @cssprop [--secure-video-banner-delay=0.5s] - How long an in-progress overlay waits before it fades in (no flash when a license comes fast).
 * @cssprop [--secure-video-controls-background=linear-gradient(transparent, rgb(0 0 0 / 0.7))] - Background of the controls bar.
 * @cssprop [--secure-video-icon-size=1.5em] - Width and height of the control icons (default or slotted).
 * @cssprop [--secure-video-accent-color=#3ea6ff] - Colour of the sliders and of the focus ring.
 * @cssprop [--secure-video-button-background=rgb(255 255 255 / 0.15)] - Background of the retry button.
 */
export class SecureVideo extends LitElement {
  static override styles = styles;

  /**
   * Options for the EME controller of every element of this class, read when an element is created. Default none.
   * A subclass sets `bundledCdm` to use its own build of the Clear Key CDM (e.g. a wrapped one in a test).
   */
  static emeOptions: Pick<EmeControllerOptions, 'bundledCdm'> = {};

  static override properties = {
    src: { type: String },
    autoplay: { type: Boolean },
    defaultMuted: { type: Boolean, attribute: 'muted' },
    loop: { type: Boolean },
    controls: { type: Boolean },
    poster: { type: String },
    preload: { type: String },
    crossOrigin: { type: String, attribute: 'crossorigin' },
    playsInline: { type: Boolean, attribute: 'playsinline' },
    drm: { attribute: false },
    licenseUrl: { type: String, attribute: 'license-url' },
    keySystem: { type: String, attribute: 'key-system' },
    fallback: { type: String },
    stallTimeout: { type: Number, attribute: 'stall-timeout' },
    messages: { attribute: false },
    status: { type: String, reflect: true },
    error: { attribute: false, state: true },
  };

  /** Manifest URL. */
  declare src: string;
  declare autoplay: boolean;
  /** The `muted` attribute: whether playback starts muted. Use `muted` for the current state. */
  declare defaultMuted: boolean;
  declare loop: boolean;
  declare controls: boolean;
  declare poster: string;
  declare preload: string;
  declare crossOrigin: string | null;
  declare playsInline: boolean;
  /**
   * DRM configuration: key systems (license URLs, inline Clear Key keys, headers...), native/bundled
   * fallback, license request options. See the README's DRM section. Takes effect at the next load.
   */
  declare drm: DrmConfig | null;
  /** Shorthand for `drm.keySystems[keySystem].licenseUrl` when `drm` does not set one. */
  declare licenseUrl: string;
  /** The key system `license-url` applies to. Default 'org.w3.clearkey'. */
  declare keySystem: string;
  /** Native or bundled Clear Key (auto | always | never), when `drm.fallback` does not say. Default 'auto'. */
  declare fallback: Fallback | '';
  /**
   * How long playback that should progress (not paused, ended or seeking, not waiting for a key or a license) may make
   * no progress, in ms, before the element gives up: shaka's stall recovery and a streaming retry are tried first,
   * then `error` becomes a `PlaybackError` STALLED (6) and the `stalled` overlay offers a retry. 0 turns it off.
   * Takes effect at the next load. Default 10000 (10 s).
   */
  declare stallTimeout: number;
  /** Texts shown by the element (partial; English by default). */
  declare messages: Partial<SecureVideoMessages>;
  /** Read-only: where loading `src` stands. */
  declare status: LoadStatus;
  /** Read-only: why loading or playback failed, or null. */
  declare error: PlaybackError | MediaError | null;

  readonly #video: HTMLVideoElement = document.createElement('video');
  readonly #eme: EmeController = new EmeController(this, {
    ...(this.constructor as typeof SecureVideo).emeOptions,
    media: this.#video,
  });
  /** License requests in flight (session and message type), for the 'acquiring' overlay. */
  readonly #licenseRequests = new Set<string>();
  /**
   * The media time of the last 'waitingforkey', until playback moves on. A new usable key does not end the wait (it may
   * not be the key waited for, and neither browsers nor the bundled path announce the wait again), the media moving does.
   */
  #waitingForKeyAt: number | null = null;
  #overlay: Overlay = Overlay.NONE;
  /** The overlay of the last 'overlaychange'. */
  #announced: Overlay = Overlay.NONE;
  #session: StreamingSession | undefined;
  #run: AbortController | undefined;
  /** The latest run (or teardown), settled once everything it started is released. */
  #running: Promise<void> = Promise.resolve();

  constructor() {
    super();
    this.src = '';
    this.autoplay = false;
    this.defaultMuted = false;
    this.loop = false;
    this.controls = false;
    this.poster = '';
    this.preload = 'auto';
    this.crossOrigin = null;
    this.playsInline = false;
    this.drm = null;
    this.licenseUrl = '';
    this.keySystem = 'org.w3.clearkey';
    this.fallback = '';
    this.stallTimeout = DEFAULT_STALL_TIMEOUT_MS;
    this.messages = {};
    this.status = LoadStatus.EMPTY;
    this.error = null;
    this.#video.setAttribute('part', 'video');
    for (const type of MEDIA_EVENTS) this.#video.addEventListener(type, this.#forward);
    this.#video.addEventListener('error', this.#onVideoError);
    for (const type of CONTROL_EVENTS) this.#video.addEventListener(type, this.#onControlEvent);
    for (const type of ['canplay', 'playing', 'timeupdate', 'emptied'])
      this.#video.addEventListener(type, this.#onResumed);
    this.addEventListener('license-request', this.#onLicenseRequest);
    this.addEventListener('license-response', this.#onLicenseDone);
    this.addEventListener('drmerror', this.#onLicenseDone);
    this.addEventListener('drmstatechange', this.#onDrmState);
    this.addEventListener('waitingforkey', this.#onWaitingForKey);
    this.addEventListener('statuschange', this.#onStatus);
    this.addEventListener('fullscreenchange', this.#onControlEvent);
  }

  protected override createRenderRoot(): HTMLElement | DocumentFragment {
    const root = super.createRenderRoot();
    // 'encrypted' is taken in the capture phase at our shadow root, before any listener on the video
    // runs: the EME controller answers it, and shaka's DrmEngine (which, owning no MediaKeys, would
    // call it error 6010) never sees it. Then it is re-dispatched from the host like other media events.
    root.addEventListener('encrypted', this.#onEncrypted, { capture: true });
    return root;
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // Re-inserted after a removal: the removal tore the session down, so load again.
    if (this.hasUpdated && this.src && !this.#run) this.#load();
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    void this.#teardown();
  }

  protected override willUpdate(changed: PropertyValues<this>): void {
    const v = this.#video;
    if (changed.has('autoplay')) v.autoplay = this.autoplay;
    if (changed.has('defaultMuted')) {
      v.defaultMuted = this.defaultMuted;
      // The attribute sets the current state too, except on the first update when it is absent: a page
      // (or a framework) may have set the `muted` property before the element first rendered.
      if (this.hasUpdated || this.defaultMuted) v.muted = this.defaultMuted;
    }
    if (changed.has('loop')) v.loop = this.loop;
    if (changed.has('poster')) v.poster = this.poster;
    if (changed.has('preload')) v.preload = this.preload as HTMLMediaElement['preload'];
    if (changed.has('crossOrigin')) v.crossOrigin = this.crossOrigin;
    if (changed.has('playsInline')) v.playsInline = this.playsInline;
    // Started here rather than in updated(): #load sets status synchronously, which then renders in
    // this same update instead of scheduling another.
    if (changed.has('drm') || changed.has('licenseUrl') || changed.has('keySystem') || changed.has('fallback')) {
      this.#eme.config = this.#drmConfig();
      // A new DRM configuration applies to a fresh load, as a new src would.
      if (!changed.has('src') && this.hasUpdated && this.src) changed.set('src', this.src);
    }
    if (changed.has('src')) this.#load();
    this.setAttribute('drm-state', this.#eme.state);
    this.#overlay = overlayFor({
      error: this.status === LoadStatus.ERROR ? this.error : null,
      drmState: this.#eme.state,
      drmError: this.#eme.error,
      licensePending: this.#licenseRequests.size > 0,
      waitingForKey: this.#waitingForKeyAt !== null,
    });
    this.setAttribute('overlay', this.#overlay);
  }

  protected override render() {
    const text = { ...defaultMessages, ...this.messages };
    const overlays = Object.values(OVERLAYS).map((spec) => this.#renderOverlay(spec, text));
    const controls = this.controls ? renderControls({ media: this.#video, host: this, text }) : nothing;
    return html`${this.#video}${overlays}${controls}`;
  }

  /**
   * Every overlay is in the shadow DOM at all times, hidden unless current, and gets its content only when shown: a
   * live region present before its text changes is what assistive technology announces.
   */
  #renderOverlay(spec: OverlaySpec, text: SecureVideoMessages) {
    const shown = this.#overlay === spec.slot;
    const retry = spec.retry
      ? html`<button part="retry-button" class="retry" type="button" @click=${() => this.load()}>${text.retry}</button>`
      : nothing;
    const content = html`<slot name=${spec.slot}><span part="message">${text[spec.message]}</span></slot
      >${retry}`;
    return html`<div
      part="overlay ${spec.slot}"
      class="overlay ${spec.blocking ? 'blocking' : 'banner'}"
      role=${spec.role}
      aria-live=${spec.role === 'alert' ? 'assertive' : 'polite'}
      aria-atomic="true"
      ?hidden=${!shown}
    >
      ${shown ? content : nothing}
    </div>`;
  }

  protected override updated(): void {
    if (this.#overlay === this.#announced) return;
    this.#announced = this.#overlay;
    this.dispatchEvent(new Event('overlaychange'));
  }

  // --- HTMLMediaElement API, forwarded to the inner video ------------------------------------------

  /** Starts playback (HTMLMediaElement#play); rejects as the inner video does (e.g. autoplay policy). */
  play(): Promise<void> {
    return this.#video.play();
  }
  /** Pauses playback. */
  pause(): void {
    this.#video.pause();
  }
  /** Reloads the current src from the start, like HTMLMediaElement#load. */
  load(): void {
    this.#load();
  }
  /** As HTMLMediaElement#canPlayType, for the inner video. */
  canPlayType(type: string): CanPlayTypeResult {
    return this.#video.canPlayType(type);
  }
  /** Playback position in seconds; setting it seeks. */
  get currentTime(): number {
    return this.#video.currentTime;
  }
  set currentTime(t: number) {
    this.#video.currentTime = t;
  }
  /** Duration in seconds (NaN before metadata). */
  get duration(): number {
    return this.#video.duration;
  }
  /** Read-only: whether playback is paused. */
  get paused(): boolean {
    return this.#video.paused;
  }
  /** Read-only: whether playback reached the end. */
  get ended(): boolean {
    return this.#video.ended;
  }
  /** Read-only: whether a seek is in progress. */
  get seeking(): boolean {
    return this.#video.seeking;
  }
  /** Whether the sound is muted now (the `muted` attribute sets the initial state). */
  get muted(): boolean {
    return this.#video.muted;
  }
  set muted(m: boolean) {
    this.#video.muted = m;
  }
  /** Volume, 0 to 1. */
  get volume(): number {
    return this.#video.volume;
  }
  set volume(v: number) {
    this.#video.volume = v;
  }
  /** Playback speed (1 is normal). */
  get playbackRate(): number {
    return this.#video.playbackRate;
  }
  set playbackRate(r: number) {
    this.#video.playbackRate = r;
  }
  /** Playback speed after a load. */
  get defaultPlaybackRate(): number {
    return this.#video.defaultPlaybackRate;
  }
  set defaultPlaybackRate(r: number) {
    this.#video.defaultPlaybackRate = r;
  }
  /** Read-only: HTMLMediaElement readyState (0 HAVE_NOTHING ... 4 HAVE_ENOUGH_DATA). */
  get readyState(): number {
    return this.#video.readyState;
  }
  /** Read-only: HTMLMediaElement networkState. */
  get networkState(): number {
    return this.#video.networkState;
  }
  /** Read-only: the buffered time ranges. */
  get buffered(): TimeRanges {
    return this.#video.buffered;
  }
  /** Read-only: the seekable time ranges. */
  get seekable(): TimeRanges {
    return this.#video.seekable;
  }
  /** Read-only: the played time ranges. */
  get played(): TimeRanges {
    return this.#video.played;
  }
  /** Read-only: the manifest URL being played (`src`). */
  get currentSrc(): string {
    return this.src;
  }
  /** Read-only: the text tracks of the inner video. */
  get textTracks(): TextTrackList {
    return this.#video.textTracks;
  }
  /** Read-only: intrinsic width of the video, in pixels. */
  get videoWidth(): number {
    return this.#video.videoWidth;
  }
  /** Read-only: intrinsic height of the video, in pixels. */
  get videoHeight(): number {
    return this.#video.videoHeight;
  }
  /** The inner <video>, for APIs not forwarded here (e.g. requestPictureInPicture, captureStream). */
  get media(): HTMLVideoElement {
    return this.#video;
  }

  // --- DRM state ----------------------------------------------------------------------------------------

  /** Read-only, reflected as `drm-state`: none | pending | usable | expired | output-restricted | error. */
  get drmState(): DrmState {
    return this.#eme.state;
  }
  /** Read-only: which CDM decrypts: 'native' (the browser's), 'bundled' (ours), or null (none yet). */
  get cdm(): CdmKind | null {
    return this.#eme.cdm;
  }
  /**
   * Read-only: where the decrypt core parses, plans and decrypts protected media segments (also on the native path,
   * where it only looks for key rotation): 'worker', the page's one dedicated Worker, shared by every element; 'main',
   * the main thread, where the page has no Worker or its Content-Security-Policy forbids ours; null until the page's
   * first protected media segment. See docs/security.md.
   */
  get decryptThread(): CoreThread | null {
    return coreThread();
  }
  /** Read-only: the status of every key (KID hex -> status), across sessions. */
  get keyStatuses(): ReadonlyMap<string, KeyStatus> {
    return this.#eme.keyStatuses;
  }
  /** Read-only: the DRM failure ({ category, code, message, ... }), or null. Never carries key material. */
  get drmError(): DrmError | null {
    return this.#eme.error;
  }
  /** Read-only, reflected as `overlay`: the overlay shown for the playback and DRM state, 'none' when none. */
  get overlay(): Overlay {
    return this.#overlay;
  }

  // --- persistent licenses --------------------------------------------------------------------------------

  /**
   * Read-only: the session IDs of the open 'persistent-license' sessions (created for this `src` with
   * `drm.sessionType: 'persistent-license'`, or loaded with `loadSession()`). A page stores them (e.g. from the
   * `license-response` event's `detail.sessionId`, or from here) to load the license in a later visit without the
   * license server. Empty with temporary sessions.
   */
  get persistentSessionIds(): string[] {
    return this.#eme.persistentSessionIds;
  }

  /**
   * Loads a stored persistent-license session (EME MediaKeySession.load()) into the current `src`'s DRM session:
   * its keys decrypt without a license request. Call it after setting `src` (it waits for a pending `src` or `drm`
   * change to apply; a later `src` change closes the session, which stays stored). Needs `drm` with
   * `sessionType: 'persistent-license'` and a CDM that stores licenses (the bundled one does).
   * Resolves true when loaded, false when no session with that ID is stored; rejects with a `DrmError`
   * (SESSION_LOAD_FAILED, also reported through `drmerror`) when loading failed.
   */
  async loadSession(sessionId: string): Promise<boolean> {
    await this.updateComplete;
    return this.#eme.loadSession(sessionId);
  }

  /**
   * Removes a stored persistent-license session (EME MediaKeySession.remove()): loads it if it is not open, sends the
   * CDM's 'license-release' message to the license server, and resolves once the server's acknowledgement closed it
   * (the stored record is gone then). Works without a `src`, with `drm` set. Rejects with a `DrmError`
   * (SESSION_REMOVE_FAILED when no such session is stored or the CDM refused, or the license exchange's error).
   */
  async removeSession(sessionId: string): Promise<void> {
    await this.updateComplete;
    await this.#eme.removeSession(sessionId);
  }

  /**
   * Internal (tests, debugging): sessions the CDM still has open for this element, timers and tasks in flight, and
   * `idle()` once the latest load or teardown has let go of everything. See src/eme/diagnostics.ts.
   * @internal
   */
  [diagnostics](): Diagnostics {
    const eme = this.#eme[diagnostics]();
    return {
      ...eme,
      idle: async () => {
        let running: Promise<void>;
        do {
          running = this.#running;
          await running;
          await eme.idle();
        } while (running !== this.#running);
      },
    };
  }

  // --- UI state ---------------------------------------------------------------------------------------

  #onControlEvent = (): void => {
    if (this.controls) this.requestUpdate();
  };

  #onLicenseRequest = (event: Event): void => {
    const { sessionId, messageType } = (event as DrmEventMap['license-request']).detail;
    this.#licenseRequests.add(`${sessionId} ${messageType}`);
    this.requestUpdate();
  };

  #onLicenseDone = (event: Event): void => {
    if (event.type === 'drmerror') this.#licenseRequests.clear();
    else {
      const { sessionId, messageType } = (event as DrmEventMap['license-response']).detail;
      this.#licenseRequests.delete(`${sessionId} ${messageType}`);
    }
    this.requestUpdate();
  };

  #onDrmState = (event: Event): void => {
    // Requests of a reset run end without a response: the state leaving 'pending' is their end too.
    if ((event as DrmEventMap['drmstatechange']).detail.state !== 'pending') this.#licenseRequests.clear();
    this.requestUpdate();
  };

  #onWaitingForKey = (): void => {
    this.#waitingForKeyAt = this.#video.currentTime;
    this.requestUpdate();
  };

  #onResumed = (event: Event): void => {
    if (this.#waitingForKeyAt === null) return;
    if (event.type === 'timeupdate' && !(this.#video.currentTime > this.#waitingForKeyAt)) return;
    this.#waitingForKeyAt = null;
    this.requestUpdate();
  };

  #onStatus = (): void => {
    if (this.status === LoadStatus.LOADING || this.status === LoadStatus.EMPTY) {
      this.#licenseRequests.clear();
      this.#waitingForKeyAt = null;
    }
    this.requestUpdate();
  };

  // --- loading --------------------------------------------------------------------------------------

  #load(): void {
    // Every run waits until the previous one has fully let go of the video: shaka's destroy() is
    // asynchronous and would otherwise detach the new session from the shared <video>.
    const released = this.#teardown();
    this.error = null;
    if (!this.src) {
      this.#setStatus(LoadStatus.EMPTY);
      return;
    }
    const run = new AbortController();
    this.#run = run;
    this.#setStatus(LoadStatus.LOADING);
    const src = new URL(this.src, document.baseURI).href;
    this.#running = (async () => {
      await released;
      try {
        const session = await StreamingSession.start({
          media: this.#video,
          src,
          signal: run.signal,
          drm: this.#drmHooks(run.signal),
          stallTimeoutMs: this.stallTimeout,
          // A wait for a license or a key is not a stall: the overlays of those states say what is going on.
          isWaitingForDrm: () =>
            this.#waitingForKeyAt !== null || this.#licenseRequests.size > 0 || this.#eme.state === 'pending',
          onError: (e) => {
            if (this.#run === run) this.#fail(e);
          },
        });
        // A superseded run's session was destroyed by its abort; never apply it.
        if (run.signal.aborted) return;
        this.#session = session;
        this.#setStatus(LoadStatus.LOADED);
      } catch (e) {
        if (!run.signal.aborted) this.#fail(PlaybackError.from(e));
      }
    })();
  }

  #fail(error: PlaybackError | MediaError): void {
    this.error = error;
    this.#setStatus(LoadStatus.ERROR);
    this.dispatchEvent(new Event('error'));
  }

  #setStatus(status: LoadStatus): void {
    if (this.status === status) return;
    this.status = status;
    this.dispatchEvent(new Event('statuschange'));
  }

  /** Aborts the current run; resolves once its session (loading or loaded) is released. Never rejects. */
  #teardown(): Promise<void> {
    this.#run?.abort();
    this.#run = undefined;
    // Closes every MediaKeySession, aborts license requests; a late license of this run is never applied.
    const drmReset = this.#eme.reset().catch(() => undefined);
    const released = Promise.all([this.#running, this.#session?.destroy(), drmReset]).then(() => undefined);
    this.#session = undefined;
    this.#running = released;
    return released;
  }

  /** The effective DRM configuration: the `drm` property, completed by the attributes. */
  #drmConfig(): DrmConfig | null {
    const keySystem = this.keySystem || 'org.w3.clearkey';
    if (!this.drm && !this.licenseUrl && !this.fallback) return null;
    const base: DrmConfig = this.drm ?? { keySystems: {} };
    const keySystems = { ...base.keySystems };
    if (this.licenseUrl) {
      const current = keySystems[keySystem];
      if (!current?.licenseUrl) keySystems[keySystem] = { ...current, licenseUrl: this.licenseUrl };
    }
    if (!Object.keys(keySystems).length) keySystems['org.w3.clearkey'] = {};
    const fallback = base.fallback ?? (this.fallback || undefined);
    return { ...base, keySystems, ...(fallback ? { fallback } : {}) };
  }

  /** Connects the streaming layer to the EME controller for one run. */
  #drmHooks(signal: AbortSignal): DrmHooks {
    const eme = this.#eme;
    return {
      onEncryptionScheme: (scheme) => {
        // Only until the run has started a session (the controller then keeps its config); a scheme the
        // page configured itself wins.
        const config = this.#drmConfig();
        if (!signal.aborted && config && !config.encryptionScheme) eme.config = { ...config, encryptionScheme: scheme };
      },
      onInitData: (type, data) => {
        if (!signal.aborted) void eme.handleInitData(type, data);
      },
      onKeyIds: (kids) => {
        if (!signal.aborted) void eme.handleInitData('keyids', keyIdsInitData(kids));
      },
      decryption: async () => {
        const mediaKeys = await eme.ensureMediaKeys();
        if (!mediaKeys) {
          throw eme.error ?? new DrmError(DrmErrorCode.NO_KEY_SYSTEM, 'No key system could decrypt this content');
        }
        return eme.keyStore() ?? null;
      },
      onWaitingForKey: () => {
        if (!signal.aborted) this.dispatchEvent(new Event('waitingforkey'));
      },
      // Variant restriction by key status: the streaming layer drops the variants of restricted keys.
      watchRestrictedKeys: (listener, until) => {
        const notify = (e: CustomEvent<KeyStatusesDetail>) => listener(e.detail.restricted);
        this.addEventListener('keystatuseschange', notify, { signal: until });
        listener([...eme.keyStatuses].filter(([, status]) => isRestricted(status)).map(([kid]) => kid));
      },
      onNoPlayableVariant: (restricted) => {
        if (!signal.aborted) eme.reportNoPlayableVariant(restricted);
      },
    };
  }

  #onEncrypted = (event: Event): void => {
    event.stopPropagation();
    const e = event as MediaEncryptedEvent;
    if (e.initData && this.#run) void this.#eme.handleInitData(e.initDataType, new Uint8Array(e.initData));
    this.dispatchEvent(cloneMediaEvent(event));
  };

  #forward = (event: Event): void => {
    this.dispatchEvent(cloneMediaEvent(event));
  };

  #onVideoError = (): void => {
    // A decode or source error of the inner video while a session is live (shaka usually reports it
    // first; whichever comes first wins, the second finds status already 'error').
    if (this.status !== LoadStatus.ERROR && this.#video.error && this.#run) this.#fail(this.#video.error);
  };
}

declare global {
  interface HTMLElementTagNameMap {
    'secure-video': SecureVideo;
  }
  // The EME controller dispatches its events from the element (see DrmEventMap for their details).
  interface HTMLElementEventMap extends DrmEventMap {
    statuschange: Event;
    overlaychange: Event;
  }
}
