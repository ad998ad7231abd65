/**
 * The decrypt core: protected fMP4 in, clear fMP4 out (track.ts), over src/mp4 (boxes) and src/crypto (ciphers).
 * The streaming layer and the polyfill call it; it knows neither.
 */
export { CencTrack, type CencTrackOptions, type FoundInitData, type InitOutcome, type KeySource } from './track.js';
export { decryptSegment, decryptParsedSegment, type DecryptSegmentOptions } from './decrypt-segment.js';
export { AT_BOUNDARY, advance, type BoxPosition } from './units.js';
export { scanInits, type InitScan } from './scan.js';
