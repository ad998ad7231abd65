/**
 * The EME controller: a Lit ReactiveController that owns the MediaKeys and every MediaKeySession of one media element,
 * with the platform's CDM or the bundled Clear Key CDM behind the same code (W3C EME).
 *
 * Init data arrives from the media element's 'encrypted' event (native path) or from the streaming layer
 * ({@link EmeController.handleInitData}: pssh / default_KID found in manifests and init segments). Each run (one
 * source) has its own AbortController: `reset()` (src change) and `hostDisconnected()` abort it, close its sessions,
 * and every await below is followed by a check, so a superseded run never applies a license.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { fromHex } from '../mp4/bytes.js';
import { toBase64url } from './base64url.js';
import type { BundledCdm } from './bundled-cdm.js';
import { defaultBundledCdm } from './bundled-cdm.js';
import { CLEAR_KEY, kidHexOf, kidsOfMessage, licenseRequest } from './clear-key.js';
import { describeReason, DrmError, DrmErrorCode, isAbort } from './errors.js';
import { DrmEvent } from './events.js';
import type { DrmEventMap, KeyStatusesDetail } from './events.js';
import { clearKeyKidsOfCenc, initDataKey, kidsOfInitData } from './init-data.js';
import { aggregateStatuses, deriveState, DrmState, isRestricted, isUsable } from './key-status.js';
import type { KeyStatus } from './key-status.js';
import type { CdmKind, DrmConfig, RequestAccess } from './key-system-config.js';
import { answerMessage } from './license-answer.js';
import { diagnostics } from './diagnostics.js';
import { MediaKeysChain } from './media-keys-chain.js';
import { setUpMediaKeys } from './media-keys-setup.js';
import { aborted, MAX_TIMER_MS, Run, statusesOf, whenAborted } from './run.js';
import type { SessionRecord, Setup } from './run.js';
import type { Diagnostics } from './diagnostics.js';

export interface EmeControllerOptions {
  /** Where the {@link DrmEventMap} events are dispatched. Default: the host, when it is an EventTarget. */
  target?: EventTarget;
  /** The media element whose 'encrypted' events start sessions, and that gets native MediaKeys. Default none. */
  media?: HTMLMediaElement | null;
  /** The bundled Clear Key CDM. Default: src/cdm. */
  bundledCdm?: BundledCdm;
  /**
   * The platform's requestMediaKeySystemAccess. Default: `navigator.requestMediaKeySystemAccess` (absent where the
   * platform has no EME, e.g. WebKitGTK).
   */
  requestNativeAccess?: RequestAccess | null;
}

export class EmeController implements ReactiveController {
  readonly #host: ReactiveControllerHost;
  readonly #target: EventTarget;
  readonly #bundled: BundledCdm;
  readonly #requestNative: RequestAccess | null;
  #media: HTMLMediaElement | null = null;
  #connected = false;
  #config: DrmConfig | null = null;
  #run: Run = new Run(null);
  #state: DrmState = DrmState.NONE;
  #error: DrmError | null = null;
  #statuses: ReadonlyMap<string, KeyStatus> = new Map();
  #statusesKey = '[]';
  readonly #tasks = new Set<Promise<unknown>>();
  /** Sessions the CDM has open for us (a session ID, not closed yet), across runs: see {@link Diagnostics}. */
  readonly #live = new Set<MediaKeySession>();
  /** Sessions whose expiry timer is armed. */
  readonly #armed = new Set<SessionRecord>();
  readonly #mediaKeysChain = new MediaKeysChain();

  constructor(host: ReactiveControllerHost, options: EmeControllerOptions = {}) {
    this.#host = host;
    const target = options.target ?? (host instanceof EventTarget ? host : undefined);
    if (!target) throw new TypeError('EmeController needs an EventTarget: pass options.target');
    this.#target = target;
    this.#bundled = options.bundledCdm ?? defaultBundledCdm;
    const platform = globalThis.navigator?.requestMediaKeySystemAccess?.bind(globalThis.navigator);
    this.#requestNative = options.requestNativeAccess === undefined ? (platform ?? null) : options.requestNativeAccess;
    this.#media = options.media ?? null;
    host.addController(this);
  }

