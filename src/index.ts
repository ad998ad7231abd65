// Classes and types only: importing this module registers nothing (see ./define.ts).
export { SecureVideo, LoadStatus } from './element/secure-video.js';
export { defaultMessages } from './element/messages.js';
export type { SecureVideoMessages } from './element/messages.js';
export { PlaybackError, PlaybackErrorCode } from './streaming/errors.js';
