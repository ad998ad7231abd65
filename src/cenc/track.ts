/**
 * The decrypt core: one protected track's state, from the bytes a player fetched or appended to the clear bytes the
 * platform's SourceBuffer gets. Both the streaming layer (shaka's response filter) and the polyfill's SourceBuffer
 * are thin adapters over it; neither reads a box.
 *
 * - An init segment in: its init data out at once (every pssh box as 'cenc' init data, EME 9.1 / ISO/IEC 23001-7
 *   8.1; the tenc/seig default KIDs for 'keyids'), then, once the adapter says which CDM decrypts, the clear init
 *   (ISO/IEC 14496-12 8.12 unwrapped) or the bytes as they were for a platform CDM.
 * - Media bytes in: the init data of any moof pssh (key rotation, ISO/IEC 23001-7 8.1.1) out at once, then the clear
 *   bytes, once every key is there. A missing key is waited for through the one KeySource, with one
 *   onWaitingForKey call per wait (the media element's 'waitingforkey', EME 7.3.4) and the caller's AbortSignal.
 * - An append stream (append()) may be cut anywhere: the bytes after the last whole unit are held for the next
 *   append, and the units go in order, each against the init segment before it, so clear and protected content
 *   may follow each other in one stream in either order (a clear lead, WPT's clear-encrypted content).
 *
 * Buffers in, buffers out: the input's bytes are the core's to change (media is decrypted in place) and, on the
 * worker, are transferred to it (the caller must not read them again). Media segments are parsed, planned and
 * decrypted by a CencBackend (backend.ts): the page's decrypt Worker, or the main thread where the page allows none
 * (thread.ts). Init segments are parsed here: they are small, and what they announce is announced from here. Keys
 * are looked up and waited for here, on the main thread, and go to the backend as raw bytes for the one segment.
 */
import { checkKey } from '../crypto/keys.js';
import { concat } from '../mp4/writer.js';
import { toHex } from '../mp4/bytes.js';
import { parseInit, type InitInfo } from '../mp4/init.js';
import { rewriteInitToClear } from '../mp4/rewrite.js';
import type { CencBackend, SegmentPssh } from './backend.js';
import { coreBackend } from './thread.js';
import { holdsWholeMoof, splitUnits, wholeUnitsLength } from './units.js';

/** Where the core gets keys: the one key-lookup interface (the bundled CDM's key store has this shape). */
export interface KeySource {
  /** The raw key of a KID if it is usable now, else undefined. May throw to fail the segment at once. */
  lookup(kid: Uint8Array): Uint8Array | undefined | Promise<Uint8Array | undefined>;
  /** Resolves with the key once it is usable; rejects when `signal` aborts or the keys go away. */
  waitForKey(kid: Uint8Array, signal: AbortSignal): Promise<Uint8Array>;
}

/** What protected content announces, as a browser's 'encrypted' event would (EME 7.3.1). */
export interface FoundInitData {
  /** Every pssh box, concatenated: 'cenc' init data. Undefined when there is none. */
  cenc: Uint8Array | undefined;
  /**
   * Of an init segment: the default KIDs of protected tracks (tenc, stbl seig); of a media segment: every KID its
   * samples use. 'keyids' init data for a CDM that finds no pssh of its own.
   */
  kids: Uint8Array[];
  /** The pssh boxes' SystemIDs, lowercase hex. */
  systemIds: string[];
  /** The first protected track's scheme ('cenc', 'cbcs', ...); undefined for a moof pssh. */
  scheme: string | undefined;
}

export interface CencTrackOptions {
  /** Told the init data of each protected init segment ('init') and of each moof pssh ('moof'), before any wait. */
  onInitData?(found: FoundInitData, where: 'init' | 'moof'): void;
  /**
   * Told the KIDs the protected samples of a media segment without pssh boxes use (key rotation through seig names
   * the keys only there), before any wait. No browser fires 'encrypted' for them.
   */
  onSampleKeyIds?(kids: Uint8Array[]): void;
  /**
   * Which keys decrypt the protected content that `found` describes: a KeySource, or null when a platform CDM
   * decrypts (the bytes then go on encrypted). Asked at every protected init segment; may wait (for MediaKeys).
   */
  decryption(found: FoundInitData, signal: AbortSignal): Promise<KeySource | null>;
  /** A sample waits for a key the KeySource does not have usable: once per wait. */
  onWaitingForKey?(kid: Uint8Array): void;
  /** Where media segments are parsed and decrypted. Default: the page's (thread.ts coreBackend). */
  backend?: () => Promise<CencBackend>;
}

export interface InitOutcome {
  /** What goes to the platform: the clear init, or the bytes as they were (clear content, or a platform CDM). */
  bytes: Uint8Array;
  /** Whether the init segment has a protected track. */
  protected: boolean;
  /** The default KIDs of its protected tracks. */
  defaultKids: Uint8Array[];
}

function foundIn(pssh: readonly SegmentPssh[], kids: Uint8Array[], scheme: string | undefined): FoundInitData {
  return {
    cenc: pssh.length ? concat(...pssh.map((p) => p.bytes)) : undefined,
    kids,
    systemIds: pssh.map((p) => toHex(p.systemId)),
    scheme,
  };
}

function abortIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw signal.reason;
}