  // ---- public state -------------------------------------------------------------------------------------------

  /** The DRM configuration (the element's `drm` property). A new value takes effect at the next run (`reset()`). */
  get config(): DrmConfig | null {
    return this.#config;
  }
  set config(value: DrmConfig | null) {
    this.#config = value;
    // Nothing started yet: the current run may as well use it.
    const run = this.#run;
    if (!run.setupPromise && run.sessions.size === 0) this.#run = new Run(value);
  }

  /** The element-level DRM state. */
  get state(): DrmState {
    return this.#state;
  }

  /** The fatal error of this run, if any. */
  get error(): DrmError | null {
    return this.#error;
  }

  /** Which CDM this run uses: null until a key system is chosen. */
  get cdm(): CdmKind | null {
    return this.#run.setup?.cdm ?? null;
  }

  /** The chosen key system, null until chosen. */
  get keySystem(): string | null {
    return this.#run.setup?.keySystem ?? null;
  }

  /** The MediaKeys of this run, null until chosen. */
  get mediaKeys(): MediaKeys | null {
    return this.#run.setup?.mediaKeys ?? null;
  }

  /** Aggregated key statuses (KID hex -> status) across this run's sessions. */
  get keyStatuses(): ReadonlyMap<string, KeyStatus> {
    return this.#statuses;
  }

  /** Earliest expiration (ms since the epoch) across sessions: the CDM's or the license's. NaN when none. */
  get expiration(): number {
    let earliest = NaN;
    for (const rec of this.#run.sessions) {
      for (const t of [rec.session.expiration, rec.licenseExpiration]) {
        if (Number.isFinite(t) && !(t >= earliest)) earliest = t;
      }
    }
    return earliest;
  }

