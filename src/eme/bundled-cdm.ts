/** The bundled Clear Key CDM as the controller uses it: injectable, so a host can supply its own build of it. */
import { keyStoreOf, requestClearKeyAccess } from '../cdm/index.js';
import type { ClearKeyStore } from '../cdm/index.js';
import type { RequestAccess } from './key-system-config.js';

export interface BundledCdm {
  /** Like navigator.requestMediaKeySystemAccess, for 'org.w3.clearkey' only. */
  requestClearKeyAccess: RequestAccess;
  /** The decryption side of a bundled MediaKeys (undefined for any other object). */
  keyStoreOf(mediaKeys: unknown): ClearKeyStore | undefined;
}

export const defaultBundledCdm: BundledCdm = { requestClearKeyAccess, keyStoreOf };