export class CencTrack {
  readonly #options: CencTrackOptions;
  /** The protected init segment that media is parsed against; undefined after a clear one. */
  #init: InitInfo | undefined;
  /** The keys of the protected init: null when a platform CDM decrypts. */
  #keys: KeySource | null = null;
  /** Appended bytes after the last whole unit. */
  #held: Uint8Array | undefined;
  /** The appends in progress, one after the other. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: CencTrackOptions) {
    this.#options = options;
  }

  /** Whether media now goes through the core's decryption (a protected init whose keys are the core's). */
  get decrypting(): boolean {
    return this.#init !== undefined && this.#keys !== null;
  }

  /**
   * Whether held bytes hold a whole moof: the platform, given them, would be parsing that media segment (MSE 3.5.1
   * append state PARSING_MEDIA_SEGMENT).
   */
  get midSegment(): boolean {
    return this.#held !== undefined && holdsWholeMoof(this.#held);
  }

  /** Whether bytes of a unit not yet whole are held. */
  get holding(): boolean {
    return this.#held !== undefined;
  }

  /** A whole init segment. */
  async init(bytes: Uint8Array, signal: AbortSignal): Promise<InitOutcome> {
    // The parsed init goes with every media segment to the backend, and its views take their whole buffer along: an
    // init that is part of a larger buffer (an append that holds media too) is parsed from a copy of its own.
    const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
    const info = parseInit(whole ? bytes : bytes.slice());
    const track = info.tracks.find((t) => t.protection);
    if (!track) {
      this.#init = undefined;
      this.#keys = null;
      return { bytes, protected: false, defaultKids: [] };
    }
    const found = foundIn(info.pssh, info.defaultKids, track.protection?.scheme);
    this.#options.onInitData?.(found, 'init');
    const keys = await this.#options.decryption(found, signal);
    abortIfAborted(signal);
    this.#init = info;
    this.#keys = keys;
    return { bytes: keys ? rewriteInitToClear(bytes) : bytes, protected: true, defaultKids: info.defaultKids };
  }

  /**
   * Whole media segment(s) after the current init segment: the clear bytes (decrypted in place, in `bytes` on the
   * main thread, in the same buffer transferred back from the worker).
   * `keys` stands in for the init's KeySource for this segment (the streaming layer's per-stream bookkeeping).
   */
  async media(bytes: Uint8Array, signal: AbortSignal, keys?: KeySource): Promise<Uint8Array> {
    const init = this.#init;
    if (!init) return bytes;
    const backend = await (this.#options.backend ?? coreBackend)();
    const segment = await backend.parse(bytes, init);
    let keyByHex: Map<string, Uint8Array> | null;
    try {
      // Key rotation: a moof pssh announces the keys of the samples that follow (ISO/IEC 23001-7 8.1.1), as a
      // browser's 'encrypted' event would; the KIDs the samples use come with it. Without any pssh, those KIDs
      // (seig) are all that names the keys.
      if (segment.pssh.length) this.#options.onInitData?.(foundIn(segment.pssh, segment.kids, undefined), 'moof');
      else if (segment.kids.length) this.#options.onSampleKeyIds?.(segment.kids);
      const source = keys ?? this.#keys;
      keyByHex = source ? await this.#keysOf(segment.kids, source, signal) : null;
    } catch (e) {
      // The backend holds the bytes: they are dropped.
      backend.release(segment.ticket).catch(() => undefined);
      throw e;
    }
    // A clear fragment (a clear lead, or seig entries that say not protected) needs no key: only its encryption
    // boxes go. Without keys (a platform CDM decrypts), the bytes come back as they were.
    return keyByHex ? backend.decrypt(segment.ticket, keyByHex) : backend.release(segment.ticket);
  }

  /**
   * Appended bytes, cut anywhere. Each whole unit is handed to `emit` as soon as it is clear, in order; the rest is
   * held for the next append. Appends run one after the other in call order; which bytes are whole is decided at
   * the call. Rejects with the signal's reason on abort, or with the error of a unit (then nothing after it goes).
   */
  append(bytes: Uint8Array, signal: AbortSignal, emit: (clear: Uint8Array) => void): Promise<void> {
    const all = this.#held ? concat(this.#held, bytes) : bytes;
    const cut = wholeUnitsLength(all);
    this.#held = cut < all.length ? all.slice(cut) : undefined;
    const units = splitUnits(all.subarray(0, cut));
    const run = this.#queue.then(async () => {
      for (const unit of units) {
        abortIfAborted(signal);
        if (unit.kind === 'init') emit((await this.init(unit.bytes, signal)).bytes);
        else if (unit.kind === 'media') emit(await this.media(unit.bytes, signal));
        else emit(unit.bytes);
      }
    });
    this.#queue = run.catch(() => undefined);
    return run;
  }

  /** Drops held bytes, as a platform's "reset parser state" drops its input buffer (MSE 3.5.2). */
  reset(): void {
    this.#held = undefined;
  }

  /** The key of every KID, asked for in order of first use, each checked before the next is asked for. */
  async #keysOf(kids: Uint8Array[], source: KeySource, signal: AbortSignal): Promise<Map<string, Uint8Array>> {
    const keyByHex = new Map<string, Uint8Array>();
    for (const kid of kids) keyByHex.set(toHex(kid), checkKey(kid, await this.#keyOf(kid, source, signal)));
    return keyByHex;
  }

  async #keyOf(kid: Uint8Array, keys: KeySource, signal: AbortSignal): Promise<Uint8Array | undefined> {
    const now = await keys.lookup(kid);
    if (now) return now;
    abortIfAborted(signal);
    this.#options.onWaitingForKey?.(kid);
    try {
      return await keys.waitForKey(kid, signal);
    } catch (e) {
      // The caller's abort is the caller's reason, whatever the key source made of it.
      abortIfAborted(signal);
      throw e;
    }
  }
}
