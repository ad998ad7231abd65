import { CencTrack, type FoundInitData, type KeySource } from '../cenc/index.js';
import { concat } from '../mp4/writer.js';
import { toHex } from '../mp4/bytes.js';
import type { ClearKeyStore } from '../cdm/index.js';
import { hlsInitSegments, manifestInitData } from './manifest-init-data.js';
import { hasClearKeyPssh, realKids } from './key-ids.js';
import type { ShakaRequest, ShakaRequestContext, ShakaResponse } from './shaka-types.js';

/** An init segment's track in the decrypt core, and the init as it went to MSE (clear form on the bundled path). */
interface InitRecord {
  /** The core's track for a protected init; null for a clear one. */
  track: CencTrack | null;
  /** The default KIDs of a protected init. */
  defaultKids: Uint8Array[];
  appended: Uint8Array;
}

interface Pending<T> {
  promise: Promise<T>;
  /** Settles the promise; a later init response for the same URI (a re-fetch) settles nothing new. */
  settle(value: T): void;
}

function deferred<T>(): Pending<T> {
  let settle!: (value: T) => void;
  const promise = new Promise<T>((resolve) => (settle = resolve));
  return { promise, settle };
}

/** Rejects with the signal's reason when it aborts first (teardown while a segment waits for its init). */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}

/** What the streaming layer needs from whoever owns EME (the element wires it to its EME controller). */
export interface DrmHooks {
  /**
   * The content's protection scheme, as soon as it is known (manifest, else first protected init
   * segment) and before any init data: the key system request can then ask for it, so a platform CDM
   * that lacks the scheme is passed over for one that has it.
   */
  onEncryptionScheme(scheme: string): void;
  /** pssh boxes found in a manifest, an init segment or a media segment (key rotation): 'cenc' init data. */
  onInitData(initDataType: 'cenc', initData: Uint8Array): void;
  /** Default KIDs of protected content with no pssh: the owner turns them into 'keyids' init data. */
  onKeyIds(kids: Uint8Array[]): void;
  /**
   * The key store to decrypt with on the bundled path, or null on the native path (encrypted bytes go to
   * MSE as they are). Asked once, on the first protected init segment. Rejects when no CDM can be had.
   */
  decryption(): Promise<ClearKeyStore | null>;
  /** A segment waits for a key that no session has usable yet (the media element's 'waitingforkey'). */
  onWaitingForKey(kid: Uint8Array): void;
  /**
   * Calls `listener` with the KIDs (lowercase hex) whose status rules out the variants needing them
   * ('output-restricted', 'internal-error'): at once, and after every key status change until `signal` aborts.
   * The streaming layer drops those variants and restores them when the keys are usable again.
   */
  watchRestrictedKeys?(listener: (kids: readonly string[]) => void, signal: AbortSignal): void;
  /**
   * No variant is playable with the current key statuses: `restricted` lists the restricted KIDs. Called with null
   * once a variant is playable again.
   */
  onNoPlayableVariant?(restricted: readonly string[] | null): void;
}

/** shaka.net.NetworkingEngine.RequestType and AdvancedRequestType values used here. */
export interface RequestTypes {
  MANIFEST: number;
  SEGMENT: number;
  INIT_SEGMENT: number;
  MEDIA_SEGMENT: number;
}

