/**
 * MediaKeySession for Clear Key (EME 7, Clear Key 9.1).
 *
 * Each method follows its EME algorithm: the synchronous checks reject at once with the spec's error; the steps the
 * spec runs "in parallel" run asynchronously; the steps it runs in a queued task (setting sessionId, updating key
 * statuses, resolving the promise) run in one queued task, and the 'message' and 'keystatuseschange' events are
 * queued from inside that task. So a method's promise reactions always run before the events it causes.
 */
import { toHex } from '../mp4/bytes.js';
import { copyBufferSource } from './bytes.js';
import { CdmError, CdmErrorCode, domError, rejectDom, rejectType } from './errors.js';
import { extractKeyIds, isSupportedInitDataType } from './init-data.js';
import { ClearKeyMediaKeyStatusMap, updateKeyStatusMap } from './key-status-map.js';
import { attachKeySource, detachKeySource, keySourceChanged, type ClearKeyStore, type KeySource } from './key-store.js';
import { licenseRelease, licenseRequest, parseResponse, statusOfKey, type ClearKey } from './license.js';
import { createMessageEvent } from './message-event.js';
import { deleteSession, hasSession, readSession, writeSession } from './session-store.js';
import { takeSessionLock } from './session-lock.js';
import { queueTask } from './task-queue.js';

/** What a session needs from the MediaKeys that created it. */
export interface SessionContext {
  readonly store: ClearKeyStore;
  /** Called once when the session is closed, whatever closed it. */
  sessionClosed(session: ClearKeyMediaKeySession): void;
}

/**
 * Session IDs of this document's sessions that are not closed (load() step 8.3: QuotaExceededError on a duplicate).
 * Weak, so a session the page dropped without closing does not keep its MediaKeys alive from here.
 */
const openSessions = new Map<string, WeakRef<ClearKeyMediaKeySession>>();

function isOpenHere(id: string): boolean {
  const session = openSessions.get(id)?.deref();
  if (!session) openSessions.delete(id);
  return session !== undefined;
}

/** A sanitized session ID is at most this long (bundled IDs are decimal 32-bit numbers, EME 9.1.2). */
const MAX_SESSION_ID_LENGTH = 512;

const CONSTRUCT = Symbol('ClearKeyMediaKeySession');
let closeNow: (session: ClearKeyMediaKeySession, reason: MediaKeySessionClosedReason) => void;

type Handler<E extends Event> = ((this: MediaKeySession, ev: E) => unknown) | null;

/**
 * Runs `work` as the spec's "in parallel" steps. `work` returns the steps of the final queued task; that task settles
 * the promise with their result (or their exception). A failure of the parallel steps rejects from a queued task too.
 */
function inParallel<T>(work: () => Promise<() => T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    work().then(
      (task) =>
        queueTask(() => {
          try {
            resolve(task());
          } catch (e) {
            reject(e);
          }
        }),
      (e: unknown) => queueTask(() => reject(e)),
    );
  });
}

export class ClearKeyMediaKeySession extends EventTarget implements MediaKeySession, KeySource {
  readonly #type: MediaKeySessionType;
  readonly #context: SessionContext;
  #sessionId = '';
  readonly #keyStatuses = new ClearKeyMediaKeyStatusMap();
  readonly #closed: Promise<MediaKeySessionClosedReason>;
  #resolveClosed!: (reason: MediaKeySessionClosedReason) => void;
  /** EME 7.2 internal values. */
  #uninitialized = true;
  #callable = false;
  #closingOrClosed = false;
  /** Session Closed has run (closed resolved); #closingOrClosed can be true earlier (close() in progress). */
  #closedDone = false;
  /** The usable keys, by KID hex. */
  #keys = new Map<string, ClearKey>();
  /** persistent-license only: the record of license destruction (KIDs removed, release not yet acknowledged). */
  #released: Uint8Array[] | null = null;
  /** Releases the session ID's Web Lock (persistent sessions, see session-lock.ts). */
  #releaseLock: () => void = () => {};
  #onmessage: Handler<MediaKeyMessageEvent> = null;
  #onkeystatuseschange: Handler<Event> = null;

  static {
    closeNow = (session, reason) => session.#sessionClosed(reason);
  }

