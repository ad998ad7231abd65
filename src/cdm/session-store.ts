/**
 * Stored persistent-license sessions (EME 7.1.2 "persistent-license", 10.x storage): one IndexedDB database per
 * origin, one record per session ID. A record holds the session's keys, with their output requirements, until
 * remove(), then the record of license destruction (the released key IDs) until update() gets the release
 * acknowledgement and deletes the record.
 *
 * Clear Key keys are not secret from the page that received them (EME 9.1), so they are stored as received; IndexedDB
 * is per origin, as EME requires ("such that only the origin of this object's Document can access it").
 */
import { fromBase64Url, toBase64Url } from './bytes.js';
import { CdmError, CdmErrorCode } from './errors.js';
import { KEY_BYTES, type ClearKey } from './license.js';
import { MAX_KEY_ID_BYTES } from './init-data.js';

export const SESSION_DB_NAME = 'secure-video-clearkey';
export const SESSION_STORE_NAME = 'sessions';
const DB_VERSION = 1;
/**
 * Record formats. 1: keys as `{kid, k}`. 2: a key may also carry `minHdcpVersion`, its output requirement
 * (src/cdm/license.ts). A record is written as format 1 when no key has a requirement, so earlier versions of this
 * library still load it; one with a requirement is format 2, which earlier versions refuse as corrupt instead of
 * restoring the restricted key as usable (they do not know the member). Both formats load here.
 */
const FORMAT_KEYS_ONLY = 1;
const FORMAT_OUTPUT_REQUIREMENTS = 2;

/** A persistent-license session as stored. */
export interface StoredSession {
  sessionId: string;
  /** The session's keys; empty once removed. */
  keys: ClearKey[];
  /** The record of license destruction: key IDs released by remove() and not yet acknowledged; null before. */
  released: Uint8Array[] | null;
}

/** The record as it sits in IndexedDB (base64url strings keep it readable in devtools and structured-clone safe). */
interface StoredRecord {
  format: typeof FORMAT_KEYS_ONLY | typeof FORMAT_OUTPUT_REQUIREMENTS;
  sessionId: string;
  sessionType: 'persistent-license';
  /** `minHdcpVersion` only in format 2, and only on keys whose license set it. */
  keys: { kid: string; k: string; minHdcpVersion?: string }[];
  released: string[] | null;
}

/** Whether this page can persist sessions at all (IndexedDB exists). */
export function storageAvailable(): boolean {
  try {
    // Reading the global throws a SecurityError in opaque origins (e.g. sandboxed iframes).
    return typeof indexedDB !== 'undefined' && indexedDB !== null;
  } catch {
    return false;
  }
}

let dbPromise: Promise<IDBDatabase> | undefined;

function openDb(): Promise<IDBDatabase> {
  if (dbPromise) return dbPromise;
  const opening = new Promise<IDBDatabase>((resolve, reject) => {
    if (!storageAvailable()) {
      reject(storageError('open', 'IndexedDB is not available'));
      return;
    }
    let req: IDBOpenDBRequest;
    try {
      req = indexedDB.open(SESSION_DB_NAME, DB_VERSION);
    } catch (e) {
      reject(storageError('open', (e as Error).name));
      return;
    }
    req.onupgradeneeded = () => {
      const db = req.result;
      if (!db.objectStoreNames.contains(SESSION_STORE_NAME)) {
        db.createObjectStore(SESSION_STORE_NAME, { keyPath: 'sessionId' });
      }
    };
    req.onsuccess = () => {
      const db = req.result;
      // Let another tab upgrade or delete the database instead of blocking it; reopen on next use.
      db.onversionchange = () => {
        db.close();
        dbPromise = undefined;
      };
      resolve(db);
    };
    // No onblocked handler: the version never changes, and a blocked open still succeeds once others close.
    req.onerror = () => reject(storageError('open', req.error?.name ?? 'UnknownError'));
  });
  dbPromise = opening;
  opening.catch(() => {
    if (dbPromise === opening) dbPromise = undefined;
  });
  return opening;
}

async function run<T>(
  mode: IDBTransactionMode,
  operation: string,
  body: (store: IDBObjectStore) => IDBRequest<T>,
): Promise<T> {
  const db = await openDb();
  return new Promise<T>((resolve, reject) => {
    let tx: IDBTransaction;
    try {
      tx = db.transaction(SESSION_STORE_NAME, mode);
    } catch (e) {
      reject(storageError(operation, (e as Error).name));
      return;
    }
    const req = body(tx.objectStore(SESSION_STORE_NAME));
    let result: T;
    req.onsuccess = () => {
      result = req.result;
    };
    // Resolve on commit, so a write is durable before the EME promise that depends on it settles.
    tx.oncomplete = () => resolve(result);
    tx.onerror = () => reject(storageError(operation, tx.error?.name ?? req.error?.name ?? 'UnknownError'));
    tx.onabort = () => reject(storageError(operation, tx.error?.name ?? 'AbortError'));
  });
}