function bytesOf(data: ArrayBuffer | ArrayBufferView): Uint8Array {
  return data instanceof ArrayBuffer
    ? new Uint8Array(data)
    : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * A shaka response filter: finds init data in manifests and segments and, on the bundled path, hands MSE
 * clear bytes: init segments rewritten to their clear form, media segments decrypted (waiting for keys
 * when needed). Errors from parsing or decryption are thrown, so shaka reports them (RESPONSE_FILTER_ERROR
 * carrying ours as data[0]).
 */
export interface SegmentFilterOptions {
  /** Where init data goes and keys come from; without it, segments are left encrypted. */
  drm?: DrmHooks | undefined;
  /** Put each media segment's init segment in front of it (see platform-quirks.ts). */
  repeatInitSegments?: boolean;
  /** Told the default KIDs (lowercase hex) of each protected init segment shaka fetched for a stream (by stream id). */
  onStreamKeyIds?: ((streamId: number, kids: string[]) => void) | undefined;
  /**
   * The error a segment is failed with when it waits for a key whose variants were dropped (see abandonKeys): shaka's
   * OPERATION_ABORTED, which its streaming engine takes as "fetch again, from the stream now selected".
   */
  abortError?: (() => Error) | undefined;
  /** Whether shaka's stream (id) belongs to dropped variants only (see abandonKeys). */
  isStreamDropped?: ((streamId: number) => boolean) | undefined;
}

export class SegmentFilter {
  readonly #hooks: DrmHooks | undefined;
  readonly #repeatInit: boolean;
  readonly #onStreamKeyIds: ((streamId: number, kids: string[]) => void) | undefined;
  readonly #abortError: () => Error;
  readonly #isStreamDropped: (streamId: number) => boolean;
  /** KIDs (hex) whose variants are dropped: a segment needing one fails at once (see abandonKeys). */
  #abandoned = new Set<string>();
  /**
   * The stream each media segment URI was first requested for. shaka may fetch a segment reference it computed before
   * a variant switch with the new stream as context (its update was under way): the bytes are still the old
   * stream's, and must be matched with the old stream's init segment (its KID).
   */
  readonly #streamOfSegment = new Map<string, number>();
  /** Streams whose init KIDs onStreamKeyIds was told. */
  readonly #kidsTold = new Set<number>();
  /** The key waits in progress, by KID (hex). */
  readonly #waits = new Map<string, Set<AbortController>>();
  readonly #types: RequestTypes;
  readonly #signal: AbortSignal;
  /**
   * The init segment of each shaka stream id and of each init URI, as a promise: shaka fetches an init
   * segment and the first media segments in parallel, so a media segment may arrive before its init and
   * must wait for it. Registered when the init is requested, settled when its response comes through.
   * By URI too because shaka's HLS parser fetches an init segment and the
   * first media segments without a stream to probe them, and later appends those very bytes; the media
   * playlists' EXT-X-MAP tags say which init a segment URI belongs to.
   */
  readonly #initByStream = new Map<number, Pending<InitRecord | null>>();
  readonly #initByUri = new Map<string, Pending<InitRecord | null>>();
  readonly #initUriOfSegment = new Map<string, string>();
  #store: Promise<ClearKeyStore | null> | undefined;

  constructor(options: SegmentFilterOptions, types: RequestTypes, signal: AbortSignal) {
    this.#hooks = options.drm;
    this.#repeatInit = options.repeatInitSegments ?? false;
    this.#onStreamKeyIds = options.onStreamKeyIds;
    this.#abortError = options.abortError ?? (() => new DOMException('The variant was dropped', 'AbortError'));
    this.#isStreamDropped = options.isStreamDropped ?? (() => false);
    this.#types = types;
    this.#signal = signal;
  }

  /** A shaka request filter: registers each init segment before its bytes arrive. */
  readonly requestFilter = (type: number, request: ShakaRequest, context?: ShakaRequestContext): void => {
    const uri = request.uris[0];
    if (type !== this.#types.SEGMENT || !uri) return;
    if (context?.type === this.#types.MEDIA_SEGMENT && context.stream && !this.#streamOfSegment.has(uri)) {
      this.#streamOfSegment.set(uri, context.stream.id);
    }
    if (context?.type !== this.#types.INIT_SEGMENT) return;
    const pending = this.#pendingInit(uri);
    if (context.stream) this.#initByStream.set(context.stream.id, pending);
  };

  /** A shaka response filter: see the class comment. */
  readonly filter = async (type: number, response: ShakaResponse, context?: ShakaRequestContext): Promise<void> => {
    if (type === this.#types.MANIFEST) {
      if (!this.#hooks) return;
      const text = new TextDecoder().decode(bytesOf(response.data));
      this.#announce(manifestInitData(text));
      for (const [segment, init] of hlsInitSegments(text, response.originalUri || response.uri)) {
        this.#initUriOfSegment.set(segment, init);
      }
      return;
    }
    if (type !== this.#types.SEGMENT) return;
    const uri = response.originalUri || response.uri;
    if (context?.type === this.#types.INIT_SEGMENT) {
      const pending = this.#pendingInit(uri);
      try {
        response.data = await this.#onInit(pending, bytesOf(response.data));
      } catch (e) {
        pending.settle(null);
        throw e;
      }
      const kids = (await pending.promise)?.defaultKids;
      if (kids?.length && context.stream) {
        this.#kidsTold.add(context.stream.id);
        this.#onStreamKeyIds?.(context.stream.id, kids.map(toHex));
      }
    } else if (context?.type === this.#types.MEDIA_SEGMENT) {
      const initUri = this.#initUriOfSegment.get(uri);
      const streamId = this.#streamOfSegment.get(uri) ?? context.stream?.id;
      const pending =
        (streamId !== undefined ? this.#initByStream.get(streamId) : undefined) ??
        (initUri ? this.#initByUri.get(initUri) : undefined);
      const init = pending ? await abortable(pending.promise, this.#signal) : null;
      if (!init) return;
      // HLS: shaka fetches an init segment while parsing, with no stream; the stream's first media segment tells
      // which init (so which KIDs) it has. Only for a segment first requested for this very stream (see above).
      const kids = init.defaultKids;
      if (kids?.length && context.stream && streamId === context.stream.id && !this.#kidsTold.has(streamId)) {
        this.#kidsTold.add(streamId);
        this.#onStreamKeyIds?.(streamId, kids.map(toHex));
      }
      let data = bytesOf(response.data);
      if (init.track) data = await this.#onMedia(init.track, data, context.stream?.id);
      response.data = this.#repeatInit ? concat(init.appended, data) : data;
    }
  };

  /**
   * The variants needing these KIDs (hex) were dropped (a restricted key): a segment waiting for one of them would
   * wait for good, and shaka, whose request for it has completed, would wait with it instead of switching away. The
   * waits in progress end now with `abortError`, and so do later ones for these KIDs until a call leaves them out;
   * shaka then fetches from the variant it has switched to. Except while shaka still streams a dropped stream (it
   * has not switched yet): then a segment waits, as failing it would only make shaka fetch it again, in a loop.
   */
  abandonKeys(kids: Iterable<string>): void {
    this.#abandoned = new Set(kids);
    for (const kid of this.#abandoned) for (const wait of this.#waits.get(kid) ?? []) wait.abort();
  }

  #pendingInit(uri: string): Pending<InitRecord | null> {
    let pending = this.#initByUri.get(uri);
    if (!pending) {
      pending = deferred();
      this.#initByUri.set(uri, pending);
    }
    return pending;
  }

  #announce(found: { pssh: Uint8Array[]; kids: Uint8Array[]; scheme?: string | undefined }): void {
    const hooks = this.#hooks;
    if (!hooks) return;
    if (found.scheme) hooks.onEncryptionScheme(found.scheme);
    // Other systems' pssh boxes name no key for Clear Key: their KIDs come as keyids instead (key-ids.ts).
    const pssh = found.pssh.filter(hasClearKeyPssh);
    const kids = realKids(found.kids);
    for (const p of pssh) hooks.onInitData('cenc', p);
    if (!pssh.length && kids.length) hooks.onKeyIds(kids);
  }

  async #onInit(pending: Pending<InitRecord | null>, bytes: Uint8Array): Promise<Uint8Array> {
    const track = new CencTrack({
      // As a browser's 'encrypted' event would: the init segment's pssh boxes as one 'cenc' init data, else the
      // default KIDs (what a native CDM needs 'keyids' for). In a media segment (key rotation, ISO/IEC 23001-7
      // 8.1.1) a Clear Key pssh in moof announces the keys of the samples that follow; without one, the KIDs the
      // samples use (seig) are the init data (a KID a session has already is skipped by the controller).
      onInitData: (found: FoundInitData) =>
        this.#announce({ pssh: found.cenc ? [found.cenc] : [], kids: found.kids, scheme: found.scheme }),
      onSampleKeyIds: (kids) => this.#announce({ pssh: [], kids }),
      decryption: () => this.#decryption(),
      onWaitingForKey: (kid) => this.#hooks?.onWaitingForKey(kid),
    });
    const outcome = await track.init(bytes, this.#signal);
    // Copied: shaka owns the response buffer it appends. Settled only now: a media segment must not be decrypted
    // before the key system is known.
    pending.settle({
      track: outcome.protected ? track : null,
      defaultKids: outcome.defaultKids,
      appended: outcome.bytes === bytes ? bytes.slice() : outcome.bytes,
    });
    return outcome.bytes;
  }

  /** `streamId`: the stream shaka fetched the segment for (its current one for that content type). */
  async #onMedia(track: CencTrack, bytes: Uint8Array, streamId: number | undefined): Promise<Uint8Array> {
    const store = await this.#decryption();
    // In place: the downloaded buffer is ours to change (response.data gets the result), and a failure leaves it
    // untouched.
    return track.media(bytes, this.#signal, store ? this.#keysFor(store, streamId) : undefined);
  }

  /**
   * The store's keys, as a segment of shaka's stream `streamId` waits for them: a wait ends when the session is torn
   * down, or when abandonKeys() names its KID (then with abortError, as does a lookup of an abandoned KID).
   */
  #keysFor(store: ClearKeyStore, streamId: number | undefined): KeySource {
    return {
      lookup: async (kid) => {
        const key = await store.lookup(kid);
        if (key) return key;
        const stillStreamed = streamId !== undefined && this.#isStreamDropped(streamId);
        if (this.#abandoned.has(toHex(kid)) && !stillStreamed) throw this.#abortError();
        return undefined;
      },
      waitForKey: async (kid, signal) => {
        const hex = toHex(kid);
        const wait = new AbortController();
        const onAbort = () => wait.abort();
        signal.addEventListener('abort', onAbort, { once: true });
        let waits = this.#waits.get(hex);
        if (!waits) this.#waits.set(hex, (waits = new Set()));
        waits.add(wait);
        try {
          return await store.waitForKey(kid, wait.signal);
        } catch (e) {
          if (!signal.aborted && wait.signal.aborted) throw this.#abortError();
          throw e;
        } finally {
          waits.delete(wait);
          signal.removeEventListener('abort', onAbort);
        }
      },
    };
  }

  #decryption(): Promise<ClearKeyStore | null> {
    this.#store ??= this.#hooks ? this.#hooks.decryption() : Promise.resolve(null);
    return this.#store;
  }
}
