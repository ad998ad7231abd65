/**
 * Leak checks for element tests: after a scenario, nothing the element started may still be open, armed, pending or
 * listening.
 *
 * - Sessions: on the bundled path, the CDM's own word (each session's `closed` promise, which the CDM resolves, and
 *   each MediaKeys' key store, which the CDM closes with all its sessions), seen through {@link BundledCdmSpy}; on
 *   the native path, the EME controller's count of sessions the platform CDM still has open (the diagnostics symbol,
 *   src/eme/diagnostics.ts).
 * - Timers and tasks of the controller (license timeouts, retry delays, expiry timers): its diagnostics.
 * - License requests: the license server's counters for each id (`/license/stats?id=X&settled=N`): every request
 *   that reached the server has settled (answered, or dropped by the client).
 * - Listeners on the media element: {@link watchListeners} records every listener added to the inner <video> after
 *   the watch began and not removed since.
 * - Heap: where the browser exposes `performance.memory` (Chromium), the used JS heap after the scenario stays within
 *   a bound of the baseline. Elsewhere there is no heap figure to read, so only that part is left out.
 */
import { expect } from '@open-wc/testing';
import { keyStoreOf, requestClearKeyAccess } from '../../src/cdm/index.js';
import { diagnostics } from '../../src/eme/diagnostics.js';
import type { BundledCdm } from '../../src/eme/bundled-cdm.js';
import { SecureVideo } from '../../src/index.js';
import { licenseStats } from './license-server.js';

interface SessionEntry {
  session: MediaKeySession;
  closed: boolean;
}

/**
 * The real bundled CDM, with a record of every MediaKeys and session it creates (behaviour unchanged). Install it on
 * the element class before creating elements: `SecureVideo.emeOptions = { bundledCdm: spy }`.
 */
export class BundledCdmSpy implements BundledCdm {
  readonly mediaKeys: MediaKeys[] = [];
  readonly #sessions: SessionEntry[] = [];

  readonly requestClearKeyAccess = async (
    keySystem: string,
    configs: MediaKeySystemConfiguration[],
  ): Promise<MediaKeySystemAccess> => {
    const access = await requestClearKeyAccess(keySystem, configs);
    const createMediaKeys = access.createMediaKeys.bind(access);
    access.createMediaKeys = async () => {
      const mediaKeys = await createMediaKeys();
      this.mediaKeys.push(mediaKeys);
      const createSession = mediaKeys.createSession.bind(mediaKeys);
      mediaKeys.createSession = (type?: MediaKeySessionType) => {
        const session = createSession(type);
        const entry: SessionEntry = { session, closed: false };
        this.#sessions.push(entry);
        void session.closed.then(() => {
          entry.closed = true;
        });
        return session;
      };
      return mediaKeys;
    };
    return access;
  };

  readonly keyStoreOf = keyStoreOf;

  /** Sessions the CDM has open: a session ID assigned and `closed` not resolved. */
  get openSessions(): MediaKeySession[] {
    return this.#sessions.filter((e) => !e.closed && e.session.sessionId !== '').map((e) => e.session);
  }

  /** MediaKeys whose key store is still open (not torn down with its sessions). */
  get openMediaKeys(): MediaKeys[] {
    return this.mediaKeys.filter((m) => keyStoreOf(m)?.closed === false);
  }
}

interface Registration {
  type: string;
  listener: EventListenerOrEventListenerObject;
  capture: boolean;
}

/** Listeners added to a target since the watch began, and not removed since. */
export interface ListenerWatch {
  /** `type` of each listener still registered, sorted. */
  readonly added: () => string[];
  /** Restores the target's own methods. */
  stop(): void;
}

function captureOf(options: boolean | EventListenerOptions | undefined): boolean {
  return typeof options === 'boolean' ? options : !!options?.capture;
}

/**
 * Watches listeners on one target (the element's inner <video>): its add/removeEventListener are wrapped on the
 * instance, so shaka, the EME controller and the element are all seen. Registrations from before the watch are not
 * known; removing one of them is ignored.
 */
export function watchListeners(target: EventTarget): ListenerWatch {
  const live: Registration[] = [];
  const add = target.addEventListener;
  const remove = target.removeEventListener;
  const find = (type: string, listener: EventListenerOrEventListenerObject | null, capture: boolean) =>
    live.findIndex((r) => r.type === type && r.listener === listener && r.capture === capture);
  const forget = (reg: Registration) => {
    const i = live.indexOf(reg);
    if (i >= 0) live.splice(i, 1);
  };
  target.addEventListener = function (type, listener, options) {
    const capture = captureOf(options);
    // A `once` listener goes away by itself when it fires: not counted (one that never fires goes unseen).
    const once = typeof options === 'object' && !!options.once;
    if (listener && !once && find(type, listener, capture) < 0) {
      const reg: Registration = { type, listener, capture };
      live.push(reg);
      // One tied to a signal goes away when the signal aborts.
      if (typeof options === 'object') options.signal?.addEventListener('abort', () => forget(reg));
    }
    add.call(this, type, listener, options);
  };
  target.removeEventListener = function (type, listener, options) {
    const i = find(type, listener, captureOf(options));
    if (i >= 0) live.splice(i, 1);
    remove.call(this, type, listener, options);
  };
  return {
    added: () => live.map((r) => r.type).sort(),
    stop: () => {
      delete (target as Partial<EventTarget>).addEventListener;
      delete (target as Partial<EventTarget>).removeEventListener;
    },
  };
}

