import { loadShaka } from './shaka-loader.js';
import { PlaybackError, PlaybackErrorCode } from './errors.js';
import type { ShakaError, ShakaPlayer } from './shaka-types.js';
import { SegmentFilter } from './segment-filter.js';
import type { DrmHooks } from './segment-filter.js';
import { losesInitSegmentOnAbort } from './platform-quirks.js';
import { VariantRestrictor } from './variant-restrictions.js';
import { shakaStallThreshold, watchForStalls } from './stall-watchdog.js';
import type { RestrictionChange, VariantInfo } from './variant-restrictions.js';

export interface StreamingSessionOptions {
  /** The media element shaka attaches its MediaSource to. */
  media: HTMLMediaElement;
  /** Manifest URL (DASH .mpd or HLS .m3u8). */
  src: string;
  /** Aborting it tears the session down; a load it interrupts rejects with PlaybackError ABORTED. */
  signal: AbortSignal;
  /** Called once for a fatal error after load (a failed load rejects `start` instead). */
  onError: (error: PlaybackError) => void;
  /** Where init data goes and where keys come from; without it, encrypted content is left to shaka. */
  drm?: DrmHooks;
  /**
   * How long playback that should progress may make no progress before the session reports a STALLED error through
   * `onError`, in ms (see stall-watchdog.ts); 0 turns the watchdog off. Default {@link DEFAULT_STALL_TIMEOUT_MS}.
   */
  stallTimeoutMs?: number;
  /** True while playback waits for a key or a license: the stall clock does not run then. Default never. */
  isWaitingForDrm?: () => boolean;
}

/** The default of `stallTimeoutMs`: 10 s. */
export const DEFAULT_STALL_TIMEOUT_MS = 10_000;

/**
 * One shaka-player instance playing one manifest on one media element, from load to teardown.
 * A new src means a new session: nothing of a superseded session is ever applied to the element.
 */
export class StreamingSession {
  readonly #player: ShakaPlayer;
  readonly #options: StreamingSessionOptions;
  /** Default KIDs of the protected init segments seen, by shaka stream id (for streams the manifest gave none). */
  readonly #initKids = new Map<number, string[]>();
  readonly #restrictor: VariantRestrictor;
  /** The segment filter, when there is one (it must stop waiting for the keys of dropped variants). */
  #filter: SegmentFilter | undefined;
  /** Whether the owner was last told that no variant is playable. */
  #unplayable = false;
  #destroyed: Promise<void> | undefined;
  /** Stops the stall watchdog. */
  readonly #watchdog = new AbortController();
  /** shaka's attach() while it runs: a destroy waits for it (see destroy()). */
  #attaching: Promise<unknown> | undefined;
  #onShakaError = (event: Event) => {
    const detail = (event as CustomEvent<ShakaError>).detail;
    // Only CRITICAL errors (severity 2) stop playback; RECOVERABLE ones shaka retries by itself.
    if (detail?.severity === 2 && !this.#destroyed) this.#options.onError(PlaybackError.from(detail));
  };

