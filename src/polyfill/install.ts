/**
 * installClearKeyPolyfill() / uninstallClearKeyPolyfill(): the bundled Clear Key CDM behind the platform's EME entry
 * points, for players that use EME themselves (shaka-player, hls.js, dash.js, ...).
 *
 * What is patched: navigator.requestMediaKeySystemAccess (Clear Key only; other key systems go to the platform) and
 * navigator.mediaCapabilities.decodingInfo (Clear Key keySystemConfiguration only), on those objects and in front of
 * whatever players' own polyfills assign there before or after (patches.ts interceptMethod); HTMLMediaElement
 * setMediaKeys / mediaKeys (and onencrypted / onwaitingforkey where missing), URL.createObjectURL (to know which
 * MediaSource an element plays), MediaSource addSourceBuffer and the SourceBuffer members (see source-buffer.ts),
 * and, where the platform has no EME, the global interface names (MediaKeys, MediaKeySession, ...). uninstall puts
 * back every original property descriptor (or what was assigned to an intercepted member since).
 */
import {
  CLEAR_KEY_SYSTEM,
  ClearKeyMediaKeys,
  ClearKeyMediaKeySession,
  ClearKeyMediaKeyStatusMap,
  ClearKeyMediaKeySystemAccess,
  ClearKeyMessageEvent,
  requestClearKeyAccess,
} from '../cdm/index.js';
import { ClearKeyMediaEncryptedEvent } from './events.js';
import { clearKeyDecodingInfo } from './media-capabilities.js';
import { installMediaElement, uninstallMediaElement } from './media-element.js';
import { interceptMethod, patch, restoreAll } from './patches.js';
import { installSourceBuffers, uninstallSourceBuffers } from './source-buffer.js';
import { coreThread, type CoreThread } from '../cenc/index.js';

export interface ClearKeyPolyfillOptions {
  /**
   * Install even where the platform has a working Clear Key CDM of its own (e.g. to decrypt cens/cbc1, or to
   * test). Default false: install only where `org.w3.clearkey` cannot be had from the platform.
   */
  force?: boolean;
}

type RequestAccess = (
  keySystem: string,
  configurations: MediaKeySystemConfiguration[],
) => Promise<MediaKeySystemAccess>;

let installed = false;
let pending: Promise<boolean> | undefined;

/** Whether the platform grants Clear Key and creates its MediaKeys (the probe a player would run). */
async function platformHasClearKey(): Promise<boolean> {
  const request = navigator.requestMediaKeySystemAccess as RequestAccess | undefined;
  if (typeof request !== 'function') return false;
  try {
    const access = await request.call(navigator, CLEAR_KEY_SYSTEM, [
      {
        initDataTypes: ['cenc'],
        videoCapabilities: [{ contentType: 'video/mp4; codecs="avc1.42e01e"' }],
      },
    ]);
    await access.createMediaKeys();
    return true;
  } catch {
    return false;
  }
}

function apply(): void {
  // Before the patches below: whether a MediaKeys of the platform's own may come (source-buffer.ts).
  const platformEme = typeof navigator.requestMediaKeySystemAccess === 'function';
  // On the navigator and MediaCapabilities objects themselves, in front of whatever a player's own polyfills put
  // there before or after (see interceptMethod).
  interceptMethod<RequestAccess>(
    navigator,
    'requestMediaKeySystemAccess',
    (behind) =>
      function requestMediaKeySystemAccess(
        this: Navigator,
        keySystem: string,
        configurations: MediaKeySystemConfiguration[],
      ): Promise<MediaKeySystemAccess> {
        const next = behind();
        if (String(keySystem) === CLEAR_KEY_SYSTEM || !next) {
          return requestClearKeyAccess(keySystem, configurations);
        }
        return next.call(this, keySystem, configurations);
      },
  );
  const capabilities = (navigator as { mediaCapabilities?: MediaCapabilities }).mediaCapabilities;
  if (capabilities && typeof capabilities.decodingInfo === 'function') {
    interceptMethod(capabilities, 'decodingInfo', clearKeyDecodingInfo);
  }
  const g = globalThis as Record<string, unknown>;
  const interfaces: Record<string, unknown> = {
    MediaKeys: ClearKeyMediaKeys,
    MediaKeySession: ClearKeyMediaKeySession,
    MediaKeySystemAccess: ClearKeyMediaKeySystemAccess,
    MediaKeyStatusMap: ClearKeyMediaKeyStatusMap,
    MediaKeyMessageEvent: ClearKeyMessageEvent,
    MediaEncryptedEvent: ClearKeyMediaEncryptedEvent,
  };
  for (const [name, value] of Object.entries(interfaces)) {
    // Interface objects are writable, non-enumerable properties of the global (WebIDL 3.7).
    if (!(name in g)) patch(globalThis, name, { value, writable: true, enumerable: false });
  }
  installMediaElement();
  installSourceBuffers(platformEme);
}

/**
 * Installs the polyfill where the platform has no working Clear Key, or always with `force`. Resolves with whether
 * it is installed (true also when it already was). Idempotent.
 */
export function installClearKeyPolyfill(options: ClearKeyPolyfillOptions = {}): Promise<boolean> {
  if (installed) return Promise.resolve(true);
  // Without force, the decision waits for the platform's answer (a promise) only where there is a platform EME to
  // ask. Where there is none (WebKitGTK), install acts at once, before the call returns, as with force: a page
  // that calls install() in one <script> and loads a player that reads EME entry points when its script runs
  // (hls.js) in the next gets the polyfill without awaiting anything.
  if (options.force || typeof navigator.requestMediaKeySystemAccess !== 'function') {
    apply();
    installed = true;
    return Promise.resolve(true);
  }
  pending ??= platformHasClearKey().then((native) => {
    pending = undefined;
    if (native || installed) return installed;
    apply();
    installed = true;
    return true;
  });
  return pending;
}

/**
 * Restores every patched member exactly as it was. MediaKeys already attached to elements stay usable by pages
 * holding them, but appends no longer go through the bundled CDM.
 */
export function uninstallClearKeyPolyfill(): void {
  if (!installed) return;
  restoreAll();
  uninstallMediaElement();
  uninstallSourceBuffers();
  installed = false;
}

/** Whether the polyfill is installed now. */
export function isClearKeyPolyfillInstalled(): boolean {
  return installed;
}

/**
 * Where the polyfill's decrypt core parses and decrypts appended media segments: 'worker', the page's one dedicated
 * Worker (shared with any <secure-video> of the page); 'main', the main thread, where the page has no Worker or its
 * Content-Security-Policy forbids it (or, from the classic script, where the script's own URL is unknown); null
 * until the first protected media segment. See docs/security.md.
 */
export function clearKeyPolyfillDecryptThread(): CoreThread | null {
  return coreThread();
}