  /** Session IDs of the open sessions (persistent-license IDs are what `loadSession` takes back). */
  get sessionIds(): string[] {
    return [...this.#run.sessions].map((r) => r.session.sessionId).filter(Boolean);
  }

  /**
   * Session IDs of this run's open 'persistent-license' sessions, created or loaded: what a page stores to pass to
   * `loadSession` in a later visit.
   */
  get persistentSessionIds(): string[] {
    return [...this.#run.sessions]
      .filter((r) => r.type === 'persistent-license' && !r.releasing)
      .map((r) => r.session.sessionId)
      .filter(Boolean);
  }

  /** Internal: what this controller still holds (see ./diagnostics.ts). */
  [diagnostics](): Diagnostics {
    return {
      openSessions: [...this.#live].filter((s) => s.sessionId !== '').length,
      currentSessions: [...this.#run.sessions].filter((r) => this.#live.has(r.session) && r.session.sessionId !== '')
        .length,
      timers: this.#armed.size,
      tasks: this.#tasks.size,
      idle: () => this.idle(),
    };
  }

  /** The media element; setting it moves the 'encrypted' listener and the native MediaKeys. */
  get media(): HTMLMediaElement | null {
    return this.#media;
  }
  set media(media: HTMLMediaElement | null) {
    if (media === this.#media) return;
    const old = this.#media;
    this.#unlistenMedia();
    this.#media = media;
    if (this.#connected) this.#listenMedia();
    const setup = this.#run.setup;
    if (setup?.cdm !== 'native') return;
    // Native CDMs serve one element per MediaKeys (EME 7.2 lets them refuse a second with QuotaExceededError; the bundled
    // CDM shares, see polyfill/media-element.ts): detach from the old element first.
    if (old) void this.#mediaKeysChain.detach(old, setup.mediaKeys);
    const run = this.#run;
    if (media) this.#track(this.#attachMediaKeys(run, setup.mediaKeys).catch((error) => this.#fail(run, error)));
  }

  // ---- Lit lifecycle ------------------------------------------------------------------------------------------

  hostConnected(): void {
    this.#connected = true;
    this.#listenMedia();
  }

  hostDisconnected(): void {
    this.#connected = false;
    this.#unlistenMedia();
    void this.reset();
  }

  // ---- entry points -------------------------------------------------------------------------------------------

  /**
   * Starts a session for init data found by the streaming layer (manifest pssh, init segment pssh, or 'keyids' built
   * from tenc's default_KID) or by the media element. The same init data twice, or init data whose KIDs a session of
   * this run already covers, is ignored: decided synchronously, so two SourceBuffers announcing it open one session.
   * Resolves once the session's request is generated (or skipped); failures are reported through 'drmerror' and
   * `state`, never thrown.
   */
  handleInitData(initDataType: string, initData: Uint8Array): Promise<void> {
    const run = this.#run;
    const key = initDataKey(initDataType, initData);
    if (run.seen.has(key)) return Promise.resolve();
    run.seen.add(key);
    // Copied: the caller may reuse its buffer, and a recreated session needs these bytes later.
    const data = initData.slice();
    const start = (): Promise<void> => {
      const kids = kidsOfInitData(initDataType, data);
      if (kids && kids.every((k) => run.coveredKids.has(k))) return Promise.resolve();
      for (const k of kids ?? []) run.coveredKids.add(k);
      return this.#openSession(run, initDataType, data);
    };
    if (run.loads.size === 0) return this.#track(start());
    // A stored session is being loaded: its keys may be the ones this init data names (no license request then).
    const loads = [...run.loads];
    return this.#track(Promise.allSettled(loads).then(() => (run.signal.aborted ? undefined : start())));
  }

  /**
   * Chooses the key system and creates the MediaKeys for this run if not done yet (the streaming layer calls it on
   * the bundled path to get the key store before init data arrives). Resolves null when it failed (see `error`) or the
   * run was superseded.
   */
  async ensureMediaKeys(): Promise<MediaKeys | null> {
    const run = this.#run;
    try {
      return (await this.#ensureSetup(run)).mediaKeys;
    } catch {
      return null;
    }
  }

  /** The bundled CDM's key store of this run's MediaKeys (decryption before MSE), undefined on the native path. */
  keyStore(): ReturnType<BundledCdm['keyStoreOf']> {
    const setup = this.#run.setup;
    return setup?.cdm === 'bundled' ? this.#bundled.keyStoreOf(setup.mediaKeys) : undefined;
  }

  /**
   * Loads a stored persistent-license session (EME 6.x MediaKeySession.load). Resolves false when no such session is
   * stored; other failures are SESSION_LOAD_FAILED (reported, and rejected).
   */
  async loadSession(sessionId: string): Promise<boolean> {
    const run = this.#run;
    const task = this.#loadSession(run, sessionId);
    run.loads.add(task);
    this.#track(task).then(
      () => run.loads.delete(task),
      () => run.loads.delete(task),
    );
    return !!(await task);
  }

  /**
   * Removes a persistent-license session (EME MediaKeySession.remove): loads it when it is not open, lets the CDM
   * send its 'license-release' message through the license client, and resolves once the acknowledgement closed it.
   */
  async removeSession(sessionId: string): Promise<void> {
    const run = this.#run;
    const task = this.#removeSession(run, sessionId);
    this.#track(task);
    await task;
  }

  /**
   * Tears this run down (a src change): aborts in-flight license requests and renewals, closes every session, drops
   * the native MediaKeys from the media element, and starts a fresh run with the current config. Resolves when the
   * sessions are closed.
   */
  async reset(): Promise<void> {
    const old = this.#run;
    this.#run = new Run(this.#config);
    old.abort.abort(new DOMException('The EME run was reset', 'AbortError'));
    this.#error = null;
    const closes: Promise<unknown>[] = [];
    for (const rec of old.sessions) closes.push(this.#dispose(rec, true));
    old.sessions.clear();
    const setup = old.setup;
    const media = this.#media;
    if (setup?.cdm === 'native' && media) closes.push(this.#mediaKeysChain.detach(media, setup.mediaKeys));
    this.#refresh(this.#run);
    // Tracked, so idle() includes the teardown.
    await this.#track(Promise.allSettled(closes));
    // Bundled path: decryptions still waiting for a key of the old run reject now instead of hanging.
    if (setup?.cdm === 'bundled') this.#bundled.keyStoreOf(setup.mediaKeys)?.close();
  }

  /** Resolves when every task of every run (sessions opening, license exchanges, renewals) has settled. */
  async idle(): Promise<void> {
    while (this.#tasks.size > 0) await Promise.allSettled([...this.#tasks]);
  }

  // ---- key system and MediaKeys -------------------------------------------------------------------------------

  #ensureSetup(run: Run): Promise<Setup> {
    run.setupPromise ??= this.#setup(run);
    return run.setupPromise;
  }

  async #setup(run: Run): Promise<Setup> {
    run.busy++;
    this.#refresh(run);
    try {
      const context = {
        requestNative: this.#requestNative,
        bundled: this.#bundled,
        media: () => this.#media,
        mediaKeysChain: this.#mediaKeysChain,
      };
      run.setup = await setUpMediaKeys(run.config, context, run.signal);
      return run.setup;
    } catch (error) {
      if (!isAbort(error, run.signal)) this.#fail(run, error);
      throw error;
    } finally {
      run.busy--;
      this.#refresh(run);
    }
  }

  async #attachMediaKeys(run: Run, mediaKeys: MediaKeys): Promise<void> {
    const media = this.#media;
    if (!media || media.mediaKeys === mediaKeys) return;
    try {
      await this.#mediaKeysChain.set(media, mediaKeys);
    } catch (error) {
      if (run.signal.aborted) return;
      throw new DrmError(DrmErrorCode.MEDIA_KEYS_FAILED, `setMediaKeys failed: ${describeReason(error)}`, {
        keySystem: run.setup?.keySystem ?? '',
        cdm: 'native',
        step: 'setMediaKeys',
        reason: describeReason(error),
      });
    }
  }

  // ---- sessions -----------------------------------------------------------------------------------------------

  async #openSession(run: Run, initDataType: string, initData: Uint8Array): Promise<void> {
    // Busy from the start, so the state stays 'pending' from the init data to the license.
    run.busy++;
    try {
      await this.#openSessionSteps(run, initDataType, initData);
    } finally {
      run.busy--;
      this.#refresh(run);
    }
  }

  async #openSessionSteps(run: Run, initDataType: string, initData: Uint8Array): Promise<void> {
    let setup: Setup;
    try {
      setup = await this.#ensureSetup(run);
    } catch {
      return; // reported by #setup
    }
    if (run.signal.aborted) return;
    if (!this.#isForKeySystem(setup.keySystem, initDataType, initData)) return;
    let rec: SessionRecord | undefined;
    try {
      rec = this.#adopt(run, setup.mediaKeys.createSession(setup.sessionType), setup.sessionType);
      rec.initDataType = initDataType;
      rec.initData = initData;
      this.#refresh(run);
      await rec.session.generateRequest(initDataType, initData as Uint8Array<ArrayBuffer>);
      // Torn down while the CDM generated the request: the close() of the teardown came too early to count
      // (EME 6.6.x close(): a session that is not yet callable cannot be closed), so close it now.
      if (rec.closed) this.#closeLate(rec);
    } catch (error) {
      if (run.signal.aborted) return;
      if (rec) {
        run.sessions.delete(rec);
        void this.#dispose(rec, true);
      }
      this.#fail(
        run,
        new DrmError(DrmErrorCode.INIT_DATA_REJECTED, `The CDM rejected ${initDataType} init data`, {
          initDataType,
          reason: describeReason(error),
        }),
      );
    }
  }

  /**
   * Whether init data can name keys for the chosen key system; init data that cannot is left alone, not an error.
   * Clear Key: 'cenc' init data whose pssh boxes are all other systems' (multi-DRM content: Widevine, PlayReady) holds
   * no key ID for it (EME 9.1.3, "cenc" format: only the common system ID's version 1 box counts), and generateRequest
   * would reject it; the KIDs come as 'keyids' from cenc:default_KID, tenc or seig instead (the streaming layer).
   * Other systems: the 'keyids' init data built for Clear Key is not theirs (only 'cenc' is asked for, key-system-config.ts).
   */
  #isForKeySystem(keySystem: string, initDataType: string, initData: Uint8Array): boolean {
    if (keySystem !== CLEAR_KEY) return initDataType !== 'keyids';
    return initDataType !== 'cenc' || clearKeyKidsOfCenc(initData).length > 0;
  }

  async #loadSession(run: Run, sessionId: string): Promise<SessionRecord | null> {
    const setup = await this.#ensureSetup(run);
    if (run.signal.aborted) aborted(run.signal);
    const open = [...run.sessions].find((r) => r.session.sessionId === sessionId);
    if (open) return open;
    let rec: SessionRecord | undefined;
    try {
      rec = this.#adopt(run, setup.mediaKeys.createSession('persistent-license'), 'persistent-license');
      const found = await rec.session.load(sessionId);
      if (rec.closed && found) this.#closeLate(rec); // torn down during load(), as in #openSessionSteps
      if (run.signal.aborted) aborted(run.signal);
      if (!found) {
        run.sessions.delete(rec);
        void this.#dispose(rec, true);
        this.#refresh(run);
        return null;
      }
      // A loaded session has its keys already; its KIDs serve renewals, and init data naming only these KIDs needs no
      // new session.
      // keyStatuses is read here: its 'keystatuseschange' event comes in a later task (EME 7.x Update Key Statuses).
      // Taken now, so `keyStatuses` has the loaded keys when loadSession() resolves.
      rec.statuses = statusesOf(rec.session);
      const held = [...rec.statuses.keys()];
      rec.kids = held.map((hex) => toBase64url(fromHex(hex)));
      for (const kid of held) run.coveredKids.add(kid);
      this.#refresh(run);
      return rec;
    } catch (error) {
      if (isAbort(error, run.signal)) throw error;
      if (rec) {
        run.sessions.delete(rec);
        void this.#dispose(rec, true);
      }
      const failure = new DrmError(DrmErrorCode.SESSION_LOAD_FAILED, `Loading session ${sessionId} failed`, {
        sessionId,
        reason: describeReason(error),
      });
      this.#fail(run, failure);
      throw failure;
    }
  }

  async #removeSession(run: Run, sessionId: string): Promise<void> {
    const rec = await this.#loadSession(run, sessionId);
    if (!rec) {
      // Rejected, not reported: nothing stored under that ID is the caller's concern, not a failure of playback.
      throw new DrmError(DrmErrorCode.SESSION_REMOVE_FAILED, `No stored session ${sessionId}`, {
        sessionId,
        reason: 'not found',
      });
    }
    rec.releasing = true;
    try {
      await rec.session.remove();
    } catch (error) {
      if (run.signal.aborted) aborted(run.signal);
      const failure = new DrmError(DrmErrorCode.SESSION_REMOVE_FAILED, `Removing session ${sessionId} failed`, {
        sessionId,
        reason: describeReason(error),
      });
      this.#fail(run, failure);
      throw failure;
    }
    // The 'license-release' message is answered by #answer; its acknowledgement closes the session.
    await Promise.race([rec.session.closed, whenAborted(run.signal)]);
    if (run.signal.aborted) aborted(run.signal);
  }

  /** Starts listening to a new session; paired with #dispose. */
  #adopt(run: Run, session: MediaKeySession, type: MediaKeySessionType): SessionRecord {
    const onMessage = (event: Event) => {
      const e = event as MediaKeyMessageEvent;
      this.#track(this.#answer(run, rec, e.messageType, new Uint8Array(e.message)));
    };
    const onStatuses = () => this.#onKeyStatuses(run, rec);
    session.addEventListener('message', onMessage);
    session.addEventListener('keystatuseschange', onStatuses);
    this.#live.add(session);
    const rec: SessionRecord = {
      session,
      type,
      statuses: new Map(),
      kids: [],
      licenseExpiration: NaN,
      expiryTimer: undefined,
      expired: false,
      renewing: false,
      releasing: false,
      closed: false,
      unlisten: () => {
        session.removeEventListener('message', onMessage);
        session.removeEventListener('keystatuseschange', onStatuses);
      },
    };
    run.sessions.add(rec);
    session.closed.then(
      (reason) => {
        this.#live.delete(session);
        this.#onClosed(run, rec, reason);
      },
      () => {
        this.#live.delete(session);
        this.#onClosed(run, rec, undefined);
      },
    );
    return rec;
  }

