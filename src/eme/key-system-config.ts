/**
 * The `drm` configuration (the element's public `drm` property) and key system selection (W3C EME 3.1,
 * requestMediaKeySystemAccess with MediaKeySystemConfiguration candidates).
 */
import { CLEAR_KEY } from './clear-key.js';
import { DrmError, DrmErrorCode } from './errors.js';

/** Which Clear Key implementation to use. */
export const Fallback = {
  /** The platform's Clear Key when it exists and grants access, else the bundled CDM. */
  AUTO: 'auto',
  /** Always the bundled CDM (decrypts before MSE; works where the platform has no EME). */
  ALWAYS: 'always',
  /** Only the platform's CDM; an error when there is none. */
  NEVER: 'never',
} as const;
export type Fallback = (typeof Fallback)[keyof typeof Fallback];

/** Which CDM the controller got. */
export type CdmKind = 'native' | 'bundled';

/** One license HTTP request, as the `requestFilter` sees it: every field may be rewritten (in place). */
export interface LicenseRequestInfo {
  url: string;
  /** Default 'POST'. */
  method: string;
  headers: Record<string, string>;
  /** The CDM's message (or a Clear Key renewal request). */
  body: Uint8Array;
  messageType: MediaKeyMessageType;
  keySystem: string;
  /** '' before the CDM has assigned one. */
  sessionId: string;
  /** 1 for the first try, 2 for the first retry, ... */
  attempt: number;
}

/** One license HTTP response, as the `responseFilter` sees it: `data` may be replaced (e.g. unwrap a wrapped license). */
export interface LicenseResponseInfo {
  url: string;
  status: number;
  headers: Headers;
  /** The bytes passed to MediaKeySession.update(). */
  data: Uint8Array;
  request: LicenseRequestInfo;
}

export interface BackoffOptions {
  /** Delay before the first retry, in ms. Default 250. */
  baseMs?: number;
  /** Each further retry waits this many times longer. Default 2. */
  factor?: number;
  /** Upper bound of one delay (also caps a server's Retry-After), in ms. Default 5000. */
  maxMs?: number;
  /** Random spread of each delay, as a fraction: 0.3 means +-30 %. Default 0.3. */
  jitter?: number;
}

export interface LicenseOptions {
  /** Time allowed for one attempt (request and body), in ms. Default 15000. */
  timeoutMs?: number;
  /** Retries after the first attempt, on network errors, timeouts, 5xx and 429 (never on other 4xx). Default 2. */
  retries?: number;
  /** Delays between retries. Defaults: see {@link BackoffOptions}. */
  backoff?: BackoffOptions;
  /** fetch credentials mode. Default 'same-origin'. */
  credentials?: RequestCredentials;
  /** Headers sent with every license request (a key system's own `headers` win). Default none. */
  headers?: Record<string, string>;
  /** Called before each attempt; may rewrite url, method, headers and body, and may be async. Default none. */
  requestFilter?: (request: LicenseRequestInfo) => void | Promise<void>;
  /** Called with each successful response; may replace `data`, and may be async. Default none. */
  responseFilter?: (response: LicenseResponseInfo) => void | Promise<void>;
}

/** Options of one key system. */
export interface KeySystemOptions {
  /** Where license (and renewal, release) messages are POSTed. Default none: required unless inline keys answer. */
  licenseUrl?: string;
  /** Extra headers for this key system's license requests (over `license.headers`). Default none. */
  headers?: Record<string, string>;
  /** Server certificate, as bytes or a URL to fetch them from, for systems that use one. Default none. */
  serverCertificate?: string | BufferSource;
  /** Robustness of audio and video capabilities unless the specific ones are set. Default ''. */
  robustness?: string;
  /** Audio robustness. Default `robustness`. */
  audioRobustness?: string;
  /** Video robustness. Default `robustness`. */
  videoRobustness?: string;
  /** Session type for this key system. Default the config's `sessionType`. */
  sessionType?: MediaKeySessionType;
  /** Default the config's `persistentState` ('required' when the session type is 'persistent-license'). */
  persistentState?: MediaKeysRequirement;
  /** Default 'optional'. */
  distinctiveIdentifier?: MediaKeysRequirement;
  /** Encryption scheme of the content ('cenc', 'cbcs', ...). Default the config's `encryptionScheme`. */
  encryptionScheme?: string | null;
  /** Where 'individualization-request' messages go. Default `licenseUrl`. */
  individualizationUrl?: string;
}

export interface ClearKeyOptions extends KeySystemOptions {
  /** Inline keys, KID hex -> key hex: license requests are answered locally, no server. Default none. */
  clearKeys?: Record<string, string>;
}

/** The element's `drm` property. */
export interface DrmConfig {
  /** Key systems to try, by name ('org.w3.clearkey', 'com.widevine.alpha', 'com.microsoft.playready', ...). */
  keySystems: { [CLEAR_KEY]?: ClearKeyOptions } & {
    [keySystem: string]: ClearKeyOptions | KeySystemOptions | undefined;
  };
  /** Native vs bundled Clear Key, see {@link Fallback}. Default 'auto'. */
  fallback?: Fallback;
  /** Key systems to try first, in this order; the others follow in `keySystems` order. Default none. */
  preferredKeySystems?: string[];
  /** Default 'temporary'. */
  sessionType?: MediaKeySessionType;
  /** Default 'optional'. */
  persistentState?: MediaKeysRequirement;
  /** Default null (any scheme). */
  encryptionScheme?: string | null;
  /** Video content types to ask the key system for. Default `['video/mp4; codecs="avc1.42E01E"']`. */
  videoContentTypes?: string[];
  /** Audio content types to ask the key system for. Default `['audio/mp4; codecs="mp4a.40.2"']`. */
  audioContentTypes?: string[];
  /** License HTTP options. Defaults: see {@link LicenseOptions}. */
  license?: LicenseOptions;
}