  private constructor(player: ShakaPlayer, options: StreamingSessionOptions) {
    this.#player = player;
    this.#options = options;
    this.#restrictor = new VariantRestrictor(player, this.#initKids);
    player.addEventListener('error', this.#onShakaError);
    // The player has the manifest from here on: restrictions that came earlier apply before it picks a variant.
    player.addEventListener('streaming', this.#onStreaming);
  }

  /**
   * The manifest's variants: the KIDs each needs (manifest default_KID, else its init segment's tenc) and whether it is
   * dropped because one of them is restricted ('output-restricted', 'internal-error'). Empty until shaka has the
   * manifest. `active` is the variant shaka plays.
   */
  get variants(): (VariantInfo & { active: boolean })[] {
    const active = this.#player.getVariantTracks().find((t) => t.active)?.id;
    return this.#restrictor.variants.map((v) => ({ ...v, active: v.id === active }));
  }

  readonly #onStreaming = () => {
    if (!this.#destroyed) this.#report(this.#restrictor.start());
  };

  /** Drops (or restores) the variants the restricted KIDs rule out; tells the owner when none is left. */
  #restrict(kids?: readonly string[]): void {
    if (!this.#destroyed) this.#report(this.#restrictor.apply(kids));
  }

  /** No segment waits for the keys of dropped variants (see SegmentFilter#abandonKeys). */
  #abandonDropped(): void {
    this.#filter?.abandonKeys(this.#restrictor.dropped.length ? this.#restrictor.restricted : []);
  }

  #report(change: RestrictionChange | null): void {
    if (!change) return;
    if (change.dropped.length || change.restored.length) this.#abandonDropped();
    if (change.playable === !this.#unplayable) return;
    this.#unplayable = !change.playable;
    this.#options.drm?.onNoPlayableVariant?.(this.#unplayable ? [...this.#restrictor.restricted] : null);
  }

  /** Loads shaka (lazily), attaches it to the media element and loads the manifest. */
  static async start(options: StreamingSessionOptions): Promise<StreamingSession> {
    const { signal } = options;
    const aborted = () => new PlaybackError(PlaybackErrorCode.ABORTED, 'The load was superseded or torn down');
    if (signal.aborted) throw aborted();
    const shaka = await loadShaka();
    if (signal.aborted) throw aborted();
    if (!shaka.Player.isBrowserSupported()) {
      throw new PlaybackError(PlaybackErrorCode.SRC_NOT_SUPPORTED, 'This browser has no Media Source Extensions');
    }
    const player = new shaka.Player();
    const session = new StreamingSession(player, options);
    if (options.drm) {
      // The EME controller owns EME: shaka ignores the manifest's DRM info and never touches MediaKeys
      // (the element keeps the 'encrypted' event from shaka's DrmEngine too). Init data and, on the
      // bundled path, clear bytes come from the segment filter.
      keepShakaOutOfDrm(player);
    }
    const stallTimeoutMs = options.stallTimeoutMs ?? DEFAULT_STALL_TIMEOUT_MS;
    if (stallTimeoutMs > 0) {
      // shaka's own stall detection (a seek nudge where data is buffered ahead) and gap jumping come first: its
      // attempts fit in the first half of the watchdog's timeout.
      player.configure({
        streaming: { stallEnabled: true, stallThreshold: shakaStallThreshold(stallTimeoutMs) },
      });
    }
    const repeatInitSegments = losesInitSegmentOnAbort();
    if (options.drm || repeatInitSegments) {
      const { RequestType, AdvancedRequestType } = shaka.net.NetworkingEngine;
      const filter = new SegmentFilter(
        {
          drm: options.drm,
          repeatInitSegments,
          onStreamKeyIds: (streamId, kids) => {
            session.#initKids.set(streamId, kids);
            session.#restrict();
          },
          isStreamDropped: (streamId) => session.#restrictor.isStreamDropped(streamId),
          abortError: () => {
            const E = shaka.util.Error;
            return new E(E.Severity['CRITICAL']!, E.Category['PLAYER']!, E.Code['OPERATION_ABORTED']!);
          },
        },
        {
          MANIFEST: RequestType['MANIFEST']!,
          SEGMENT: RequestType['SEGMENT']!,
          INIT_SEGMENT: AdvancedRequestType['INIT_SEGMENT']!,
          MEDIA_SEGMENT: AdvancedRequestType['MEDIA_SEGMENT']!,
        },
        signal,
      );
      session.#filter = filter;
      const net = player.getNetworkingEngine();
      net?.registerRequestFilter(filter.requestFilter);
      net?.registerResponseFilter(filter.filter);
    }
    options.drm?.watchRestrictedKeys?.((kids) => session.#restrict(kids), signal);
    const onAbort = () => void session.destroy();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      // shaka's attach() and load() do not always settle once destroy() has run under them (a src change
      // while attach() waits for 'sourceopen' left it pending forever): an abort ends the wait here, so the
      // next run, which waits for this one, is never held up by a step of a destroyed player.
      session.#attaching = player.attach(options.media).finally(() => {
        session.#attaching = undefined;
      });
      await untilAborted(session.#attaching, signal);
      if (signal.aborted) throw aborted();
      await untilAborted(player.load(options.src), signal);
      if (signal.aborted) throw aborted();
      // shaka's first variant may be one dropped meanwhile (picked before the restriction could apply): switch now.
      if (session.#restrictor.enforce()) session.#abandonDropped();
      watchForStalls({
        media: options.media,
        timeoutMs: stallTimeoutMs,
        excused: options.isWaitingForDrm ?? (() => false),
        // What shaka offers once its stall detector had its attempts: streaming restarted (a failed or hung
        // segment request is made again).
        retry: () => void player.retryStreaming(0),
        onStall: (stall) => {
          if (session.#destroyed) return;
          const message =
            `Playback made no progress for ${(stall.stalledMs / 1000).toFixed(1)} s at ` +
            `${stall.currentTime.toFixed(2)} s (readyState ${stall.readyState})`;
          options.onError(new PlaybackError(PlaybackErrorCode.STALLED, message));
        },
        signal: session.#watchdog.signal,
      });
      return session;
    } catch (e) {
      signal.removeEventListener('abort', onAbort);
      await session.destroy();
      throw signal.aborted ? aborted() : PlaybackError.from(e);
    }
  }

  /** Releases shaka, its MediaSource and its network requests. Safe to call more than once. */
  destroy(): Promise<void> {
    this.#destroyed ??= (async () => {
      this.#watchdog.abort();
      this.#player.removeEventListener('error', this.#onShakaError);
      this.#player.removeEventListener('streaming', this.#onStreaming);
      // attach() creates shaka's MediaSource engine and keeps it only once the MediaSource is open: a destroy()
      // before that clears the video's source, so the engine waits for a 'sourceopen' that never comes, never
      // released, its listener on the video and its MediaSource (whose object URL is revoked only on
      // 'sourceopen') left behind for every load superseded at that moment. So a destroy waits for attach() to
      // settle first. Nothing else touches the video meanwhile (the next run waits for this one), and 'sourceopen'
      // comes whatever the video's `preload` and whether it is in a document (seen in Chromium, Firefox, WebKit).
      await this.#attaching?.catch(() => undefined);
      // Player#destroy detaches from the media element, revokes the MediaSource's object URL and aborts
      // in-flight requests. Its rejection carries nothing a page could act on.
      await this.#player.destroy().catch(() => undefined);
    })();
    return this.#destroyed;
  }
}

