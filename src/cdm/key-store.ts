/**
 * The decryption side of a bundled MediaKeys: what the CENC engine (src/crypto) asks for keys.
 *
 * A key decrypts while it is 'usable' in ANY open session of the MediaKeys (EME 7.5.3: key statuses are per
 * session, but the media element uses every session of its MediaKeys). Closed or removed sessions take their keys
 * away. waitForKey() is how the streaming layer waits for a license instead of failing (the bundled equivalent of
 * the media element's "wait for key" algorithm, EME 7.3.4).
 *
 * Kept off the MediaKeys object itself so the page-visible EME shape stays the platform's: get the store with
 * keyStoreOf(mediaKeys).
 */
import type { KeyLookup } from '../crypto/keys.js';
import { toHex } from '../mp4/bytes.js';
import { CdmError, CdmErrorCode } from './errors.js';

/** Implemented by each session: its key for a KID while that key is 'usable'. */
export interface KeySource {
  usableKey(kidHex: string): Uint8Array | undefined;
}

/** Fired at a ClearKeyStore when waitForKey() starts waiting for a key no session has usable ('waitingforkey'). */
export class KeyWaitEvent extends Event {
  /** The KID waited for (a copy). */
  readonly keyId: Uint8Array;
  constructor(type: string, keyId: Uint8Array) {
    super(type);
    this.keyId = keyId.slice();
  }
}

interface Waiter {
  resolve(key: Uint8Array): void;
  reject(error: CdmError): void;
}

export interface ClearKeyStoreEventMap {
  waitingforkey: KeyWaitEvent;
  keyschange: Event;
}

let attach: (store: ClearKeyStore, source: KeySource) => void;
let detach: (store: ClearKeyStore, source: KeySource) => void;
let changed: (store: ClearKeyStore) => void;

/**
 * Events: 'waitingforkey' (KeyWaitEvent) when a wait starts for a key that is not usable, 'keyschange' after any
 * session's usable keys changed.
 */
export class ClearKeyStore extends EventTarget {
  #sources = new Set<KeySource>();
  #waiters = new Map<string, Set<Waiter>>();
  #closed = false;
  #onClose: () => void;

  static {
    attach = (store, source) => {
      if (store.#closed) return;
      store.#sources.add(source);
      store.#keysChanged();
    };
    detach = (store, source) => {
      if (store.#sources.delete(source)) store.#keysChanged();
    };
    changed = (store) => store.#keysChanged();
  }

  /** @param onClose run once by close(), before waiters are rejected (the MediaKeys closes its sessions). */
  constructor(onClose: () => void = () => {}) {
    super();
    this.#onClose = onClose;
  }

  /** The key for a KID if it is usable in any open session now, else undefined. Never waits. */
  readonly lookup: KeyLookup = (kid: Uint8Array) => this.#find(toHex(kid));

  /** True once close() ran: nothing decrypts and every wait rejects. */
  get closed(): boolean {
    return this.#closed;
  }

  /**
   * Resolves with the key as soon as a session has it usable (at once if one does). Rejects with a CdmError:
   * MEDIA_KEYS_CLOSED when the store is closed, KEY_WAIT_ABORTED when `signal` aborts.
   */
  waitForKey(kid: Uint8Array, signal?: AbortSignal): Promise<Uint8Array> {
    const kidHex = toHex(kid);
    if (this.#closed) return Promise.reject(closedError(kidHex));
    if (signal?.aborted) return Promise.reject(abortedError(kidHex));
    const now = this.#find(kidHex);
    if (now) return Promise.resolve(now);
    return new Promise<Uint8Array>((resolve, reject) => {
      let set = this.#waiters.get(kidHex);
      if (!set) this.#waiters.set(kidHex, (set = new Set()));
      const onAbort = (): void => {
        this.#forget(kidHex, waiter);
        reject(abortedError(kidHex));
      };
      const waiter: Waiter = {
        resolve: (key) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(key);
        },
        reject: (error) => {
          signal?.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      set.add(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.dispatchEvent(new KeyWaitEvent('waitingforkey', kid));
    });
  }

  /** Tears the MediaKeys down: closes its sessions, drops every key and rejects every wait. Idempotent. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.#onClose();
    } finally {
      this.#sources.clear();
      const waiters = this.#waiters;
      this.#waiters = new Map();
      for (const [kidHex, set] of waiters) for (const w of set) w.reject(closedError(kidHex));
    }
  }

  override addEventListener<K extends keyof ClearKeyStoreEventMap>(
    type: K,
    listener: (this: ClearKeyStore, ev: ClearKeyStoreEventMap[K]) => unknown,
    options?: boolean | AddEventListenerOptions,
  ): void;
  override addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | AddEventListenerOptions,
  ): void;
  override addEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | ((ev: never) => unknown) | null,
    options?: boolean | AddEventListenerOptions,
  ): void {
    super.addEventListener(type, listener as EventListenerOrEventListenerObject | null, options);
  }

  override removeEventListener<K extends keyof ClearKeyStoreEventMap>(
    type: K,
    listener: (this: ClearKeyStore, ev: ClearKeyStoreEventMap[K]) => unknown,
    options?: boolean | EventListenerOptions,
  ): void;
  override removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | null,
    options?: boolean | EventListenerOptions,
  ): void;
  override removeEventListener(
    type: string,
    listener: EventListenerOrEventListenerObject | ((ev: never) => unknown) | null,
    options?: boolean | EventListenerOptions,
  ): void {
    super.removeEventListener(type, listener as EventListenerOrEventListenerObject | null, options);
  }

  #find(kidHex: string): Uint8Array | undefined {
    if (this.#closed) return undefined;
    for (const source of this.#sources) {
      const key = source.usableKey(kidHex);
      if (key) return key.slice();
    }
    return undefined;
  }

  #forget(kidHex: string, waiter: Waiter): void {
    const set = this.#waiters.get(kidHex);
    set?.delete(waiter);
    if (set?.size === 0) this.#waiters.delete(kidHex);
  }

  #keysChanged(): void {
    for (const [kidHex, set] of [...this.#waiters]) {
      const key = this.#find(kidHex);
      if (!key) continue;
      this.#waiters.delete(kidHex);
      for (const w of set) w.resolve(key.slice());
    }
    this.dispatchEvent(new Event('keyschange'));
  }
}

/** A session's keys joined the store (on its first key statuses). */
export function attachKeySource(store: ClearKeyStore, source: KeySource): void {
  attach(store, source);
}

/** A session closed: its keys no longer decrypt. */
export function detachKeySource(store: ClearKeyStore, source: KeySource): void {
  detach(store, source);
}

/** A session's usable keys changed: settle the waits it satisfies. */
export function keySourceChanged(store: ClearKeyStore): void {
  changed(store);
}

function closedError(kidHex: string): CdmError {
  return new CdmError(CdmErrorCode.MEDIA_KEYS_CLOSED, `The MediaKeys was closed while waiting for KID ${kidHex}`, {
    kidHex,
  });
}

function abortedError(kidHex: string): CdmError {
  return new CdmError(CdmErrorCode.KEY_WAIT_ABORTED, `The wait for KID ${kidHex} was aborted`, { kidHex });
}
