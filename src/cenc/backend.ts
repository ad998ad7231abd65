/**
 * Where the decrypt core's heavy work runs: media segments parsed (src/mp4), planned and decrypted (src/crypto). The
 * page's one dedicated Worker (worker-backend.ts, decrypt-worker.ts) or the main thread (main-thread.ts), behind one
 * interface, so that CencTrack does not know which. Init segments (a few KiB, once per track) stay with CencTrack on
 * the main thread: their init data is announced from there.
 *
 * A segment goes in two steps because the keys it needs are known only once it is parsed, and may have to be waited
 * for on the main thread (the key store and its 'waitingforkey' live there): parse() takes the bytes and says which
 * KIDs and pssh boxes the segment has; then decrypt() gets the raw keys of those KIDs, or release() gives the bytes
 * back as they came.
 */
import type { InitInfo } from '../mp4/init.js';

/** Where the core runs: the page's decrypt Worker, or the main thread (no Worker, or the page's CSP forbids it). */
export type CoreThread = 'worker' | 'main';

/** A pssh box of a media segment (key rotation, ISO/IEC 23001-7 8.1.1): what the core announces of it. */
export interface SegmentPssh {
  /** 16-byte SystemID. */
  systemId: Uint8Array;
  /** The whole box, header included ('cenc' init data). */
  bytes: Uint8Array;
}

/** A media segment parsed against its init segment, held by the backend under `ticket` until decrypt or release. */
export interface ParsedMedia {
  ticket: number;
  /** The segment's pssh boxes (copies: small, and no view of the segment's buffer leaves the backend). */
  pssh: SegmentPssh[];
  /** Every KID its protected samples use, once each, in order of first use (copies). */
  kids: Uint8Array[];
}

export interface CencBackend {
  readonly thread: CoreThread;
  /**
   * Parses a media segment against `init`. Takes `bytes`: a worker gets its buffer transferred (copied first only when
   * the view does not cover the whole buffer), so the caller must not use them again. Rejects with Mp4ParseError.
   */
  parse(bytes: Uint8Array, init: InitInfo): Promise<ParsedMedia>;
  /**
   * Decrypts a parsed segment in place with the raw key of each of its KIDs (lowercase hex -> 16 bytes) and frees its
   * encryption boxes: the clear bytes. Rejects with CryptoError (or MissingKeyError for a KID without a key).
   */
  decrypt(ticket: number, keys: ReadonlyMap<string, Uint8Array>): Promise<Uint8Array>;
  /** Gives a parsed segment's bytes back as they came (a platform CDM decrypts them, or the caller gave up). */
  release(ticket: number): Promise<Uint8Array>;
}
