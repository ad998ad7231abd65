/**
 * What the EME controller keeps per run (one source): the key system it got, its sessions, and the small helpers its
 * awaits use to notice a teardown. A run is superseded by `reset()` (a src change) and never applies a result then.
 */
import { toHex } from '../mp4/bytes.js';
import type { KeyStatus } from './key-status.js';
import type { CdmKind, ClearKeyOptions, DrmConfig } from './key-system-config.js';

/** The key system a run got. */
export interface Setup {
  keySystem: string;
  cdm: CdmKind;
  mediaKeys: MediaKeys;
  options: ClearKeyOptions;
  sessionType: MediaKeySessionType;
  /** Parsed inline keys (Clear Key `clearKeys`), null when a server answers. */
  clearKeys: Map<string, Uint8Array> | null;
}

export interface SessionRecord {
  session: MediaKeySession;
  type: MediaKeySessionType;
  /** What opened it, to recreate it after 'hardware-context-reset'; absent for loaded persistent sessions. */
  initDataType?: string;
  initData?: Uint8Array;
  /** KID hex -> status, from the session's keyStatuses. */
  statuses: Map<string, KeyStatus>;
  /** KIDs (base64url) of the last license request, for Clear Key renewals. */
  kids: string[];
  /** Expiration the license carried (Clear Key extension), ms since the epoch. */
  licenseExpiration: number;
  expiryTimer: ReturnType<typeof setTimeout> | undefined;
  /** The license expired by its own expiration: every key counts as 'expired' until a renewal lands. */
  expired: boolean;
  renewing: boolean;
  releasing: boolean;
  closed: boolean;
  unlisten: () => void;
}

export class Run {
  readonly abort = new AbortController();
  readonly sessions = new Set<SessionRecord>();
  /** Init data already handled (type + bytes), filled synchronously: the same init data twice opens one session. */
  readonly seen = new Set<string>();
  /** KIDs (hex) a session of this run was opened for, or that a loaded persistent session holds. */
  readonly coveredKids = new Set<string>();
  /** load() calls in flight: init data waits for them, so keys a stored session brings back are not requested. */
  readonly loads = new Set<Promise<unknown>>();
  setupPromise: Promise<Setup> | null = null;
  setup: Setup | null = null;
  busy = 0;
  constructor(readonly config: DrmConfig | null) {}
  get signal(): AbortSignal {
    return this.abort.signal;
  }
}

/** The longest delay setTimeout takes (a longer one fires at once). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

function viewOf(source: BufferSource): Uint8Array {
  return source instanceof ArrayBuffer
    ? new Uint8Array(source)
    : new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
}

/** A session's key statuses now, KID hex -> status (EME 5.x MediaKeyStatusMap). */
export function statusesOf(session: MediaKeySession): Map<string, KeyStatus> {
  const statuses = new Map<string, KeyStatus>();
  session.keyStatuses.forEach((status, kid) => statuses.set(toHex(viewOf(kid)), status as KeyStatus));
  return statuses;
}

/** Throws the abort reason: the run was superseded during an await. */
export function aborted(signal: AbortSignal): never {
  throw signal.reason ?? new DOMException('superseded', 'AbortError');
}

/** Resolves when `signal` aborts (never rejects), to race long waits against teardown. */
export function whenAborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener('abort', () => resolve(), { once: true });
  });
}
