/**
 * secure-video/cdm: the bundled Clear Key CDM (W3C EME, 'org.w3.clearkey').
 *
 * requestClearKeyAccess() stands in for navigator.requestMediaKeySystemAccess(); the objects it leads to behave as
 * the platform's MediaKeySystemAccess, MediaKeys, MediaKeySession and MediaKeyStatusMap. keyStoreOf() gives the
 * decryption layer the keys of a bundled MediaKeys.
 */
export {
  requestClearKeyAccess,
  ClearKeyMediaKeySystemAccess,
  CLEAR_KEY_SYSTEM,
  SUPPORTED_ENCRYPTION_SCHEMES,
} from './access.js';
export { ClearKeyMediaKeys, keyStoreOf, isBundledMediaKeys } from './media-keys.js';
export { ClearKeyMediaKeySession } from './session.js';
export { ClearKeyMediaKeyStatusMap } from './key-status-map.js';
export { ClearKeyStore, KeyWaitEvent, type ClearKeyStoreEventMap } from './key-store.js';
export { ClearKeyMessageEvent } from './message-event.js';
export { CdmError, CdmErrorCode } from './errors.js';
export { SUPPORTED_INIT_DATA_TYPES } from './init-data.js';
