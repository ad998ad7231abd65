// Classes and types only: importing this module registers nothing (see ./define.ts).
export { SecureVideo, LoadStatus } from './element/secure-video.js';
export { defaultMessages } from './element/messages.js';
export type { SecureVideoMessages } from './element/messages.js';
export { PlaybackError, PlaybackErrorCode } from './streaming/errors.js';
export { EmeController, DrmState, KeyStatus, DrmError, DrmErrorCategory, DrmErrorCode, Fallback } from './eme/index.js';
export type {
  DrmConfig,
  KeySystemOptions,
  ClearKeyOptions,
  LicenseOptions,
  CdmKind,
  DrmEventMap,
  LicenseRequestDetail,
  LicenseResponseDetail,
  KeyStatusesDetail,
  DrmStateDetail,
  DrmErrorDetail,
} from './eme/index.js';
