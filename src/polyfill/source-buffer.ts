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
 * last whole unit (init segment, or media segment up to its mdat) wait in the decrypt core for the next
 * append, and an append that completes no unit ends with update/updateend fired by the polyfill (see cenc/units.ts).
 * abort() and an append error drop held bytes, as the platform's "reset parser state" drops its input buffer.
 *
 * On the polyfill path every byte goes through the decrypt core (src/cenc), which parses and decrypts; this file keeps
 * the MSE side. A
 * platform CDM buffers encrypted frames and waits for keys only when it decodes them; the polyfill cannot hand the
 * platform frames it cannot decrypt, so an append whose later fragments wait for a key ends with what is clear (the
 * platform's update/updateend), and the rest reaches the platform in the background once the key comes (its events
 * are the polyfill's business, not the page's). An append with nothing clear yet stays updating while it waits.
 * 'waitingforkey' fires when the element would need the missing data (EME 7.3.4): at once when nothing is buffered
 * at the playback position, else when playback reaches the end of what is buffered (readyState HAVE_CURRENT_DATA;
 * fired before the page sees that stall's timeupdate). endOfStream() while background work remains is carried out
 * once it is done (readyState says 'ended' meanwhile), so the stream does not end before the held media. While a
 * hidden append is with the platform, remove() and the setters it guards meet the platform's InvalidStateError (a
 * page calls them rarely in that moment: it only follows a key that came late).
 *
 * MediaSource endOfStream() and the duration setter throw InvalidStateError while a decrypt is pending, as they do
 * while any SourceBuffer is updating (MSE 3.1 endOfStream() step 2, duration setter step 3): an append the page
 * started first reaches the SourceBuffer first.
 */
import { type ClearKeyStore } from '../cdm/index.js';
import { queueTask } from '../cdm/task-queue.js';
import {
  AT_BOUNDARY,
  CencTrack,
  advance,
  scanInits,
  type BoxPosition,
  type FoundInitData,
  type KeySource,
} from '../cenc/index.js';
import { concat } from '../mp4/writer.js';
import { encryptedEvent } from './events.js';
import { elementOf, mediaKeysOf, onMediaKeysChange, storeOf } from './media-element.js';
import { descriptorOf, patch, patchMethod } from './patches.js';

interface Job {
  controller: AbortController;
  /** Settles once 'updatestart' was fired: the native append must come after it. */
  started: Promise<void>;
  /** Clear output of the core not yet handed to the platform. */
  output: Uint8Array[];
  /** The page-visible append ended while the core still works on it (waiting for a key): output goes on hidden. */
  detached: boolean;
}

/** A native append the polyfill makes: the page's (visible: its update/updateend are the page's) or hidden. */
interface NativeAppend {
  bytes: Uint8Array;
  visible: Job | undefined;
}

interface BufferState {
  sb: SourceBuffer;
  source: MediaSource;
  /** The decrypt core's state of this SourceBuffer's track. */
  track: CencTrack;
  /** The page-visible append in progress. */
  job: Job | undefined;
  /** Native 'updatestart' events to swallow: the polyfill fired its own when appendBuffer() was called. */
  swallow: number;
  /** A hidden native append is in flight: every event it fires is swallowed. */
  hidden: boolean;
  /** Native appends waiting for the platform to finish the one in flight, in order. */
  queue: NativeAppend[];
  /** Page-visible appends that finished and wait for their 'updatestart' before joining the queue. */
  finishing: number;
  /** Core appends that go on after their page-visible append ended. */
  background: Set<Job>;
  /** A key wait of the core: 'pending' until 'waitingforkey' fired for it. */
  keyWait: 'pending' | 'signalled' | undefined;
  /** Where the platform is in the box structure after fast-path appends (the polyfill path gives it whole units). */
  position: BoxPosition;
}

type Append = (this: SourceBuffer, data: Uint8Array | BufferSource) => void;

const states = new WeakMap<SourceBuffer, BufferState>();
/** SourceBuffers whose key wait has not been signalled yet. */
const pendingWaits = new Map<BufferState, SourceBuffer>();
/** endOfStream() calls carried out once background work is done (their error argument). */
const pendingEndOfStream = new WeakMap<MediaSource, { error: EndOfStreamError | undefined }>();
let nativeAppend: Append;
let nativeAbort: (this: SourceBuffer) => void;
let nativeUpdating: (this: SourceBuffer) => boolean;
let nativeEndOfStream: (this: MediaSource, error?: EndOfStreamError) => void;
let nativeBuffered: (this: SourceBuffer) => TimeRanges;
/** Whether the platform has EME of its own (a MediaKeys other than the bundled one may come). */
let platformEme = false;

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

