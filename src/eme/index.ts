/** The EME layer: the controller, its configuration, events, state values and errors. */
export { EmeController, type EmeControllerOptions } from './eme-controller.js';
export {
  Fallback,
  type BackoffOptions,
  type CdmKind,
  type ClearKeyOptions,
  type DrmConfig,
  type KeySystemOptions,
  type LicenseOptions,
  type LicenseRequestInfo,
  type LicenseResponseInfo,
} from './key-system-config.js';
export { DrmState, KeyStatus } from './key-status.js';
export {
  DrmEvent,
  type DrmEventMap,
  type DrmErrorDetail,
  type DrmStateDetail,
  type KeyStatusesDetail,
  type LicenseRequestDetail,
  type LicenseResponseDetail,
} from './events.js';
export { DrmError, DrmErrorCategory, DrmErrorCode, type DrmErrorData } from './errors.js';
export { keyIdsInitData } from './init-data.js';
export { fetchLicense, backoffDelay, type LicenseExchange, type LicenseResult } from './license-client.js';
export type { BundledCdm } from './bundled-cdm.js';