/**
 * Configures `player` to leave DRM alone: it ignores the manifest's DRM info and never touches MediaKeys.
 *
 * With ignoreDrmInfo alone, shaka's DASH parser still invents a drmInfo for every non-Clear-Key system of
 * `dash.keySystemsByURI` and then fails to get one (6001, or 6020 without EME). Configure merges maps rather than
 * replacing them, so every entry is pointed at Clear Key, which that code path skips: shaka's DrmEngine is left with
 * nothing to do.
 */
export function keepShakaOutOfDrm(player: ShakaPlayer): void {
  const byUri = (player.getConfiguration() as { manifest: { dash: { keySystemsByURI: Record<string, string> } } })
    .manifest.dash.keySystemsByURI;
  player.configure({
    manifest: {
      ignoreDrmInfo: true,
      dash: { keySystemsByURI: Object.fromEntries(Object.keys(byUri).map((uri) => [uri, 'org.w3.clearkey'])) },
    },
    mediaSource: { insertFakeEncryptionInInit: false },
  });
}

/**
 * Settles with `step`, or as soon as `signal` aborts (then fulfilled: the caller checks the signal). A step that
 * rejects after the abort is ignored, as the run it belonged to is over.
 */
function untilAborted(step: Promise<unknown>, signal: AbortSignal): Promise<unknown> {
  if (signal.aborted) {
    step.catch(() => undefined);
    return Promise.resolve();
  }
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    step
      .then(resolve, (e: unknown) => (signal.aborted ? resolve(undefined) : reject(e)))
      .finally(() => {
        signal.removeEventListener('abort', onAbort);
      });
  });
}
