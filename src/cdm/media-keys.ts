/**
 * MediaKeys for Clear Key (EME 6): creates sessions, answers setServerCertificate() and getStatusForPolicy(), and
 * owns the ClearKeyStore the decryption layer reads keys from (keyStoreOf()).
 */
import { rejectType, domError } from './errors.js';
import { viewOf } from './bytes.js';
import { ClearKeyStore } from './key-store.js';
import { closeSession, createClearKeySession, type ClearKeyMediaKeySession } from './session.js';
import { queueTask } from './task-queue.js';

/** WebIDL enum MediaKeySessionType (EME 6.1). */
const SESSION_TYPES: readonly string[] = ['temporary', 'persistent-license'];

/** EME HDCP Version Registry: the values minHdcpVersion may take. */
const HDCP_VERSIONS: readonly string[] = ['1.0', '1.1', '1.2', '1.3', '1.4', '2.0', '2.1', '2.2', '2.3'];

const stores = new WeakMap<object, ClearKeyStore>();
const CONSTRUCT = Symbol('ClearKeyMediaKeys');

export class ClearKeyMediaKeys implements MediaKeys {
  readonly #sessionTypes: readonly MediaKeySessionType[];
  readonly #sessions = new Set<ClearKeyMediaKeySession>();
  readonly #store: ClearKeyStore;

  /** @internal MediaKeys come from ClearKeyMediaKeySystemAccess.createMediaKeys(). */
  constructor(token: symbol, sessionTypes: readonly MediaKeySessionType[]) {
    if (token !== CONSTRUCT) throw new TypeError('Illegal constructor');
    this.#sessionTypes = [...sessionTypes];
    this.#store = new ClearKeyStore(() => {
      for (const session of [...this.#sessions]) closeSession(session, 'closed-by-application');
    });
    stores.set(this, this.#store);
  }

  get [Symbol.toStringTag](): string {
    return 'MediaKeys';
  }

  /** EME 6.2 createSession(). */
  createSession(sessionType: MediaKeySessionType = 'temporary'): ClearKeyMediaKeySession {
    // WebIDL enum conversion: a value outside MediaKeySessionType is a TypeError.
    const type = String(sessionType);
    if (!SESSION_TYPES.includes(type)) throw new TypeError(`'${type}' is not a MediaKeySessionType`);
    // 1. The configuration this MediaKeys was created from did not ask for this session type.
    if (!this.#sessionTypes.includes(type as MediaKeySessionType)) {
      throw domError('NotSupportedError', `Session type '${type}' is not in the MediaKeySystemConfiguration`);
    }
    // 2. The CDM cannot run sessions in its current state: this MediaKeys was torn down.
    if (this.#store.closed) throw domError('InvalidStateError', 'The MediaKeys was closed');
    const session = createClearKeySession(type as MediaKeySessionType, {
      store: this.#store,
      sessionClosed: (s) => this.#sessions.delete(s),
    });
    this.#sessions.add(session);
    return session;
  }

  /**
   * EME 6.3 setServerCertificate(): Clear Key has no server certificates (9.1.1), so step 1 resolves false. The
   * argument is checked first: WebIDL conversion (anything but an unshared ArrayBuffer or view is a TypeError), then
   * an empty certificate (step 2's TypeError). The spec orders step 1 before step 2, so an empty certificate would
   * resolve false; the W3C test suite (syntax-mediakeys) and both browsers' own Clear Key reject it, and a page that
   * passes an empty certificate has a bug worth reporting, so the argument errors come first here.
   */
  setServerCertificate(serverCertificate: BufferSource): Promise<boolean> {
    const certificate = viewOf(serverCertificate);
    if (!certificate) return rejectType('serverCertificate is not a BufferSource');
    if (certificate.byteLength === 0) return rejectType('serverCertificate is empty');
    return new Promise((resolve) => queueTask(() => resolve(false)));
  }

  /**
   * EME 6.4 getStatusForPolicy(): a policy with no present member is a TypeError. minHdcpVersion is a DOMString in
   * EME (the WICG draft's HDCPVersion enum is gone): '' asks for no HDCP at all, a version from the HDCP Version
   * Registry asks for that version, and any other string names no HDCP version (a TypeError, as in Chromium and
   * Firefox). Clear Key has no output protection to fail, so every valid policy is 'usable'.
   */
  getStatusForPolicy(policy?: MediaKeysPolicy): Promise<MediaKeyStatus> {
    if (policy !== undefined && policy !== null && typeof policy !== 'object') {
      return rejectType('policy is not a MediaKeysPolicy dictionary');
    }
    const version = policy?.minHdcpVersion;
    if (version === undefined) return rejectType('The policy has no minHdcpVersion');
    const text = String(version);
    if (text !== '' && !HDCP_VERSIONS.includes(text)) return rejectType(`'${text}' is not an HDCP version`);
    return new Promise((resolve) => queueTask(() => resolve('usable')));
  }
}

/** Creates a MediaKeys for a selected configuration (EME 4 createMediaKeys() step 2). */
export function createClearKeyMediaKeys(sessionTypes: readonly MediaKeySessionType[]): ClearKeyMediaKeys {
  return new ClearKeyMediaKeys(CONSTRUCT, sessionTypes);
}

/** The key store behind a bundled MediaKeys, or undefined for anything else (a native MediaKeys included). */
export function keyStoreOf(mediaKeys: unknown): ClearKeyStore | undefined {
  return typeof mediaKeys === 'object' && mediaKeys !== null ? stores.get(mediaKeys) : undefined;
}

/** Whether `x` is a MediaKeys created by this bundled CDM (a brand check, not instanceof). */
export function isBundledMediaKeys(x: unknown): x is ClearKeyMediaKeys {
  return keyStoreOf(x) !== undefined;
}
