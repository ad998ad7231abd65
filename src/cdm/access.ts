/**
 * navigator.requestMediaKeySystemAccess() for the bundled Clear Key CDM (EME 3) and its MediaKeySystemAccess (EME 4).
 * Configuration selection follows EME 3.1.1.1 "Get Supported Configuration" and 3.1.1.3 "Get Supported Capabilities
 * for Audio/Video Type", with Clear Key's capabilities (EME 9.1.1): robustness '' only, no distinctive identifier,
 * 'temporary' sessions and, where IndexedDB exists, 'persistent-license' sessions.
 */
import { judgeContentType } from './content-type.js';
import { domError } from './errors.js';
import { isSupportedInitDataType } from './init-data.js';
import { createClearKeyMediaKeys, type ClearKeyMediaKeys } from './media-keys.js';
import { storageAvailable } from './session-store.js';
import { queueTask } from './task-queue.js';

export const CLEAR_KEY_SYSTEM = 'org.w3.clearkey';

/** Encryption schemes (EME encryptionScheme extension) this CDM decrypts: ISO/IEC 23001-7 4.2 schemes. */
export const SUPPORTED_ENCRYPTION_SCHEMES: readonly string[] = ['cenc', 'cbcs', 'cens', 'cbc1'];

const REQUIREMENTS: readonly string[] = ['required', 'optional', 'not-allowed'];

/** A fully converted configuration (WebIDL dictionary defaults applied), as getConfiguration() returns it. */
interface Configuration {
  label: string;
  initDataTypes: string[];
  audioCapabilities: MediaKeySystemMediaCapability[];
  videoCapabilities: MediaKeySystemMediaCapability[];
  distinctiveIdentifier: MediaKeysRequirement;
  persistentState: MediaKeysRequirement;
  sessionTypes: string[];
}

const CONSTRUCT = Symbol('ClearKeyMediaKeySystemAccess');

export class ClearKeyMediaKeySystemAccess implements MediaKeySystemAccess {
  readonly #configuration: Configuration;

  /** @internal Accesses come from requestClearKeyAccess(). */
  constructor(token: symbol, configuration: Configuration) {
    if (token !== CONSTRUCT) throw new TypeError('Illegal constructor');
    this.#configuration = configuration;
  }

  get keySystem(): string {
    return CLEAR_KEY_SYSTEM;
  }

  get [Symbol.toStringTag](): string {
    return 'MediaKeySystemAccess';
  }

  /** EME 4.1: the selected configuration; a fresh copy each call, as a WebIDL dictionary return value is. */
  getConfiguration(): MediaKeySystemConfiguration {
    const c = this.#configuration;
    return {
      label: c.label,
      initDataTypes: [...c.initDataTypes],
      audioCapabilities: c.audioCapabilities.map((cap) => ({ ...cap })),
      videoCapabilities: c.videoCapabilities.map((cap) => ({ ...cap })),
      distinctiveIdentifier: c.distinctiveIdentifier,
      persistentState: c.persistentState,
      sessionTypes: [...c.sessionTypes],
    };
  }

  /**
   * EME 4.1 createMediaKeys(): resolves from a queued task with a MediaKeys for the selected configuration. Step 2.2
   * ("Load and initialize the Key System") fails in a document with an opaque origin (a sandboxed iframe without
   * allow-same-origin, a data: URL): a CDM's state is kept per origin (EME Privacy Considerations: data "MUST be
   * origin-specific"), and such a document has no origin to keep it under. The error is Chromium's for the same
   * case (SecurityError, "EME use is not allowed on unique origins"): an origin restriction, in WebIDL's terms.
   */
  createMediaKeys(): Promise<ClearKeyMediaKeys> {
    const sessionTypes = this.#configuration.sessionTypes as MediaKeySessionType[];
    return new Promise((resolve, reject) =>
      queueTask(() => {
        if (isOpaqueOrigin()) reject(domError('SecurityError', 'EME is not available to an opaque origin'));
        else resolve(createClearKeyMediaKeys(sessionTypes));
      }),
    );
  }
}

/** Whether this document's origin is opaque: its serialization is "null" (HTML 7.1.1 ASCII serialization). */
function isOpaqueOrigin(): boolean {
  return (globalThis as { origin?: string }).origin === 'null';
}

/**
 * The bundled equivalent of navigator.requestMediaKeySystemAccess() (EME 3.1.1): rejects with a TypeError for an
 * empty keySystem or configuration list, a NotSupportedError when the key system is not 'org.w3.clearkey' or no
 * configuration is satisfiable; resolves with an access for the first satisfiable configuration.
 */