  /** @internal Sessions come from ClearKeyMediaKeys.createSession(). */
  constructor(token: symbol, type: MediaKeySessionType, context: SessionContext) {
    if (token !== CONSTRUCT) throw new TypeError('Illegal constructor');
    super();
    this.#type = type;
    this.#context = context;
    this.#closed = new Promise((resolve) => {
      this.#resolveClosed = resolve;
    });
  }

  get sessionId(): string {
    return this.#sessionId;
  }

  /** Clear Key: "The expiration attribute is always NaN" (EME 9.1.2). */
  get expiration(): number {
    return NaN;
  }

  get closed(): Promise<MediaKeySessionClosedReason> {
    return this.#closed;
  }

  get keyStatuses(): ClearKeyMediaKeyStatusMap {
    return this.#keyStatuses;
  }

  get onmessage(): Handler<MediaKeyMessageEvent> {
    return this.#onmessage;
  }

  set onmessage(handler: Handler<MediaKeyMessageEvent>) {
    // HTML event handler IDL attributes: a non-function is null; the listener is added when a handler is first set
    // and removed when it is set to null, so its place among other listeners matches the platform's.
    const fn = typeof handler === 'function' ? handler : null;
    if (this.#onmessage === null && fn) this.addEventListener('message', this.#callOnMessage);
    if (this.#onmessage !== null && !fn) this.removeEventListener('message', this.#callOnMessage);
    this.#onmessage = fn;
  }

  get onkeystatuseschange(): Handler<Event> {
    return this.#onkeystatuseschange;
  }

  set onkeystatuseschange(handler: Handler<Event>) {
    const fn = typeof handler === 'function' ? handler : null;
    if (this.#onkeystatuseschange === null && fn) {
      this.addEventListener('keystatuseschange', this.#callOnKeyStatusesChange);
    }
    if (this.#onkeystatuseschange !== null && !fn) {
      this.removeEventListener('keystatuseschange', this.#callOnKeyStatusesChange);
    }
    this.#onkeystatuseschange = fn;
  }

  get [Symbol.toStringTag](): string {
    return 'MediaKeySession';
  }

  /** EME 7.2 generateRequest(). */
  generateRequest(initDataType: string, initData: BufferSource): Promise<void> {
    // WebIDL converts the arguments before the algorithm starts: a non-BufferSource is a TypeError.
    const data = copyBufferSource(initData);
    if (!data) return rejectType('initData is not a BufferSource');
    const type = String(initDataType);
    // 1-2. Closed, or already initialized by generateRequest() or load().
    if (this.#closingOrClosed) return rejectDom('InvalidStateError', 'The session is closed');
    if (!this.#uninitialized) return rejectDom('InvalidStateError', 'The session is already initialized');
    // 3.
    this.#uninitialized = false;
    // 4-6.
    if (type === '') return rejectType('initDataType is empty');
    if (data.length === 0) return rejectType('initData is empty');
    if (!isSupportedInitDataType(type)) return rejectDom('NotSupportedError', `Unsupported initDataType '${type}'`);
    // 10. In parallel: validate and sanitize, extract key IDs (Clear Key 9.1.2), build the license request.
    return inParallel(async () => {
      const kids = extractKeyIds(type, data);
      const { id: sessionId, release } = await this.#newSessionId();
      const message = licenseRequest(kids, this.#type);
      // 10.10. Queued task.
      return () => {
        if (this.#closingOrClosed) {
          release();
          throw domError('InvalidStateError', 'The session was closed');
        }
        this.#releaseLock = release;
        this.#setSessionId(sessionId);
        this.#callable = true;
        this.#queueMessage('license-request', message);
      };
    });
  }

  /** EME 7.2 load(): reopens a stored persistent-license session. */
  load(sessionId: string): Promise<boolean> {
    const id = String(sessionId);
    if (this.#closingOrClosed) return rejectDom('InvalidStateError', 'The session is closed');
    if (!this.#uninitialized) return rejectDom('InvalidStateError', 'The session is already initialized');
    this.#uninitialized = false;
    if (id === '') return rejectType('sessionId is empty');
    if (this.#type !== 'persistent-license') return rejectType('Only persistent-license sessions can be loaded');
    return inParallel(async () => {
      // 8.1-8.2. Sanitize the session ID.
      if (id.length > MAX_SESSION_ID_LENGTH) throw new TypeError('sessionId is too long');
      // 8.3 (and again in the task, in case another load() raced this one).
      if (isOpenHere(id)) throw domError('QuotaExceededError', `Session ${id} is already open`);
      const stored = await readSession(id);
      if (!stored) return () => false;
      // 8.3 across documents: the session ID's Web Lock, held until this session closes.
      const release = await takeSessionLock(id);
      if (!release) throw domError('QuotaExceededError', `Session ${id} is open in another document`);
      return () => {
        if (this.#closingOrClosed || isOpenHere(id)) {
          release();
          if (this.#closingOrClosed) throw domError('InvalidStateError', 'The session was closed');
          throw domError('QuotaExceededError', `Session ${id} is already open`);
        }
        this.#releaseLock = release;
        this.#setSessionId(id);
        this.#callable = true;
        // 8.9.4. Known keys: usable ones, or, after an unacknowledged remove(), the released ones.
        if (stored.released) {
          this.#released = stored.released;
          this.#updateKeyStatuses(stored.released.map((kid) => [kid, 'released'] as const));
        } else {
          for (const k of stored.keys) this.#keys.set(toHex(k.kid), k);
          this.#updateKeyStatuses(this.#keyStatusList());
          this.#keysChanged();
        }
        return true;
      };
    });
  }

  /** EME 7.2 update(): a JWK Set license (9.1.4) or, after remove(), the release acknowledgement (9.1.6). */
  update(response: BufferSource): Promise<void> {
    const data = copyBufferSource(response);
    if (!data) return rejectType('response is not a BufferSource');
    if (this.#closingOrClosed) return rejectDom('InvalidStateError', 'The session is closed');
    if (!this.#callable) return rejectDom('InvalidStateError', 'The session has no pending request');
    if (data.length === 0) return rejectType('response is empty');
    return inParallel(async () => {
      const parsed = parseResponse(data);
      if (parsed.kind === 'release-ack') {
        // 6.7.2: a release acknowledgement only means something to a removed persistent-license session.
        const released = this.#released;
        if (this.#type !== 'persistent-license' || !released) {
          throw new TypeError('A release acknowledgement needs a removed persistent-license session');
        }
        if (!sameKidSet(parsed.kids, released)) {
          throw new TypeError('The release acknowledgement does not name the released key IDs');
        }
        const sessionId = this.#sessionId;
        await deleteSession(sessionId);
        // 6.8.1: session closed is true: run Session Closed.
        return () => this.#sessionClosed('release-acknowledged');
      }
      if (this.#released) throw new TypeError('The session was removed; only a release acknowledgement applies');
      // 6.7.2: a license that names its type must name the session's ("Otherwise, reject with a TypeError"). A JWK
      // Set without "type" is a license for the session it is given to: EME 9.1.4 reads an absent type as
      // 'temporary', but the W3C test suite's Clear Key license handler (and so every page written from it) sends
      // none to persistent-license sessions, and browsers whose Clear Key has persistent-license sessions accept
      // it there. Rejecting would break those pages and protect nothing: the type only says how long keys live.
      if (parsed.type !== undefined && parsed.type !== this.#type) {
        throw new TypeError(`A '${parsed.type}' license cannot update a '${this.#type}' session`);
      }
      const keys = new Map(this.#keys);
      for (const k of parsed.keys) keys.set(toHex(k.kid), k);
      if (this.#type === 'persistent-license') {
        await writeSession({ sessionId: this.#sessionId, keys: [...keys.values()], released: null });
      }
      return () => {
        if (this.#closingOrClosed) throw domError('InvalidStateError', 'The session was closed');
        this.#keys = keys;
        // 6.8.1.1: every known key, 'usable' (or 'output-restricted' when its license asks what cannot be met).
        this.#updateKeyStatuses(this.#keyStatusList());
        this.#keysChanged();
      };
    });
  }

  /** EME 7.2 close(). */
  close(): Promise<void> {
    if (this.#closingOrClosed) return Promise.resolve();
    if (!this.#callable) return rejectDom('InvalidStateError', 'The session has no request or loaded license');
    this.#closingOrClosed = true;
    // The keys stop decrypting now; Session Closed (in the task) updates statuses and resolves `closed`.
    this.#dropKeys();
    return inParallel(async () => () => this.#sessionClosed('closed-by-application'));
  }

  /** EME 7.2 remove(): destroys the keys; a persistent-license session stores and sends a record of destruction. */
  remove(): Promise<void> {
    if (this.#closingOrClosed) return rejectDom('InvalidStateError', 'The session is closed');
    if (!this.#callable) return rejectDom('InvalidStateError', 'The session has no request or loaded license');
    return inParallel(async () => {
      // 4.4.1.1. Destroy the keys at once: nothing decrypts with them from here on.
      const kids = [...this.#keys.values()].map((k) => k.kid);
      this.#dropKeys();
      let message: Uint8Array | undefined;
      if (this.#type === 'persistent-license' && (kids.length > 0 || this.#released)) {
        // 4.4.1.2 "persistent-license": store the record of license destruction; the message reflects it.
        const released = mergeKids(this.#released ?? [], kids);
        this.#released = released;
        await writeSession({ sessionId: this.#sessionId, keys: [], released });
        message = licenseRelease(released);
      }
      const released = this.#type === 'persistent-license' ? (this.#released ?? []) : [];
      return () => {
        // 4.5.1. A temporary session: Clear Key 9.1.2, "When the remove() algorithm is executed, the keyStatuses
        // attribute will be set to an empty list". A persistent-license session keeps a record of license
        // destruction until the release is acknowledged: its keys stay known as 'released' (the generic step 4.5.1,
        // and what load() reports for a stored removal), and the acknowledgement's Session Closed empties the map.
        // The W3C test suite's persistent-license events test expects exactly this sequence.
        this.#updateKeyStatuses(released.map((kid) => [kid, 'released'] as const));
        if (message) this.#queueMessage('license-release', message);
      };
    });
  }

  /** KeySource: the key for a KID while it is usable in this session. */
  usableKey(kidHex: string): Uint8Array | undefined {
    const k = this.#keys.get(kidHex);
    // An output-restricted key decrypts nothing: its output requirement cannot be met here (see license.ts).
    return this.#closingOrClosed || !k || statusOfKey(k) !== 'usable' ? undefined : k.key;
  }

  readonly #callOnMessage = (ev: Event): void => {
    this.#onmessage?.call(this, ev as MediaKeyMessageEvent);
  };

  readonly #callOnKeyStatusesChange = (ev: Event): void => {
    this.#onkeystatuseschange?.call(this, ev);
  };

  /** EME 7.5.4 Session Closed. */
  #sessionClosed(reason: MediaKeySessionClosedReason): void {
    if (this.#closedDone) return;
    this.#closedDone = true;
    this.#closingOrClosed = true;
    this.#dropKeys();
    if (openSessions.get(this.#sessionId)?.deref() === this) openSessions.delete(this.#sessionId);
    this.#releaseLock();
    detachKeySource(this.#context.store, this);
    // 3. Update Key Statuses with an empty sequence; 4. expiration stays NaN; 5-6. resolve `closed`.
    this.#updateKeyStatuses([]);
    this.#resolveClosed(reason);
    this.#context.sessionClosed(this);
  }

  /** EME 7.5.3 Update Key Statuses: replace the map, then queue 'keystatuseschange'. */
  #updateKeyStatuses(statuses: Iterable<readonly [Uint8Array, MediaKeyStatus]>): void {
    updateKeyStatusMap(this.#keyStatuses, statuses);
    queueTask(() => this.dispatchEvent(new Event('keystatuseschange')));
  }

  #keyStatusList(): (readonly [Uint8Array, MediaKeyStatus])[] {
    return [...this.#keys.values()].map((k) => [k.kid, statusOfKey(k)] as const);
  }

  /** EME 7.5.1 Queue a "message" Event. */
  #queueMessage(type: MediaKeyMessageType, message: Uint8Array): void {
    const buffer = message.slice().buffer;
    queueTask(() => this.dispatchEvent(createMessageEvent(type, buffer)));
  }

  #keysChanged(): void {
    attachKeySource(this.#context.store, this);
    keySourceChanged(this.#context.store);
  }

  #dropKeys(): void {
    if (this.#keys.size === 0) return;
    this.#keys = new Map();
    keySourceChanged(this.#context.store);
  }

  #setSessionId(id: string): void {
    this.#sessionId = id;
    openSessions.set(id, new WeakRef(this));
  }

  /** Clear Key 9.1.2: "The sessionId attribute is a numerical value representable by a 32-bit integer." */
  async #newSessionId(): Promise<{ id: string; release: () => void }> {
    for (let attempt = 0; attempt < 16; attempt++) {
      const id = String(crypto.getRandomValues(new Uint32Array(1))[0]);
      if (isOpenHere(id)) continue;
      if (this.#type === 'temporary') return { id, release: () => {} };
      // A persistent session must not take the ID of a stored one (load() finds sessions by ID), and holds the
      // ID's lock from now on, as a loaded one does.
      if (await hasSession(id)) continue;
      const release = await takeSessionLock(id);
      if (release) return { id, release };
    }
    throw new CdmError(CdmErrorCode.STORAGE_FAILED, 'Could not find a free session ID', { operation: 'session-id' });
  }
}

/** Creates a session for a MediaKeys (EME 6.2 createSession() step 3). */
export function createClearKeySession(type: MediaKeySessionType, context: SessionContext): ClearKeyMediaKeySession {
  return new ClearKeyMediaKeySession(CONSTRUCT, type, context);
}

/** Closes a session without the application asking (its MediaKeys was torn down). */
export function closeSession(session: ClearKeyMediaKeySession, reason: MediaKeySessionClosedReason): void {
  closeNow(session, reason);
}

function sameKidSet(a: readonly Uint8Array[], b: readonly Uint8Array[]): boolean {
  const sa = new Set(a.map(toHex));
  const sb = new Set(b.map(toHex));
  return sa.size === sb.size && [...sa].every((k) => sb.has(k));
}

function mergeKids(a: readonly Uint8Array[], b: readonly Uint8Array[]): Uint8Array[] {
  const out = new Map<string, Uint8Array>();
  for (const kid of [...a, ...b]) out.set(toHex(kid), kid);
  return [...out.values()];
}
