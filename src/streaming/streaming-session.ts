import { loadShaka } from './shaka-loader.js';
import { PlaybackError, PlaybackErrorCode } from './errors.js';
import type { ShakaError, ShakaPlayer } from './shaka-types.js';
import { SegmentFilter } from './segment-filter.js';
import type { DrmHooks } from './segment-filter.js';
import { losesInitSegmentOnAbort } from './platform-quirks.js';

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
}

/**
 * One shaka-player instance playing one manifest on one media element, from load to teardown.
 * A new src means a new session: nothing of a superseded session is ever applied to the element.
 */
export class StreamingSession {
  readonly #player: ShakaPlayer;
  readonly #options: StreamingSessionOptions;
  #destroyed: Promise<void> | undefined;
  #onShakaError = (event: Event) => {
    const detail = (event as CustomEvent<ShakaError>).detail;
    // Only CRITICAL errors (severity 2) stop playback; RECOVERABLE ones shaka retries by itself.
    if (detail?.severity === 2 && !this.#destroyed) this.#options.onError(PlaybackError.from(detail));
  };

  private constructor(player: ShakaPlayer, options: StreamingSessionOptions) {
    this.#player = player;
    this.#options = options;
    player.addEventListener('error', this.#onShakaError);
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
      // With ignoreDrmInfo alone, shaka's DASH parser still invents a drmInfo for every non-Clear-Key
      // system of `dash.keySystemsByURI` and then fails to get one (6001, or 6020 without EME). Configure
      // merges maps rather than replacing them, so every entry is pointed at Clear Key, which that code
      // path skips: shaka's DrmEngine is left with nothing to do.
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
    const repeatInitSegments = losesInitSegmentOnAbort();
    if (options.drm || repeatInitSegments) {
      const { RequestType, AdvancedRequestType } = shaka.net.NetworkingEngine;
      const filter = new SegmentFilter(
        { drm: options.drm, repeatInitSegments },
        {
          MANIFEST: RequestType['MANIFEST']!,
          SEGMENT: RequestType['SEGMENT']!,
          INIT_SEGMENT: AdvancedRequestType['INIT_SEGMENT']!,
          MEDIA_SEGMENT: AdvancedRequestType['MEDIA_SEGMENT']!,
        },
        signal,
      );
      const net = player.getNetworkingEngine();
      net?.registerRequestFilter(filter.requestFilter);
      net?.registerResponseFilter(filter.filter);
    }
    const onAbort = () => void session.destroy();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      await player.attach(options.media);
      if (signal.aborted) throw aborted();
      await player.load(options.src);
      if (signal.aborted) throw aborted();
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
      this.#player.removeEventListener('error', this.#onShakaError);
      // Player#destroy detaches from the media element, revokes the MediaSource's object URL and aborts
      // in-flight requests. Its rejection carries nothing a page could act on.
      await this.#player.destroy().catch(() => undefined);
    })();
    return this.#destroyed;
  }
}