  /** Closes a session whose open finished after its teardown (see #openSessionSteps). */
  #closeLate(rec: SessionRecord): void {
    this.#track(
      rec.session.close().then(
        () => this.#live.delete(rec.session),
        () => {},
      ),
    );
  }

  /** Stops listening, and closes the session when asked (teardown); never rejects. */
  async #dispose(rec: SessionRecord, close: boolean): Promise<void> {
    const wasClosed = rec.closed;
    rec.closed = true;
    clearTimeout(rec.expiryTimer);
    this.#armed.delete(rec);
    rec.unlisten();
    // close() on a session that never generated a request or was closed already may reject: nothing to do then.
    if (close && !wasClosed) {
      await rec.session.close().then(
        () => this.#live.delete(rec.session),
        () => {},
      );
    }
  }

  #onClosed(run: Run, rec: SessionRecord, reason: MediaKeySessionClosedReason | undefined): void {
    if (rec.closed) return; // closed by us
    void this.#dispose(rec, false);
    run.sessions.delete(rec);
    if (run.signal.aborted || run !== this.#run) return;
    if (reason === 'internal-error') {
      this.#fail(
        run,
        new DrmError(DrmErrorCode.SESSION_INTERNAL_ERROR, 'A session closed with an internal error', {
          sessionId: rec.session.sessionId,
        }),
      );
    } else if ((reason === 'hardware-context-reset' || reason === 'resource-evicted') && rec.initData) {
      // EME 5.1.x MediaKeySessionClosedReason: the keys are gone through no fault of the license; start over.
      this.#track(this.#openSession(run, rec.initDataType ?? 'cenc', rec.initData));
    }
    this.#refresh(run);
  }

  #onKeyStatuses(run: Run, rec: SessionRecord): void {
    if (rec.closed || run.signal.aborted) return;
    const statuses = statusesOf(rec.session);
    rec.statuses = statuses;
    if ([...statuses.values()].includes('expired')) this.#renew(run, rec);
    this.#refresh(run);
  }

  // ---- license exchange ---------------------------------------------------------------------------------------

  async #answer(
    run: Run,
    rec: SessionRecord,
    messageType: MediaKeyMessageType,
    message: Uint8Array,
    wrapError: (error: unknown) => unknown = (error) => error,
  ): Promise<void> {
    const setup = run.setup;
    if (!setup || rec.closed || run.signal.aborted) return;
    run.busy++;
    this.#refresh(run);
    try {
      const kids = setup.keySystem === CLEAR_KEY ? kidsOfMessage(message) : null;
      if (kids && messageType !== 'license-release') rec.kids = kids;
      const sessionId = rec.session.sessionId;
      const base = { keySystem: setup.keySystem, messageType, sessionId };
      const question = { messageType, message, sessionId, sessionType: rec.type, kids };
      const { response, url, status, attempts, expiration } = await answerMessage(
        setup,
        question,
        run.config,
        run.signal,
        (url, attempt) => this.#emit(DrmEvent.LICENSE_REQUEST, { ...base, url, attempt }),
      );
      if (run.signal.aborted || rec.closed) return;
      this.#emit(DrmEvent.LICENSE_RESPONSE, { ...base, url, status, attempts, expiration });
      try {
        await rec.session.update(response as Uint8Array<ArrayBuffer>);
      } catch (error) {
        if (run.signal.aborted || rec.closed) return;
        throw new DrmError(DrmErrorCode.LICENSE_REJECTED, `The CDM rejected the ${messageType} answer`, {
          messageType,
          sessionId: rec.session.sessionId,
          reason: describeReason(error),
        });
      }
      if (run.signal.aborted || rec.closed) return;
      if (messageType !== 'license-release') {
        rec.licenseExpiration = expiration;
        rec.expired = false;
        this.#scheduleExpiry(run, rec);
      }
    } catch (error) {
      if (isAbort(error, run.signal)) return;
      this.#fail(run, wrapError(error));
    } finally {
      run.busy--;
      this.#refresh(run);
    }
  }

  /** Enforces a license's own expiration (the Clear Key extension): its keys count as expired from then on. */
  #scheduleExpiry(run: Run, rec: SessionRecord): void {
    clearTimeout(rec.expiryTimer);
    rec.expiryTimer = undefined;
    this.#armed.delete(rec);
    if (!Number.isFinite(rec.licenseExpiration)) return;
    const delay = Math.min(MAX_TIMER_MS, Math.max(0, rec.licenseExpiration - Date.now()));
    this.#armed.add(rec);
    rec.expiryTimer = setTimeout(() => {
      this.#armed.delete(rec);
      if (rec.closed || run.signal.aborted) return;
      rec.expired = true;
      this.#refresh(run);
      this.#renew(run, rec);
    }, delay);
  }

  /**
   * 'expired' keys: renew where the system allows. Clear Key CDMs never send 'license-renewal' themselves, so the
   * controller sends a 9.1.3 request for the session's KIDs and updates the same session with the answer; other
   * systems send their own renewal messages, which #answer handles like any message.
   */
  #renew(run: Run, rec: SessionRecord): void {
    const setup = run.setup;
    if (!setup || setup.keySystem !== CLEAR_KEY || rec.renewing || rec.releasing || rec.kids.length === 0) return;
    rec.renewing = true;
    const renewal = this.#answer(run, rec, 'license-renewal', licenseRequest(rec.kids, rec.type), (cause) =>
      cause instanceof DrmError && cause.code === DrmErrorCode.RENEWAL_FAILED
        ? cause
        : new DrmError(
            DrmErrorCode.RENEWAL_FAILED,
            'Renewing an expired license failed',
            { sessionId: rec.session.sessionId, kids: rec.kids.map(kidHexOf) },
            { cause },
          ),
    ).finally(() => {
      rec.renewing = false;
    });
    this.#track(renewal);
  }

  // ---- state and events ---------------------------------------------------------------------------------------

  /**
   * The streaming layer's verdict on this run's key statuses: the restricted KIDs (hex) when they leave no variant
   * of the content playable, null once a variant is playable again. Meanwhile `error` is NO_PLAYABLE_VARIANT and
   * `state` is 'output-restricted' even though some keys (e.g. audio's) are usable: nothing can be presented.
   */
  reportNoPlayableVariant(restricted: readonly string[] | null): void {
    const run = this.#run;
    if (restricted) {
      // A real failure already recorded stays the one reported.
      if (this.#error) return;
      const message = 'Every variant needs a key whose output restrictions cannot be met';
      this.#fail(run, new DrmError(DrmErrorCode.NO_PLAYABLE_VARIANT, message, { kids: [...restricted] }));
    } else if (this.#error?.code === DrmErrorCode.NO_PLAYABLE_VARIANT) {
      this.#error = null;
      this.#refresh(run);
    }
  }

  #fail(run: Run, error: unknown): void {
    if (run !== this.#run || run.signal.aborted) return;
    const drmError =
      error instanceof DrmError
        ? error
        : new DrmError(DrmErrorCode.MEDIA_KEYS_FAILED, describeReason(error), {
            keySystem: run.setup?.keySystem ?? '',
            step: 'unexpected',
            reason: describeReason(error),
          });
    this.#error = drmError;
    this.#emit(DrmEvent.ERROR, { error: drmError });
    this.#refresh(run);
  }

  /** Recomputes statuses and state for the current run, dispatching events and asking the host to render on change. */
  #refresh(run: Run): void {
    if (run !== this.#run) return;
    const perSession = [...run.sessions].map((rec) =>
      rec.expired ? new Map([...rec.statuses.keys()].map((kid) => [kid, 'expired' as KeyStatus])) : rec.statuses,
    );
    const statuses = aggregateStatuses(perSession);
    const statusesKey = JSON.stringify([...statuses].sort());
    let changed = false;
    if (statusesKey !== this.#statusesKey) {
      this.#statusesKey = statusesKey;
      this.#statuses = statuses;
      const detail: KeyStatusesDetail = {
        statuses,
        usable: [...statuses].filter(([, s]) => isUsable(s)).map(([k]) => k),
        restricted: [...statuses].filter(([, s]) => isRestricted(s)).map(([k]) => k),
        expired: [...statuses].filter(([, s]) => s === 'expired').map(([k]) => k),
        expiration: this.expiration,
      };
      this.#emit(DrmEvent.KEY_STATUSES_CHANGE, detail);
      changed = true;
    }
    const waitingSessions = [...run.sessions].filter((r) => r.statuses.size === 0 && !r.releasing).length;
    // No variant playable with these keys (reportNoPlayableVariant): output-restricted, whatever else is usable.
    const state =
      this.#error?.code === DrmErrorCode.NO_PLAYABLE_VARIANT
        ? DrmState.OUTPUT_RESTRICTED
        : deriveState({ statuses, failed: this.#error !== null, busy: run.busy > 0, waitingSessions });
    if (state !== this.#state) {
      const previous = this.#state;
      this.#state = state;
      this.#emit(DrmEvent.STATE_CHANGE, { state, previous });
      changed = true;
    }
    if (changed) this.#host.requestUpdate();
  }

  #emit<K extends keyof DrmEventMap>(type: K, detail: DrmEventMap[K]['detail']): void {
    this.#target.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
  }

  /** Remembers a task until it settles, for `idle()`. */
  #track<T>(task: Promise<T>): Promise<T> {
    const settled = task.then(
      () => undefined,
      () => undefined,
    );
    this.#tasks.add(settled);
    void settled.then(() => this.#tasks.delete(settled));
    return task;
  }

  // ---- media element ------------------------------------------------------------------------------------------

  readonly #onEncrypted = (event: Event): void => {
    // EME 7.1 "encrypted": initData is null when the media data is not CORS-same-origin; nothing to do then.
    const e = event as MediaEncryptedEvent;
    if (!e.initData) return;
    void this.handleInitData(e.initDataType, new Uint8Array(e.initData));
  };

  #listenMedia(): void {
    this.#media?.addEventListener('encrypted', this.#onEncrypted);
  }

  #unlistenMedia(): void {
    this.#media?.removeEventListener('encrypted', this.#onEncrypted);
  }
}
