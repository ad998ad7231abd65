/**
 * SourceBuffers of a media element with bundled MediaKeys: appended encrypted CMAF is decrypted before the native
 * SourceBuffer gets it (init segments in their clear form, media segments decrypted), with the MSE SourceBuffer
 * semantics kept (MSE 3.2): while a decrypt is pending the buffer is `updating`, appendBuffer(), remove(),
 * changeType() and the timestampOffset / appendWindow / mode setters throw InvalidStateError as they would during a
 * native append, abort() cancels the pending work, and the events come in the native order: updatestart, then
 * update + updateend (from the native append of the clear bytes) or error + updateend, or abort + updateend.
 *
 * The fast path: a SourceBuffer that has not been given a protected init segment goes straight to the native
 * appendBuffer() after peeking at its box headers; a protected init goes through untouched when the element has a
 * native MediaKeys. The fast path follows the box headers of what it passes on, so an append that continues a box
 * the platform already has the start of stays native, and one that starts with less than a box header waits for
 * the rest. Appends may cut segments anywhere (players split moof and mdat): on the polyfill path the bytes after the
 * last whole unit (init segment, or media segment up to its mdat) wait in the SourceBuffer's state for the next
 * append, and an append that completes no unit ends with update/updateend fired by the polyfill (see whole-boxes.ts).
 * abort() and an append error drop held bytes, as the platform's "reset parser state" drops its input buffer.
 *
 * MediaSource endOfStream() and the duration setter throw InvalidStateError while a decrypt is pending, as they do
 * while any SourceBuffer is updating (MSE 3.1 endOfStream() step 2, duration setter step 3): an append the page
 * started first reaches the SourceBuffer first.
 */
import { type ClearKeyStore } from '../cdm/index.js';
import { queueTask } from '../cdm/task-queue.js';
import { decryptSegment } from '../crypto/decrypt.js';
import { readBoxes } from '../mp4/box.js';
import { toHex } from '../mp4/bytes.js';
import { parseInit, type InitInfo } from '../mp4/init.js';
import { rewriteInitToClear } from '../mp4/rewrite.js';
import { parseSegment } from '../mp4/segment.js';
import type { PsshBox } from '../mp4/boxes/pssh.js';
import { concat } from '../mp4/writer.js';
import { encryptedEvent } from './events.js';
import { elementOf, mediaKeysOf, onMediaKeysChange, storeOf } from './media-element.js';
import { descriptorOf, patch, patchMethod } from './patches.js';
import { AT_BOUNDARY, advance, holdsWholeMoof, wholeUnitsLength, type BoxPosition } from './whole-boxes.js';

interface Job {
  controller: AbortController;
  /** Settles once 'updatestart' was fired: the native append must come after it. */
  started: Promise<void>;
}

interface BufferState {
  source: MediaSource;
  /** The protected init segment the native SourceBuffer has in clear form: media segments are decrypted with it. */
  init: InitInfo | undefined;
  job: Job | undefined;
  /** Native 'updatestart' events to swallow: the polyfill fired its own when appendBuffer() was called. */
  swallow: number;
  /** Appended bytes after the last whole unit (a segment cut across appends), waiting for the rest. */
  held: Uint8Array | undefined;
  /** Where the platform is in the box structure after fast-path appends (the polyfill path gives it whole units). */
  position: BoxPosition;
}

interface Result {
  bytes: Uint8Array;
  /** The new init state after this append; undefined when the append held no init segment. */
  init: InitInfo | null | undefined;
}

type Append = (this: SourceBuffer, data: Uint8Array | BufferSource) => void;

const states = new WeakMap<SourceBuffer, BufferState>();
let nativeAppend: Append;
let nativeAbort: (this: SourceBuffer) => void;
let nativeUpdating: (this: SourceBuffer) => boolean;
let nativeEndOfStream: (this: MediaSource, error?: EndOfStreamError) => void;

function invalidState(what: string): DOMException {
  return new DOMException(`${what}: the SourceBuffer is updating`, 'InvalidStateError');
}

/** Whether appendBuffer() would take `data` (WebIDL BufferSource; an ArrayBuffer may come from another realm). */
function isBufferSource(data: unknown): data is BufferSource {
  if (ArrayBuffer.isView(data)) return true;
  const tag = Object.prototype.toString.call(data);
  return tag === '[object ArrayBuffer]' || tag === '[object SharedArrayBuffer]';
}