function attached(sb: SourceBuffer, st: BufferState): boolean {
  return Array.prototype.includes.call(st.source.sourceBuffers, sb);
}

/** W3C Common PSSH (EME cenc format) and DASH-IF Clear Key system IDs. */
const CLEAR_KEY_SYSTEM_IDS = ['1077efecc0b24d02ace33c1e52e2fb4b', 'e2719d58a985b3c9781ab030af78d30e'];

/**
 * Whether protected content is the bundled CDM's before the element has MediaKeys: on a platform without EME of its
 * own, always; else with no pssh at all (keys by default_KID, 'keyids') or a Clear Key pssh.
 */
function clearKeyContent(found: FoundInitData): boolean {
  if (!platformEme || found.systemIds.length === 0) return true;
  return found.systemIds.some((id) => CLEAR_KEY_SYSTEM_IDS.includes(id));
}

/**
 * The key store to decrypt with, once the element playing the source has MediaKeys: the bundled store, or null
 * for a native MediaKeys (the platform decrypts). Waits, as a native CDM holds encrypted media until keys come.
 */
function mediaKeysChosen(st: BufferState, signal: AbortSignal): Promise<ClearKeyStore | null> {
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

/** The bundled MediaKeys' keys, whenever the element gets them (a player may set MediaKeys after a clear lead). */
function bundledKeys(st: BufferState): KeySource {
  return {
    lookup: (kid) => {
      const element = elementOf(st.source);
      return element ? storeOf(element)?.lookup(kid) : undefined;
    },
    waitForKey: async (kid, signal) => {
      const store = await mediaKeysChosen(st, signal);
      if (!store) throw new DOMException('The element has a MediaKeys the polyfill cannot use', 'NotSupportedError');
      return store.waitForKey(kid, signal);
    },
  };
}

/** Which CDM decrypts protected content appended to `st` (the decrypt core's question at each protected init). */
async function decryptionOf(st: BufferState, found: FoundInitData, signal: AbortSignal): Promise<KeySource | null> {
  const element = elementOf(st.source);
  const mediaKeys = element ? mediaKeysOf(element) : null;
  if (mediaKeys) return storeOf(element!) ? bundledKeys(st) : null;
  // Without MediaKeys yet, Clear Key content is the bundled CDM's: its init goes in clear form at once, as a native
  // CDM buffers it at once (a player may set MediaKeys only when the first encrypted segment comes, after a clear
  // lead). Content only another key system can open waits for the element's MediaKeys.
  if (clearKeyContent(found)) return bundledKeys(st);
  return (await mediaKeysChosen(st, signal)) ? bundledKeys(st) : null;
}

function newTrack(sb: SourceBuffer, st: () => BufferState): CencTrack {
  return new CencTrack({
    // A native CDM fires 'encrypted' for every init segment with pssh boxes, MediaKeys or not (EME 7.3.1), and for
    // a pssh in a moof (key rotation, ISO/IEC 23001-7 8.1.1): every pssh box, concatenated, in one event.
    onInitData: (found) => {
      if (found.cenc) elementOf(st().source)?.dispatchEvent(encryptedEvent('cenc', found.cenc));
    },
    decryption: (found, signal) => decryptionOf(st(), found, signal),
    onWaitingForKey: () => keyWaitStarted(sb, st()),
  });
}

/**
 * The core waits for a key. The page-visible append ends now with what is clear of it, if anything; the rest goes on
 * in the background. 'waitingforkey' follows once the element needs the missing data (see waitIfNeeded).
 */
function keyWaitStarted(sb: SourceBuffer, st: BufferState): void {
  const job = st.job;
  if (job && !job.detached && job.output.length > 0) {
    job.detached = true;
    st.background.add(job);
    finish(sb, st, job);
  }
  st.keyWait = 'pending';
  pendingWaits.set(st, sb);
  waitIfNeeded(sb, st);
}

function keyWaitEnded(st: BufferState): void {
  st.keyWait = undefined;
  pendingWaits.delete(st);
}

/** Whether the platform has media of this SourceBuffer at and just after the playback position. */
function playableAhead(sb: SourceBuffer, element: HTMLMediaElement): boolean {
  let ranges: TimeRanges;
  try {
    ranges = nativeBuffered.call(sb);
  } catch {
    return false;
  }
  const t = element.currentTime;
  for (let i = 0; i < ranges.length; i++) if (ranges.start(i) <= t + 0.1 && ranges.end(i) > t + 0.1) return true;
  return false;
}

/**
 * EME 7.3.4 "Wait for Key", as far as a polyfill can: fires 'waitingforkey' for a pending key wait when nothing of
 * this SourceBuffer is buffered at the playback position (judged once the platform has what is clear), or when
 * `stalled` (the element's readyState fell to HAVE_CURRENT_DATA or below at the end of what is buffered).
 */
function waitIfNeeded(sb: SourceBuffer, st: BufferState, stalled = false, trigger?: Event): void {
  if (st.keyWait !== 'pending') return;
  const element = elementOf(st.source);
  if (!element) return;
  if (!stalled && (st.hidden || st.queue.length > 0 || st.finishing > 0 || (st.job?.output.length ?? 0) > 0)) return;
  if (playableAhead(sb, element)) return;
  st.keyWait = 'signalled';
  pendingWaits.delete(st);
  // The stall's own 'timeupdate', when it is what showed the stall, goes on to the page after this event.
  stalledAt.set(element, { time: element.currentTime, timeupdates: trigger?.type === 'timeupdate' ? 1 : 0 });
  element.dispatchEvent(new Event('waitingforkey'));
}

/**
 * Where each element stalled for a key ('waitingforkey' fired) and how many 'timeupdate' events the page has had there.
 * EME 7.3.4 has the element's readyState fall to HAVE_CURRENT_DATA, whose HTML readyState change fires one
 * 'timeupdate'; nothing plays while the key is missing, so that is the only one. Firefox fires a second at the same
 * position while the polyfill holds the media back (WPT's multikey-sequential tests count them): the repeats are
 * stopped at the window, before any listener at the element, until playback moves or the readyState rises.
 */
const stalledAt = new WeakMap<HTMLMediaElement, { time: number; timeupdates: number }>();

function repeatedStallTimeupdate(event: Event, element: HTMLMediaElement): boolean {
  const stall = stalledAt.get(element);
  if (!stall || event.type !== 'timeupdate') return false;
  if (element.readyState > HTMLMediaElement.HAVE_CURRENT_DATA || element.currentTime !== stall.time) {
    stalledAt.delete(element);
    return false;
  }
  return ++stall.timeupdates > 1;
}

/**
 * Window capture listener for 'timeupdate' and 'waiting': runs before any listener at the element, so the page's
 * 'timeupdate' of a stall comes after the 'waitingforkey' that explains it.
 */
function onMediaProgress(event: Event): void {
  const element = event.target;
  if (!(element instanceof HTMLMediaElement)) return;
  if (repeatedStallTimeupdate(event, element)) {
    event.stopImmediatePropagation();
    return;
  }
  if (pendingWaits.size === 0 || element.readyState > HTMLMediaElement.HAVE_CURRENT_DATA) return;
  for (const [st, sb] of [...pendingWaits]) if (elementOf(st.source) === element) waitIfNeeded(sb, st, true, event);
}

/** Hands the platform its next native append when it has none in flight. */
function pump(sb: SourceBuffer, st: BufferState): void {
  while (!st.hidden && !nativeUpdating.call(sb)) {
    const next = st.queue.shift();
    if (!next) break;
    const job = next.visible;
    if (job) {
      if (st.job !== job) continue;
      st.job = undefined;
      // Removed meanwhile by a path that did not abort the job (not through removeSourceBuffer): drop the bytes.
      if (!attached(sb, st)) aborted(sb);
      // Nothing whole yet (the start of a segment, held): the append ends as a native one that parsed no unit.
      else if (next.bytes.length === 0) appended(sb);
      else {
        st.swallow++;
        try {
          nativeAppend.call(sb, next.bytes);
        } catch {
          st.swallow--;
          appendError(sb, st);
        }
      }
      continue;
    }
    if (!attached(sb, st)) continue;
    st.hidden = true;
    try {
      nativeAppend.call(sb, next.bytes);
    } catch {
      st.hidden = false;
      backgroundError(sb, st);
    }
  }
  if (!st.hidden && !nativeUpdating.call(sb)) {
    waitIfNeeded(sb, st);
    endOfStreamIfDone(st.source);
  }
}

/** Ends the page-visible append `job` with its clear output (one native append, whose update/updateend it gets). */
function finish(sb: SourceBuffer, st: BufferState, job: Job): void {
  const bytes = job.output.length === 1 ? job.output[0]! : concat(...job.output);
  job.output = [];
  st.finishing++;
  void job.started.then(() => {
    st.finishing--;
    st.queue.push({ bytes, visible: job });
    pump(sb, st);
  });
}

/** Whether any SourceBuffer of `source` has work the platform has not been given yet. */
function busy(source: MediaSource): boolean {
  return Array.prototype.some.call(source.sourceBuffers, (sb: SourceBuffer) => {
    const st = states.get(sb);
    return !!st && (st.background.size > 0 || st.queue.length > 0 || st.hidden);
  });
}

/** Carries out a held endOfStream() once no SourceBuffer has background work left. */
function endOfStreamIfDone(source: MediaSource): void {
  const pending = pendingEndOfStream.get(source);
  if (!pending || busy(source) || decrypting(source)) return;
  pendingEndOfStream.delete(source);
  try {
    if (source.readyState === 'open') {
      if (pending.error === undefined) nativeEndOfStream.call(source);
      else nativeEndOfStream.call(source, pending.error);
    }
  } catch {
    // A SourceBuffer of the platform's own is updating: the page ends the stream again when it wants.
  }
}

/** A hidden append failed: the media is lost, as a platform's decode error loses it (MSE 3.5.3 append error). */
function backgroundError(sb: SourceBuffer, st: BufferState): void {
  dropBackground(st);
  if (st.source.readyState === 'open') {
    try {
      nativeEndOfStream.call(st.source, 'decode');
    } catch {
      // Another SourceBuffer is updating: the element keeps what it has.
    }
  }
  void sb;
}

/** Ends every background append of `st` and forgets what waits for the platform (abort, removal, error). */
function dropBackground(st: BufferState): void {
  for (const job of st.background) job.controller.abort();
  st.background.clear();
  st.queue = st.queue.filter((n) => n.visible === st.job && n.visible !== undefined);
  keyWaitEnded(st);
}

/** MSE "append error" algorithm: reset the parser, error + updateend, then end of stream with 'decode'. */
function appendError(sb: SourceBuffer, st: BufferState): void {
  // Step 1 "reset parser state": held bytes go too.
  st.track.reset();
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
  const job: Job = {
    controller,
    started: new Promise<void>((r) => (started = r)),
    output: [],
    detached: false,
  };
  st.job = job;
  // MSE 3.5.6 prepare append, then "queue a task to fire updatestart" (always: abort() queues its events after it).
  queueTask(() => {
    sb.dispatchEvent(new Event('updatestart'));
    started();
  });
  const emit = (clear: Uint8Array): void => {
    if (st.keyWait) keyWaitEnded(st);
    if (!job.detached) job.output.push(clear);
    else if (!controller.signal.aborted) {
      st.queue.push({ bytes: clear, visible: undefined });
      pump(sb, st);
    }
  };
  st.track.append(bytes, controller.signal, emit).then(
    () => {
      if (job.detached) {
        st.background.delete(job);
        pump(sb, st);
      } else finish(sb, st, job);
    },
    async () => {
      if (job.detached) {
        const wasOurs = st.background.delete(job);
        if (wasOurs && !controller.signal.aborted) backgroundError(sb, st);
        return;
      }
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
 * MediaKeys for it. The core scans init segments (small) synchronously for that; media segments are never read here.
 */
function native(st: BufferState, data: BufferSource): boolean {
  const b = bytesOf(data);
  // The rest of a box the platform has the start of: it judged that box already.
  if (st.position !== AT_BOUNDARY) {
    st.position = advance(st.position, b);
    return true;
  }
  const direct = judge(st, b);
  if (direct) st.position = advance(AT_BOUNDARY, b);
  return direct;
}

/** native() for an append that starts at a box boundary. */
function judge(st: BufferState, b: Uint8Array): boolean {
  // Less than a box header: what begins here shows with the next append (the polyfill path holds it meanwhile).
  if (b.length < 8) return false;
  const scan = scanInits(b);
  // Part of an init segment: whether it is protected shows once the moov is whole.
  if (scan.cut) return false;
  if (scan.protected) {
    // Straight to a native MediaKeys only when nothing before it needs the core.
    const element = elementOf(st.source);
    if (!element || storeOf(element) || !mediaKeysOf(element) || (!scan.startsWithInit && st.track.decrypting)) {
      return false;
    }
    st.track = newTrack(st.sb, () => st);
    return true;
  }
  // Media only: clear unless the core decrypts this track. A clear init starts clear media (the old init's media
  // before it, if any, needs the core).
  if (!scan.clear || (!scan.startsWithInit && st.track.decrypting)) return !st.track.decrypting;
  st.track = newTrack(st.sb, () => st);
  return true;
}

function appendBuffer(this: SourceBuffer, data: BufferSource): void {
  const st = states.get(this);
  // Not a BufferSource: the platform throws its TypeError (WebIDL conversion comes before every MSE check).
  if (
    !st ||
    !isBufferSource(data) ||
    (!st.job && !st.track.holding && !busyState(st) && !nativeUpdating.call(this) && native(st, data))
  ) {
    return nativeAppend.call(this, data);
  }
  if (st.job || (nativeUpdating.call(this) && !st.hidden)) throw invalidState('appendBuffer');
  if (!attached(this, st)) throw new DOMException('The SourceBuffer was removed', 'InvalidStateError');
  // MSE 3.5.6 prepare append step 5: an ended stream opens again (a held endOfStream() is called off).
  if (pendingEndOfStream.delete(st.source)) queueTask(() => st.source.dispatchEvent(new Event('sourceopen')));
  // The data is copied at the call, as MSE does: the page may reuse its buffer at once.
  run(this, st, bytesOf(data).slice());
}

/** Whether the polyfill still has work for the platform from earlier appends of this SourceBuffer. */
function busyState(st: BufferState): boolean {
  return st.background.size > 0 || st.queue.length > 0 || st.hidden;
}

function abort(this: SourceBuffer): void {
  const st = states.get(this);
  // The native checks (removed, source not open) and the parser reset (MSE 3.2 abort() steps 1-3, 5-7).
  nativeAbort.call(this);
  // Step 5 "reset parser state": bytes of a segment not yet whole are dropped, as from the platform's input buffer,
  // and so is media still waiting for a key in the background.
  if (st) {
    st.track.reset();
    st.position = AT_BOUNDARY;
    dropBackground(st);
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
    if (midSegment && st?.track.midSegment) {
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
    sb,
    source,
    track: undefined!,
    job: undefined,
    swallow: 0,
    hidden: false,
    queue: [],
    finishing: 0,
    background: new Set(),
    keyWait: undefined,
    position: AT_BOUNDARY,
  };
  st.track = newTrack(sb, () => st);
  states.set(sb, st);
  // Every event of a hidden native append is the polyfill's; its updateend lets the next one go.
  for (const type of ['updatestart', 'update', 'error', 'abort', 'updateend']) {
    sb.addEventListener(
      type,
      (e) => {
        if (!e.isTrusted || !st.hidden) return;
        e.stopImmediatePropagation();
        if (type !== 'updateend') return;
        st.hidden = false;
        queueMicrotask(() => pump(sb, st));
      },
      { capture: true },
    );
  }
  // After the page's append: what waits behind it may go.
  sb.addEventListener('updateend', (e) => {
    // From a task: after the page's own listeners, which may append next (microtasks run between listeners).
    if (e.isTrusted && !st.hidden) queueTask(() => pump(sb, st));
  });
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

/**
 * Patches SourceBuffer and MediaSource. `withPlatformEme`: whether the platform has EME of its own, so that content
 * for another key system may be the platform's to decrypt.
 */
export function installSourceBuffers(withPlatformEme: boolean): void {
  if (typeof SourceBuffer !== 'function' || typeof MediaSource !== 'function') return;
  platformEme = withPlatformEme;
  const proto = SourceBuffer.prototype;
  nativeBuffered = descriptorOf(proto, 'buffered')!.get as (this: SourceBuffer) => TimeRanges;
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
      const st = states.get(this);
      // A hidden append is the polyfill's: the page's SourceBuffer is not updating for it.
      return st?.job ? true : !st?.hidden && nativeUpdating.call(this);
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
  addEventListener('timeupdate', onMediaProgress, true);
  addEventListener('waiting', onMediaProgress, true);
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
      if (st) {
        dropBackground(st);
        endOfStreamIfDone(this);
      }
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
      if (pendingEndOfStream.has(this))
        throw new DOMException('endOfStream: the stream has ended', 'InvalidStateError');
      // Media waiting for a key in the background is appended first; the stream ends after it (see the file comment).
      if (this.readyState === 'open' && busy(this)) {
        pendingEndOfStream.set(this, { error });
        return;
      }
      // Called with the page's arguments as given: endOfStream() and endOfStream(undefined) are the same in WebIDL.
      return error === undefined ? nativeEos.call(this) : nativeEos.call(this, error);
    });
  }
  const readyState = own ? Object.getOwnPropertyDescriptor(sp, 'readyState') : descriptorOf(sp, 'readyState');
  if (readyState?.get) {
    const get = readyState.get as (this: MediaSource) => ReadyState;
    patch(sp, 'readyState', {
      get(this: MediaSource) {
        return pendingEndOfStream.has(this) ? 'ended' : get.call(this);
      },
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

/** Removes what installSourceBuffers() added besides patched members (restored by the patch registry). */
export function uninstallSourceBuffers(): void {
  removeEventListener('timeupdate', onMediaProgress, true);
  removeEventListener('waiting', onMediaProgress, true);
  pendingWaits.clear();
}