/**
 * The stored session, undefined when there is none. A record that does not parse is a CdmError
 * CORRUPT_SESSION_RECORD (never a crash deeper in the CDM).
 */
export async function readSession(sessionId: string): Promise<StoredSession | undefined> {
  const raw: unknown = await run('readonly', 'read', (s) => s.get(sessionId));
  if (raw === undefined) return undefined;
  return decodeRecord(sessionId, raw);
}

export async function hasSession(sessionId: string): Promise<boolean> {
  const count = await run('readonly', 'read', (s) => s.count(sessionId));
  return count > 0;
}

export async function writeSession(session: StoredSession): Promise<void> {
  const restricted = session.keys.some((k) => k.minHdcpVersion !== undefined);
  const record: StoredRecord = {
    format: restricted ? FORMAT_OUTPUT_REQUIREMENTS : FORMAT_KEYS_ONLY,
    sessionId: session.sessionId,
    sessionType: 'persistent-license',
    keys: session.keys.map(({ kid, key, minHdcpVersion }) => ({
      kid: toBase64Url(kid),
      k: toBase64Url(key),
      ...(minHdcpVersion === undefined ? {} : { minHdcpVersion }),
    })),
    released: session.released ? session.released.map(toBase64Url) : null,
  };
  await run('readwrite', 'write', (s) => s.put(record));
}

export async function deleteSession(sessionId: string): Promise<void> {
  await run('readwrite', 'delete', (s) => s.delete(sessionId));
}

function decodeRecord(sessionId: string, raw: unknown): StoredSession {
  const corrupt = (reason: string): CdmError =>
    new CdmError(CdmErrorCode.CORRUPT_SESSION_RECORD, `Stored session ${sessionId} is corrupt: ${reason}`, {
      sessionId,
      reason,
    });
  if (typeof raw !== 'object' || raw === null) throw corrupt('not an object');
  const r = raw as Partial<Record<keyof StoredRecord, unknown>>;
  if (r.format !== FORMAT_KEYS_ONLY && r.format !== FORMAT_OUTPUT_REQUIREMENTS) throw corrupt('unknown format');
  const requirements = r.format === FORMAT_OUTPUT_REQUIREMENTS;
  if (r.sessionId !== sessionId) throw corrupt('session ID mismatch');
  if (r.sessionType !== 'persistent-license') throw corrupt('not a persistent-license session');
  if (!Array.isArray(r.keys)) throw corrupt('no key list');
  const keys = r.keys.map((entry: unknown): ClearKey => {
    const e = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
    const kid = typeof e['kid'] === 'string' ? fromBase64Url(e['kid']) : undefined;
    const key = typeof e['k'] === 'string' ? fromBase64Url(e['k']) : undefined;
    if (!kid || kid.length === 0 || kid.length > MAX_KEY_ID_BYTES) throw corrupt('bad key ID');
    if (!key || key.length !== KEY_BYTES) throw corrupt('bad key');
    const minHdcpVersion = e['minHdcpVersion'];
    if (minHdcpVersion === undefined) return { kid, key };
    // A requirement that cannot be read must not load as none: the key would decrypt where its license forbade it.
    if (!requirements || typeof minHdcpVersion !== 'string' || minHdcpVersion === '') {
      throw corrupt('bad output requirement');
    }
    return { kid, key, minHdcpVersion };
  });
  let released: Uint8Array[] | null = null;
  if (r.released !== null) {
    if (!Array.isArray(r.released)) throw corrupt('bad release record');
    released = r.released.map((v: unknown) => {
      const kid = typeof v === 'string' ? fromBase64Url(v) : undefined;
      if (!kid || kid.length === 0 || kid.length > MAX_KEY_ID_BYTES) throw corrupt('bad released key ID');
      return kid;
    });
  }
  if (released === null && keys.length === 0) throw corrupt('neither keys nor a release record');
  return { sessionId, keys, released };
}

function storageError(operation: string, name: string): CdmError {
  return new CdmError(CdmErrorCode.STORAGE_FAILED, `Session storage failed (${operation}: ${name})`, {
    operation,
    name,
  });
}