function bytesOf(data: BufferSource): Uint8Array {
  return ArrayBuffer.isView(data)
    ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
    : new Uint8Array(data);
}

/** Whether the bytes start with an init segment's first box (ISO/IEC 14496-12 4.3: ftyp first, or moov). */
function startsWithInit(data: BufferSource): boolean {
  const b = bytesOf(data);
  if (b.length < 8) return false;
  const type = String.fromCharCode(b[4]!, b[5]!, b[6]!, b[7]!);
  return type === 'ftyp' || type === 'moov';
}

function attached(sb: SourceBuffer, st: BufferState): boolean {
  return Array.prototype.includes.call(st.source.sourceBuffers, sb);
}

/** W3C Common PSSH (EME cenc format) and DASH-IF Clear Key system IDs. */
const CLEAR_KEY_SYSTEM_IDS = ['1077efecc0b24d02ace33c1e52e2fb4b', 'e2719d58a985b3c9781ab030af78d30e'];

/**
 * Whether protected content is for Clear Key: no pssh at all (keys by default_KID, 'keyids'), a Clear Key pssh, or a
 * platform without EME, where the bundled CDM is the only one there is.
 */
function clearKeyContent(info: InitInfo): boolean {
  if (typeof navigator.requestMediaKeySystemAccess !== 'function' || info.pssh.length === 0) return true;
  return info.pssh.some((p) => CLEAR_KEY_SYSTEM_IDS.includes(toHex(p.systemId)));
}

/** EME 'cenc' init data: every pssh box, concatenated, in one 'encrypted' event, as the platforms fire it. */
function announce(element: HTMLMediaElement | undefined, pssh: readonly PsshBox[]): void {
  if (!element || pssh.length === 0) return;
  element.dispatchEvent(encryptedEvent('cenc', concat(...pssh.map((p) => p.bytes))));
}

/**
 * The key store to decrypt with, once the element playing the source has MediaKeys: the bundled store, or null
 * for a native MediaKeys (the platform decrypts). Waits, as a native CDM holds encrypted media until keys come.
 */
function decryption(st: BufferState, signal: AbortSignal): Promise<ClearKeyStore | null> {
  return new Promise((resolve, reject) => {
    let off = (): void => {};
    const onAbort = (): void => {
      off();
      reject(signal.reason);
    };
    const check = (): void => {
      const element = elementOf(st.source);
      if (!element) return;
      const store = storeOf(element);
      if (!store && !mediaKeysOf(element)) return;
      off();
      signal.removeEventListener('abort', onAbort);
      resolve(store ?? null);
    };
    if (signal.aborted) return onAbort();
    off = onMediaKeysChange(check);
    signal.addEventListener('abort', onAbort, { once: true });
    check();
  });
}

async function transform(st: BufferState, bytes: Uint8Array, signal: AbortSignal): Promise<Result> {
  const boxes = readBoxes(bytes);
  const moov = boxes.find((b) => b.type === 'moov');
  let init = st.init;
  let newInit: InitInfo | null | undefined;
  const parts: Uint8Array[] = [];
  let media = bytes;
  if (moov) {
    const end = moov.start + moov.size;
    const initBytes = bytes.subarray(0, end);
    media = bytes.subarray(end);
    const info = parseInit(initBytes);
    let ours = false;
    if (info.tracks.some((t) => t.protection)) {
      // A native CDM fires 'encrypted' for every init segment with pssh boxes, MediaKeys or not (EME 7.3.1).
      const element = elementOf(st.source);
      announce(element, info.pssh);
      const mediaKeys = element ? mediaKeysOf(element) : null;
      if (mediaKeys) ours = !!storeOf(element!);
      // Without MediaKeys yet, Clear Key content is the bundled CDM's: its init goes in clear form at once, as a
      // native CDM buffers it at once (a player may set MediaKeys only when the first encrypted segment comes, after
      // a clear lead). Content only another key system can open waits for the element's MediaKeys.
      else ours = clearKeyContent(info) || (await decryption(st, signal)) !== null;
    }
    init = ours ? info : undefined;
    newInit = init ?? null;
    parts.push(ours ? rewriteInitToClear(initBytes) : initBytes);
  }
  if (media.length > 0) {
    if (!init) parts.push(media);
    else {
      const segment = parseSegment(media, init);
      // Key rotation: a pssh in moof announces the keys of what follows (ISO/IEC 23001-7 8.1.1).
      const element = elementOf(st.source);
      announce(element, segment.pssh);
      // A clear-lead segment needs no key (its encryption boxes just go); otherwise wait for bundled MediaKeys,
      // telling the page the element waits for a key meanwhile (EME 7.3.4), as a native CDM without keys would.
      if (segment.kids.length > 0 && !(element && storeOf(element))) element?.dispatchEvent(new Event('waitingforkey'));
      const store = segment.kids.length > 0 ? await decryption(st, signal) : undefined;
      if (store === null) parts.push(media);
      else {
        const lookup = async (kid: Uint8Array): Promise<Uint8Array> => {
          // Only called for segments with KIDs, which waited for a store above.
          if (!store) throw new Error('No key store');
          const key = await store.lookup(kid);
          if (key) return key;
          // EME 7.3.4 "Wait for Key": the element tells the page it waits for a key.
          elementOf(st.source)?.dispatchEvent(new Event('waitingforkey'));
          return store.waitForKey(kid, signal);
        };
        parts.push(await decryptSegment(media, init, lookup, { inPlace: true }));
      }
    }
  }
  return { bytes: parts.length === 1 ? parts[0]! : concat(...parts), init: newInit };
}

