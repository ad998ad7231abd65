/**
 * navigator.mediaCapabilities.decodingInfo() with a Clear Key keySystemConfiguration answers with the bundled
 * CDM's MediaKeySystemAccess (Media Capabilities 2.5.2 "Check Encrypted Decoding Support"); shaka-player 5 asks
 * for key system access this way. The decoding part is the platform's answer for the configuration without its
 * keySystemConfiguration (the bundled CDM hands the platform clear media), so this also works where the
 * platform does not know keySystemConfiguration at all.
 */
import { CLEAR_KEY_SYSTEM, requestClearKeyAccess } from '../cdm/index.js';

type DecodingInfo = (this: MediaCapabilities, config: MediaDecodingConfiguration) => Promise<MediaCapabilitiesInfo>;

interface KeySystemInfo extends MediaCapabilitiesInfo {
  keySystemAccess: MediaKeySystemAccess | null;
  configuration?: MediaDecodingConfiguration;
}

/** Media Capabilities 2.5.2 step 1-6: the MediaKeySystemConfiguration a decoding configuration stands for. */
function keySystemConfigurationOf(config: MediaDecodingConfiguration): MediaKeySystemConfiguration {
  const ks = config.keySystemConfiguration!;
  const capability = (
    contentType: string,
    track: (KeySystemTrackConfiguration & { encryptionScheme?: string | null }) | undefined,
  ): MediaKeySystemMediaCapability => ({
    contentType,
    robustness: track?.robustness ?? '',
    encryptionScheme: track?.encryptionScheme ?? null,
  });
  const out: MediaKeySystemConfiguration = {
    initDataTypes: ks.initDataType ? [ks.initDataType] : [],
    distinctiveIdentifier: ks.distinctiveIdentifier ?? 'optional',
    persistentState: ks.persistentState ?? 'optional',
  };
  if (ks.sessionTypes) out.sessionTypes = [...ks.sessionTypes];
  if (config.audio) out.audioCapabilities = [capability(config.audio.contentType, ks.audio)];
  if (config.video) out.videoCapabilities = [capability(config.video.contentType, ks.video)];
  return out;
}

/**
 * The decodingInfo() that answers Clear Key itself; `behind()` gives the decodingInfo() it asks for everything else
 * and for the decoding part (the platform's, or a player polyfill's that wraps it).
 */
export function clearKeyDecodingInfo(behind: () => DecodingInfo | undefined): DecodingInfo {
  return async function decodingInfo(this: MediaCapabilities, config: MediaDecodingConfiguration) {
    const original = behind();
    if (!original) throw new TypeError('decodingInfo is not available');
    const ks = config?.keySystemConfiguration;
    if (!ks || ks.keySystem !== CLEAR_KEY_SYSTEM) return original.call(this, config);
    const { keySystemConfiguration: _, ...decoding } = config;
    const unsupported: KeySystemInfo = {
      supported: false,
      smooth: false,
      powerEfficient: false,
      keySystemAccess: null,
      configuration: config,
    };
    const info = await original.call(this, decoding);
    if (!info.supported) return unsupported;
    try {
      const access = await requestClearKeyAccess(CLEAR_KEY_SYSTEM, [keySystemConfigurationOf(config)]);
      const result: KeySystemInfo = {
        supported: true,
        smooth: info.smooth,
        powerEfficient: info.powerEfficient,
        keySystemAccess: access,
        configuration: config,
      };
      return result;
    } catch {
      return unsupported;
    }
  };
}