export type RequestAccess = (
  keySystem: string,
  configs: MediaKeySystemConfiguration[],
) => Promise<MediaKeySystemAccess>;

/** One key system and CDM to try, in order. */
export interface Candidate {
  keySystem: string;
  cdm: CdmKind;
  options: ClearKeyOptions;
  sessionType: MediaKeySessionType;
  configuration: MediaKeySystemConfiguration;
}

const DEFAULT_VIDEO = ['video/mp4; codecs="avc1.42E01E"'];
const DEFAULT_AUDIO = ['audio/mp4; codecs="mp4a.40.2"'];

/** Key systems in trial order: `preferredKeySystems` first (those configured), then the rest in config order. */
export function keySystemOrder(config: DrmConfig): string[] {
  const configured = Object.keys(config.keySystems).filter((ks) => config.keySystems[ks] !== undefined);
  const preferred = (config.preferredKeySystems ?? []).filter((ks) => configured.includes(ks));
  return [...new Set([...preferred, ...configured])];
}

/** The MediaKeySystemConfiguration asked for one key system (EME 3.1.1). */
export function buildConfiguration(
  keySystem: string,
  options: KeySystemOptions,
  config: DrmConfig,
): { configuration: MediaKeySystemConfiguration; sessionType: MediaKeySessionType } {
  const sessionType = options.sessionType ?? config.sessionType ?? 'temporary';
  const encryptionScheme = options.encryptionScheme ?? config.encryptionScheme ?? null;
  const capability = (contentType: string, robustness: string): MediaKeySystemMediaCapability => {
    const cap: MediaKeySystemMediaCapability = { contentType, robustness };
    // Left out when null: EME 3.1.1.1 treats a missing member as "any scheme", and older engines reject the member.
    if (encryptionScheme) (cap as { encryptionScheme?: string }).encryptionScheme = encryptionScheme;
    return cap;
  };
  const robustness = options.robustness ?? '';
  return {
    sessionType,
    configuration: {
      label: keySystem,
      initDataTypes: keySystem === CLEAR_KEY ? ['cenc', 'keyids', 'webm'] : ['cenc'],
      videoCapabilities: (config.videoContentTypes ?? DEFAULT_VIDEO).map((t) =>
        capability(t, options.videoRobustness ?? robustness),
      ),
      audioCapabilities: (config.audioContentTypes ?? DEFAULT_AUDIO).map((t) =>
        capability(t, options.audioRobustness ?? robustness),
      ),
      distinctiveIdentifier: options.distinctiveIdentifier ?? 'optional',
      // A persistent-license session needs persistent state (EME 3.1.1.2 "Get Supported Configuration and Consent").
      persistentState:
        sessionType === 'persistent-license'
          ? 'required'
          : (options.persistentState ?? config.persistentState ?? 'optional'),
      sessionTypes: [sessionType],
    },
  };
}

/** Every (key system, CDM) pair to try, in order, as `fallback` says. */
export function candidates(config: DrmConfig, hasNative: boolean): Candidate[] {
  if (!config || typeof config !== 'object' || !config.keySystems || typeof config.keySystems !== 'object') {
    throw new DrmError(DrmErrorCode.INVALID_CONFIG, 'drm.keySystems is missing', { field: 'keySystems' });
  }
  const fallback = config.fallback ?? Fallback.AUTO;
  if (!Object.values(Fallback).includes(fallback)) {
    throw new DrmError(DrmErrorCode.INVALID_CONFIG, `drm.fallback "${String(fallback)}" is not auto, always or never`, {
      field: 'fallback',
    });
  }
  const out: Candidate[] = [];
  for (const keySystem of keySystemOrder(config)) {
    const options = config.keySystems[keySystem] ?? {};
    const { configuration, sessionType } = buildConfiguration(keySystem, options, config);
    const entry = { keySystem, options, configuration, sessionType };
    // Only Clear Key has a bundled implementation; every other system is the platform's or nothing.
    const native = keySystem !== CLEAR_KEY || fallback !== Fallback.ALWAYS;
    const bundled = keySystem === CLEAR_KEY && fallback !== Fallback.NEVER;
    if (native && hasNative) out.push({ ...entry, cdm: 'native' });
    if (bundled) out.push({ ...entry, cdm: 'bundled' });
  }
  return out;
}

/** A failed candidate, for NO_KEY_SYSTEM's data. */
export interface Trial {
  keySystem: string;
  cdm: CdmKind;
  reason: string;
}

export function noKeySystemError(tried: Trial[], config: DrmConfig): DrmError {
  const fallback = config.fallback ?? Fallback.AUTO;
  const message =
    tried.length === 0
      ? `No key system to try (fallback "${fallback}"${fallback === 'never' ? ' and no platform EME' : ''})`
      : `No key system granted access: ${tried.map((t) => `${t.keySystem} (${t.cdm}): ${t.reason}`).join('; ')}`;
  // Copied as plain records: an error's data holds plain values only (ErrorData), never the caller's objects.
  return new DrmError(DrmErrorCode.NO_KEY_SYSTEM, message, { tried: tried.map((t) => ({ ...t })) });
}