/** MSE "append error" algorithm: reset the parser, error + updateend, then end of stream with 'decode'. */
function appendError(sb: SourceBuffer, st: BufferState): void {
  // Step 1 "reset parser state": held bytes go too.
  st.held = undefined;
  st.position = AT_BOUNDARY;
  try {
    nativeAbort.call(sb);
  } catch {
    // The source closed meanwhile: nothing to reset.
  }
  queueTask(() => {
    sb.dispatchEvent(new Event('error'));
    sb.dispatchEvent(new Event('updateend'));
    if (st.source.readyState === 'open') {
      try {
        nativeEndOfStream.call(st.source, 'decode');
      } catch {
        // Another SourceBuffer is updating: the error events above are what the page gets.
      }
    }
  });
}

function run(sb: SourceBuffer, st: BufferState, bytes: Uint8Array): void {
  const controller = new AbortController();
  let started!: () => void;
  const job: Job = { controller, started: new Promise<void>((r) => (started = r)) };
  st.job = job;
  // MSE 3.5.6 prepare append, then "queue a task to fire updatestart" (always: abort() queues its events after it).
  queueTask(() => {
    sb.dispatchEvent(new Event('updatestart'));
    started();
  });
  transform(st, bytes, controller.signal).then(
    async (result) => {
      await job.started;
      if (st.job !== job) return;
      st.job = undefined;
      // Removed meanwhile by a path that did not abort the job (not through removeSourceBuffer): drop the bytes.
      if (!attached(sb, st)) return aborted(sb);
      if (result.init !== undefined) st.init = result.init ?? undefined;
      // Nothing whole yet (the start of a segment, held): the append ends as a native one that parsed no unit.
      if (result.bytes.length === 0) return appended(sb);
      st.swallow++;
      try {
        nativeAppend.call(sb, result.bytes);
      } catch {
        st.swallow--;
        appendError(sb, st);
      }
    },
    async () => {
      await job.started;
      if (st.job !== job) return;
      st.job = undefined;
      appendError(sb, st);
    },
  );
}

/** An append that ended with nothing for the platform: update, then updateend, from a task (MSE 3.5.5 step 7-9). */
function appended(sb: SourceBuffer): void {
  queueTask(() => {
    sb.dispatchEvent(new Event('update'));
    sb.dispatchEvent(new Event('updateend'));
  });
}

/**
 * Whether an append can go straight to the platform: nothing protected is involved, or the element has a native
 * MediaKeys for it. Parses an init segment (small) synchronously for that; media segments are never read here.
 */
function native(st: BufferState, data: BufferSource): boolean {
  const b = bytesOf(data);
  // The rest of a box the platform has the start of: it judged that box already.
  if (st.position !== AT_BOUNDARY) {
    st.position = advance(st.position, b);
    return true;
  }
  const direct = judge(st, data, b);
  if (direct) st.position = advance(AT_BOUNDARY, b);
  return direct;
}