/** Used JS heap in bytes where the browser tells (Chromium's non-standard performance.memory), else undefined. */
export function usedHeap(): number | undefined {
  const memory = (performance as Performance & { memory?: { usedJSHeapSize: number } }).memory;
  return memory?.usedJSHeapSize;
}

export interface LeakExpectations {
  /** The bundled CDM spy installed on the element class, when the scenario used the bundled path. */
  bundled?: BundledCdmSpy;
  /** License server ids the scenario used: every request that reached the server must have settled. */
  licenseIds?: string[];
  /** The media element's listener watch, and the listeners allowed to remain (types, sorted). Default none. */
  listeners?: { watch: ListenerWatch; allowed?: string[] };
  /** Heap baseline from {@link usedHeap} before the scenario, and the growth allowed in bytes. */
  heap?: { before: number | undefined; maxGrowth: number };
}

/** Asserts that `elements` hold nothing beyond what is allowed, once each has settled (no sleeps: it awaits idle). */
export async function expectNoLeaks(elements: SecureVideo[], expect_: LeakExpectations = {}): Promise<void> {
  for (const el of elements) await el[diagnostics]().idle();
  let open = 0;
  let current = 0;
  let playing = 0;
  for (const el of elements) {
    const d = el[diagnostics]();
    expect(d.timers, 'armed controller timers').to.equal(0);
    expect(d.tasks, 'controller tasks in flight').to.equal(0);
    // Only the current src's sessions may stay open (none once the element is removed or its src cleared).
    expect(d.openSessions, 'sessions open beyond those of the current src').to.equal(d.currentSessions);
    if (!el.isConnected || !el.src) expect(d.currentSessions, 'sessions of a removed element').to.equal(0);
    open += d.openSessions;
    current += d.currentSessions;
    if (d.currentSessions > 0) playing++;
  }
  if (expect_.bundled) {
    // The bundled CDM's own record: its open sessions are the controller's current ones, and every MediaKeys of a
    // superseded run was torn down (which closes its sessions).
    expect(expect_.bundled.openSessions.length, 'sessions the bundled CDM has open').to.be.at.most(current);
    expect(expect_.bundled.openMediaKeys.length, 'bundled MediaKeys not torn down').to.be.at.most(playing);
  }
  expect(open).to.equal(current);
  for (const id of expect_.licenseIds ?? []) {
    const first = await licenseStats(id);
    const stats = first.settled >= first.requests ? first : await licenseStats(id, { settled: first.requests });
    expect(stats.settled, `license requests of ${id} still pending at the server`).to.equal(stats.requests);
  }
  if (expect_.listeners) {
    expect(expect_.listeners.watch.added(), 'listeners left on the media element').to.deep.equal(
      expect_.listeners.allowed ?? [],
    );
  }
  const before = expect_.heap?.before;
  const after = usedHeap();
  // Only Chromium exposes a heap figure; Firefox and WebKit have none to compare, so the heap part is left out there.
  if (expect_.heap && before !== undefined && after !== undefined) {
    expect(after - before, 'JS heap growth (bytes)').to.be.at.most(expect_.heap.maxGrowth);
  }
}

/** Collects 'unhandledrejection' events from `start()` until `stop()`, which returns their reasons. */
export function watchUnhandledRejections(): { stop(): unknown[] } {
  const reasons: unknown[] = [];
  const onRejection = (event: PromiseRejectionEvent) => reasons.push(event.reason);
  window.addEventListener('unhandledrejection', onRejection);
  return {
    stop: () => {
      window.removeEventListener('unhandledrejection', onRejection);
      return reasons;
    },
  };
}

/**
 * The per-test setup of the element suites that check for leaks: before each test a fresh BundledCdmSpy becomes
 * SecureVideo's bundled CDM (so its record covers that test's elements only) and unhandled rejections are watched;
 * after it, the elements pushed to `created` are removed and no rejection may have gone unhandled.
 */
export function leakCheckedTests(): { readonly spy: BundledCdmSpy; readonly created: SecureVideo[] } {
  let spy: BundledCdmSpy | undefined;
  let rejections: { stop(): unknown[] } | undefined;
  const created: SecureVideo[] = [];
  beforeEach(() => {
    spy = new BundledCdmSpy();
    SecureVideo.emeOptions = { bundledCdm: spy };
    rejections = watchUnhandledRejections();
  });
  afterEach(() => {
    for (const el of created.splice(0)) el.remove();
    expect(rejections?.stop(), 'unhandled promise rejections').to.deep.equal([]);
  });
  return {
    get spy() {
      if (!spy) throw new Error('the spy exists during a test only');
      return spy;
    },
    created,
  };
}
