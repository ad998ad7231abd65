/**
 * The decrypt core: protected fMP4 in, clear fMP4 out (track.ts), over src/mp4 (boxes) and src/crypto (ciphers).
 * The streaming layer and the polyfill call it; it knows neither. Media segments are parsed and decrypted in the
 * page's decrypt Worker, or on the main thread where the page allows none (thread.ts); decrypt-segment.ts, the
 * one-call form, is imported from its own file (it is in the worker's chunk and the main-thread fallback's, not here).
 */
export { CencTrack, type CencTrackOptions, type FoundInitData, type InitOutcome, type KeySource } from './track.js';
export { AT_BOUNDARY, advance, type BoxPosition } from './units.js';
export { scanInits, type InitScan } from './scan.js';
export { coreThread } from './thread.js';
export type { CoreThread } from './backend.js';