/** native() for an append that starts at a box boundary. */
function judge(st: BufferState, data: BufferSource, b: Uint8Array): boolean {
  // Less than a box header: what begins here shows with the next append (the polyfill path holds it meanwhile).
  if (b.length < 8) return false;
  if (!startsWithInit(data)) return !st.init;
  // Part of an init segment: whether it is protected shows once the moov is whole.
  if (wholeUnitsLength(b) !== b.length) return false;
  let info: InitInfo;
  try {
    const moov = readBoxes(b).find((box) => box.type === 'moov');
    if (!moov) return !st.init;
    info = parseInit(b.subarray(0, moov.start + moov.size));
  } catch {
    // Not ours to judge: the platform reports what it cannot parse.
    return !st.init;
  }
  if (info.tracks.some((t) => t.protection)) {
    const element = elementOf(st.source);
    if (!element || storeOf(element) || !mediaKeysOf(element)) return false;
    st.init = undefined;
    return true;
  }
  // A clear init: media segments after it are clear too, unless bytes after the moov still need the old init.
  st.init = undefined;
  return true;
}

function appendBuffer(this: SourceBuffer, data: BufferSource): void {
  const st = states.get(this);
  // Not a BufferSource: the platform throws its TypeError (WebIDL conversion comes before every MSE check).
  if (!st || !isBufferSource(data) || (!st.job && !st.held && !nativeUpdating.call(this) && native(st, data))) {
    return nativeAppend.call(this, data);
  }
  if (st.job || nativeUpdating.call(this)) throw invalidState('appendBuffer');
  if (!attached(this, st)) throw new DOMException('The SourceBuffer was removed', 'InvalidStateError');
  // The data is copied at the call, as MSE does: the page may reuse its buffer at once.
  const all = st.held ? concat(st.held, bytesOf(data)) : bytesOf(data).slice();
  const cut = wholeUnitsLength(all);
  st.held = cut < all.length ? all.slice(cut) : undefined;
  run(this, st, all.subarray(0, cut));
}

function abort(this: SourceBuffer): void {
  const st = states.get(this);
  // The native checks (removed, source not open) and the parser reset (MSE 3.2 abort() steps 1-3, 5-7).
  nativeAbort.call(this);
  // Step 5 "reset parser state": bytes of a segment not yet whole are dropped, as from the platform's input buffer.
  if (st) {
    st.held = undefined;
    st.position = AT_BOUNDARY;
  }
  const job = st?.job;
  if (!st || !job) return;
  // Step 4: abort the pending append; updating goes false now, abort then updateend from tasks.
  st.job = undefined;
  job.controller.abort();
  aborted(this);
}

/** An append that ended by abort: abort, then updateend, from a task (MSE 3.2 abort() step 4). */
function aborted(sb: SourceBuffer): void {
  queueTask(() => {
    sb.dispatchEvent(new Event('abort'));
    sb.dispatchEvent(new Event('updateend'));
  });
}

/**
 * A method or setter that MSE forbids while updating: throws during a pending decrypt, else runs natively. With
 * `midSegment`, also while held bytes hold a whole moof, where the platform would be parsing a media segment
 * (MSE 3.2 timestampOffset and mode setters: InvalidStateError in PARSING_MEDIA_SEGMENT).
 */
function guarded<A extends unknown[], R>(
  name: string,
  native: (this: SourceBuffer, ...args: A) => R,
  midSegment = false,
) {
  return function (this: SourceBuffer, ...args: A): R {
    const st = states.get(this);
    if (st?.job) throw invalidState(name);
    if (midSegment && st?.held && holdsWholeMoof(st.held)) {
      throw new DOMException(`${name}: a media segment is being parsed`, 'InvalidStateError');
    }
    return native.apply(this, args);
  };
}

/** Whether a SourceBuffer of `source` has a pending decrypt (its `updating` is true meanwhile). */
function decrypting(source: MediaSource): boolean {
  return Array.prototype.some.call(source.sourceBuffers, (sb: SourceBuffer) => states.get(sb)?.job !== undefined);
}

function track(sb: SourceBuffer, source: MediaSource): void {
  const st: BufferState = {
    source,
    init: undefined,
    job: undefined,
    swallow: 0,
    held: undefined,
    position: AT_BOUNDARY,
  };
  states.set(sb, st);
  // Registered before the page can add its listeners, so the native 'updatestart' of a decrypted append (the
  // polyfill fired one already) never reaches them.
  sb.addEventListener(
    'updatestart',
    (e) => {
      if (!e.isTrusted || st.swallow === 0) return;
      st.swallow--;
      e.stopImmediatePropagation();
    },
    { capture: true },
  );
}