export function requestClearKeyAccess(
  keySystem: string,
  supportedConfigurations: Iterable<MediaKeySystemConfiguration>,
): Promise<ClearKeyMediaKeySystemAccess> {
  let candidates: Configuration[];
  const system = String(keySystem);
  try {
    // WebIDL conversion of sequence<MediaKeySystemConfiguration> happens before the algorithm.
    if (supportedConfigurations === null || typeof supportedConfigurations !== 'object') {
      throw new TypeError('supportedConfigurations is not a sequence');
    }
    candidates = [...supportedConfigurations].map(convertConfiguration);
  } catch (e) {
    return Promise.reject(e instanceof TypeError ? e : new TypeError(String(e)));
  }
  // 1-2.
  if (system === '') return Promise.reject(new TypeError('keySystem is empty'));
  if (candidates.length === 0) return Promise.reject(new TypeError('supportedConfigurations is empty'));
  // 6. In parallel: 1-2. key system support; 3. the first supported configuration; 4. NotSupportedError.
  return new Promise((resolve, reject) => {
    queueTask(() => {
      if (system !== CLEAR_KEY_SYSTEM) {
        reject(domError('NotSupportedError', `Unsupported keySystem '${system}'`));
        return;
      }
      for (const candidate of candidates) {
        const supported = getSupportedConfiguration(candidate);
        if (supported) {
          resolve(new ClearKeyMediaKeySystemAccess(CONSTRUCT, supported));
          return;
        }
      }
      reject(domError('NotSupportedError', 'None of the requested configurations is supported'));
    });
  });
}

/** EME 3.1.1.1 Get Supported Configuration (and 3.1.1.2's consent steps; Clear Key needs no consent). */
function getSupportedConfiguration(candidate: Configuration): Configuration | undefined {
  // 1-2.
  const accumulated: Configuration = {
    label: candidate.label,
    initDataTypes: [],
    audioCapabilities: [],
    videoCapabilities: [],
    distinctiveIdentifier: 'not-allowed',
    persistentState: 'not-allowed',
    sessionTypes: [],
  };
  // 3. initDataTypes: keep the supported ones; none supported is NotSupported.
  if (candidate.initDataTypes.length > 0) {
    const supportedTypes = candidate.initDataTypes.filter(isSupportedInitDataType);
    if (supportedTypes.length === 0) return undefined;
    accumulated.initDataTypes = supportedTypes;
  }
  // 4-7. Clear Key never uses a Distinctive Identifier (9.1.1): 'required' fails, 'optional' becomes 'not-allowed'.
  if (candidate.distinctiveIdentifier === 'required') return undefined;
  accumulated.distinctiveIdentifier = 'not-allowed';
  // 8-11. Persistent state is possible only with IndexedDB.
  const canPersist = storageAvailable();
  let persistentState = candidate.persistentState;
  if (persistentState === 'optional' && !canPersist) persistentState = 'not-allowed';
  if (persistentState === 'required' && !canPersist) return undefined;
  accumulated.persistentState = persistentState;
  // 12-14. Session types (default ['temporary']).
  for (const sessionType of candidate.sessionTypes) {
    const persistent = sessionType === 'persistent-license';
    if (accumulated.persistentState === 'not-allowed' && persistent) return undefined;
    if (sessionType !== 'temporary' && !persistent) return undefined;
    if (accumulated.persistentState === 'optional' && persistent) accumulated.persistentState = 'required';
  }
  accumulated.sessionTypes = [...candidate.sessionTypes];
  // 15. Both capability lists empty: NotSupported.
  if (candidate.videoCapabilities.length === 0 && candidate.audioCapabilities.length === 0) return undefined;
  // 16-17.
  if (candidate.videoCapabilities.length > 0) {
    const video = getSupportedCapabilities('video', candidate.videoCapabilities);
    if (!video) return undefined;
    accumulated.videoCapabilities = video;
  }
  if (candidate.audioCapabilities.length > 0) {
    const audio = getSupportedCapabilities('audio', candidate.audioCapabilities);
    if (!audio) return undefined;
    accumulated.audioCapabilities = audio;
  }
  // 18-19. Nothing this CDM does needs persistent state unless a persistent session type was asked for.
  if (accumulated.persistentState === 'optional') accumulated.persistentState = 'not-allowed';
  return accumulated;
}

