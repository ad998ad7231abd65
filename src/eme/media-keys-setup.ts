/**
 * Choosing a run's key system and making its MediaKeys (W3C EME: Navigator.requestMediaKeySystemAccess(),
 * MediaKeySystemAccess.createMediaKeys(), MediaKeys.setServerCertificate(), HTMLMediaElement.setMediaKeys()): the
 * candidates of the config are tried in order (key-system-config.ts), and a step that fails moves on to the next
 * candidate, so that with fallback 'auto' the bundled CDM comes after a native one that refused.
 */
import type { BundledCdm } from './bundled-cdm.js';
import { parseClearKeys } from './clear-key.js';
import { describeReason, DrmError, DrmErrorCode, isAbort } from './errors.js';
import { candidates, noKeySystemError } from './key-system-config.js';
import type { DrmConfig, RequestAccess, Trial } from './key-system-config.js';
import type { MediaKeysChain } from './media-keys-chain.js';
import { aborted } from './run.js';
import type { Setup } from './run.js';

/** What the choice needs from the controller that owns it. */
export interface MediaKeysSetupContext {
  /** The platform's requestMediaKeySystemAccess; null where there is no EME. */
  requestNative: RequestAccess | null;
  bundled: BundledCdm;
  /** The media element native MediaKeys go on, read when they are ready (it may change meanwhile). */
  media: () => HTMLMediaElement | null;
  /** The controller's setMediaKeys() calls, one after the other. */
  mediaKeysChain: MediaKeysChain;
}

/**
 * Resolves the first candidate of `config` whose every step succeeds, its native MediaKeys already on the media
 * element. Rejects with the abort reason once `signal` aborts, with a DrmError a candidate's options make (e.g.
 * malformed clearKeys) as it is, and otherwise with NO_KEY_SYSTEM naming every candidate tried and the step that
 * failed. MediaKeys of a failed candidate are left unused: a bundled one's key store is closed, so nothing waits on
 * it, and a native one is taken off the element.
 */
export async function setUpMediaKeys(
  config: DrmConfig | null,
  context: MediaKeysSetupContext,
  signal: AbortSignal,
): Promise<Setup> {
  const { requestNative, bundled, media, mediaKeysChain } = context;
  if (!config) throw new DrmError(DrmErrorCode.INVALID_CONFIG, 'Encrypted content but no drm config', { field: 'drm' });
  const tried: Trial[] = [];
  for (const c of candidates(config, requestNative !== null)) {
    const request: RequestAccess =
      c.cdm === 'native' ? requestNative! : (ks, cfgs) => bundled.requestClearKeyAccess(ks, cfgs);
    let step = 'requestMediaKeySystemAccess';
    let mediaKeys: MediaKeys | undefined;
    try {
      const clearKeys = c.options.clearKeys ? parseClearKeys(c.options.clearKeys) : null;
      const access = await request(c.keySystem, [c.configuration]);
      if (signal.aborted) aborted(signal);
      step = 'createMediaKeys';
      mediaKeys = await access.createMediaKeys();
      if (signal.aborted) aborted(signal);
      if (c.options.serverCertificate !== undefined) {
        step = 'setServerCertificate';
        await mediaKeys.setServerCertificate(await fetchCertificate(c.options.serverCertificate, signal));
        if (signal.aborted) aborted(signal);
      }
      const element = media();
      if (c.cdm === 'native' && element) {
        // Inside the try: an element that refuses the MediaKeys is one more failed candidate, so with fallback
        // 'auto' the bundled CDM comes next.
        step = 'setMediaKeys';
        await mediaKeysChain.set(element, mediaKeys);
        if (signal.aborted) aborted(signal);
      }
      return {
        keySystem: c.keySystem,
        cdm: c.cdm,
        mediaKeys,
        options: c.options,
        sessionType: c.sessionType,
        clearKeys,
      };
    } catch (error) {
      if (mediaKeys && c.cdm === 'bundled') bundled.keyStoreOf(mediaKeys)?.close();
      const element = media();
      if (mediaKeys && c.cdm === 'native' && element) void mediaKeysChain.detach(element, mediaKeys);
      if (isAbort(error, signal)) throw error;
      if (error instanceof DrmError) throw error;
      tried.push({ keySystem: c.keySystem, cdm: c.cdm, reason: `${step}: ${describeReason(error)}` });
    }
  }
  throw noKeySystemError(tried, config);
}

/** A server certificate given as a URL is fetched (uncached: it is the license server's to change). */
async function fetchCertificate(source: string | BufferSource, signal: AbortSignal): Promise<BufferSource> {
  if (typeof source !== 'string') return source;
  const response = await fetch(source, { signal, cache: 'no-store' });
  if (!response.ok) throw new DOMException(`server certificate: HTTP ${response.status}`, 'NetworkError');
  return response.arrayBuffer();
}