export function installSourceBuffers(): void {
  if (typeof SourceBuffer !== 'function' || typeof MediaSource !== 'function') return;
  const proto = SourceBuffer.prototype;
  nativeAppend = proto.appendBuffer as Append;
  nativeAbort = proto.abort;
  nativeUpdating = descriptorOf(proto, 'updating')!.get as (this: SourceBuffer) => boolean;
  const nativeRemove = proto.remove;
  const nativeChangeType = proto.changeType;
  patchMethod(proto, 'appendBuffer', appendBuffer);
  patchMethod(proto, 'abort', abort);
  patchMethod(proto, 'remove', guarded('remove', nativeRemove));
  if (typeof nativeChangeType === 'function') patchMethod(proto, 'changeType', guarded('changeType', nativeChangeType));
  patch(proto, 'updating', {
    get(this: SourceBuffer) {
      return states.get(this)?.job ? true : nativeUpdating.call(this);
    },
  });
  for (const name of ['timestampOffset', 'appendWindowStart', 'appendWindowEnd', 'mode']) {
    const d = descriptorOf(proto, name);
    if (!d?.get || !d.set) continue;
    const midSegment = name === 'timestampOffset' || name === 'mode';
    patch(proto, name, {
      get: d.get,
      set: guarded(name, d.set as (this: SourceBuffer, v: unknown) => void, midSegment),
    });
  }
  installMediaSourceGuards(MediaSource.prototype);
  // ManagedMediaSource (WebKit) inherits addSourceBuffer from MediaSource unless it has its own.
  const g = globalThis as { ManagedMediaSource?: typeof MediaSource };
  const sources = [MediaSource.prototype];
  if (g.ManagedMediaSource && Object.hasOwn(g.ManagedMediaSource.prototype, 'addSourceBuffer')) {
    sources.push(g.ManagedMediaSource.prototype);
  }
  if (g.ManagedMediaSource) installMediaSourceGuards(g.ManagedMediaSource.prototype, true);
  for (const sp of sources) {
    const nativeAdd = sp.addSourceBuffer;
    const nativeRemoveSourceBuffer = sp.removeSourceBuffer;
    patchMethod(sp, 'removeSourceBuffer', function (this: MediaSource, sb: SourceBuffer): void {
      const st = states.get(sb);
      const job = st?.job;
      nativeRemoveSourceBuffer.call(this, sb);
      // MSE 3.1 removeSourceBuffer() step 3: a pending append is aborted (abort, then updateend).
      if (!st || !job) return;
      st.job = undefined;
      job.controller.abort();
      aborted(sb);
    });
    patchMethod(sp, 'addSourceBuffer', function (this: MediaSource, type: string): SourceBuffer {
      const sb = nativeAdd.call(this, type);
      track(sb, this);
      return sb;
    });
  }
}

/**
 * endOfStream() and the duration setter of a MediaSource (or of a subclass prototype that has its own, with `own`):
 * InvalidStateError while a decrypt is pending, since `updating` is true then (MSE 3.1).
 */
function installMediaSourceGuards(sp: MediaSource, own = false): void {
  const eos = own ? Object.getOwnPropertyDescriptor(sp, 'endOfStream') : descriptorOf(sp, 'endOfStream');
  if (typeof eos?.value === 'function') {
    const nativeEos = eos.value as typeof nativeEndOfStream;
    if (!own) nativeEndOfStream = nativeEos;
    patchMethod(sp, 'endOfStream', function endOfStream(this: MediaSource, error?: EndOfStreamError): void {
      if (decrypting(this)) throw new DOMException('endOfStream: a SourceBuffer is updating', 'InvalidStateError');
      // Called with the page's arguments as given: endOfStream() and endOfStream(undefined) are the same in WebIDL.
      return error === undefined ? nativeEos.call(this) : nativeEos.call(this, error);
    });
  }
  const duration = own ? Object.getOwnPropertyDescriptor(sp, 'duration') : descriptorOf(sp, 'duration');
  if (duration?.get && duration.set) {
    const set = duration.set as (this: MediaSource, v: number) => void;
    patch(sp, 'duration', {
      get: duration.get,
      set(this: MediaSource, value: number) {
        // Steps 1-3 in order: a negative or NaN value is the platform's TypeError first.
        if (decrypting(this) && !(Number(value) < 0 || Number.isNaN(Number(value)))) {
          throw new DOMException('duration: a SourceBuffer is updating', 'InvalidStateError');
        }
        set.call(this, value);
      },
    });
  }
}