/** EME 3.1.1.3 Get Supported Capabilities for Audio/Video Type; undefined stands for the spec's null. */
function getSupportedCapabilities(
  mediaType: 'audio' | 'video',
  requested: readonly MediaKeySystemMediaCapability[],
): MediaKeySystemMediaCapability[] | undefined {
  const supported: MediaKeySystemMediaCapability[] = [];
  for (const capability of requested) {
    const contentType = capability.contentType ?? '';
    // 3.3. An empty contentType fails the whole list.
    if (contentType === '') return undefined;
    // 3.4-3.11. A valid, strictly audio/video MIME type whose container and codecs this CDM judges itself
    // (content-type.ts); only then is the platform asked whether it can decode it (this CDM hands clear media to MSE).
    const normalized = judgeContentType(mediaType, contentType);
    if (normalized === undefined || !platformSupportsType(normalized)) continue;
    // 3.12. Robustness: only '' (9.1.1).
    if ((capability.robustness ?? '') !== '') continue;
    // encryptionScheme extension: null means any scheme.
    const scheme = capability.encryptionScheme ?? null;
    if (scheme !== null && !SUPPORTED_ENCRYPTION_SCHEMES.includes(scheme)) continue;
    // 3.13. Keep the requested capability.
    supported.push({ contentType, encryptionScheme: scheme, robustness: capability.robustness ?? '' });
  }
  return supported.length > 0 ? supported : undefined;
}

function platformSupportsType(contentType: string): boolean {
  const g = globalThis as {
    MediaSource?: { isTypeSupported?(type: string): boolean };
    ManagedMediaSource?: { isTypeSupported?(type: string): boolean };
  };
  const source = g.MediaSource ?? g.ManagedMediaSource;
  if (typeof source?.isTypeSupported !== 'function') return false;
  try {
    return source.isTypeSupported(contentType);
  } catch {
    return false;
  }
}

/** WebIDL dictionary conversion of MediaKeySystemConfiguration (EME 3.1): defaults, enums, sequences. */
function convertConfiguration(input: MediaKeySystemConfiguration): Configuration {
  if (input !== undefined && input !== null && typeof input !== 'object') {
    throw new TypeError('A configuration is not a MediaKeySystemConfiguration dictionary');
  }
  const c = (input ?? {}) as MediaKeySystemConfiguration;
  return {
    label: c.label === undefined ? '' : String(c.label),
    initDataTypes: stringList(c.initDataTypes, 'initDataTypes'),
    audioCapabilities: capabilityList(c.audioCapabilities, 'audioCapabilities'),
    videoCapabilities: capabilityList(c.videoCapabilities, 'videoCapabilities'),
    distinctiveIdentifier: requirement(c.distinctiveIdentifier, 'distinctiveIdentifier'),
    persistentState: requirement(c.persistentState, 'persistentState'),
    // 12. Absent sessionTypes means ['temporary'].
    sessionTypes: c.sessionTypes === undefined ? ['temporary'] : stringList(c.sessionTypes, 'sessionTypes'),
  };
}

function stringList(value: unknown, name: string): string[] {
  if (value === undefined) return [];
  if (value === null || typeof value !== 'object' || !(Symbol.iterator in value)) {
    throw new TypeError(`${name} is not a sequence`);
  }
  return [...(value as Iterable<unknown>)].map((v) => String(v));
}

function requirement(value: unknown, name: string): MediaKeysRequirement {
  if (value === undefined) return 'optional';
  const s = String(value);
  if (!REQUIREMENTS.includes(s)) throw new TypeError(`${name} '${s}' is not a MediaKeysRequirement`);
  return s as MediaKeysRequirement;
}

function capabilityList(value: unknown, name: string): MediaKeySystemMediaCapability[] {
  if (value === undefined) return [];
  if (value === null || typeof value !== 'object' || !(Symbol.iterator in value)) {
    throw new TypeError(`${name} is not a sequence`);
  }
  return [...(value as Iterable<unknown>)].map((v) => {
    if (v !== undefined && v !== null && typeof v !== 'object') {
      throw new TypeError(`${name} holds a non-dictionary`);
    }
    const cap = (v ?? {}) as MediaKeySystemMediaCapability;
    return {
      contentType: cap.contentType === undefined ? '' : String(cap.contentType),
      encryptionScheme:
        cap.encryptionScheme === undefined || cap.encryptionScheme === null ? null : String(cap.encryptionScheme),
      robustness: cap.robustness === undefined ? '' : String(cap.robustness),
    };
  });
}
