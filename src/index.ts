// Classes and types only: importing this module registers nothing (see ./define.ts).
export { SecureVideo, LoadStatus } from './element/secure-video.js';
export { defaultMessages } from './element/messages.js';
export type { SecureVideoMessages } from './element/messages.js';
export { SecureVideoError, ErrorLayer } from './errors/secure-video-error.js';
export type { ErrorData, ErrorDatum } from './errors/secure-video-error.js';
export { PlaybackError, PlaybackErrorCode } from './streaming/errors.js';
export type { PlaybackErrorData } from './streaming/errors.js';
export { Mp4ParseError, Mp4ErrorCode } from './mp4/errors.js';
export { CryptoError, CryptoErrorCode } from './crypto/errors.js';
export { MissingKeyError } from './crypto/keys.js';
export { CdmError, CdmErrorCode } from './cdm/errors.js';
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
