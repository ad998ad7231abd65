/**
 * The media element side of the polyfill: HTMLMediaElement.prototype.setMediaKeys()/mediaKeys accept the bundled
 * CDM's MediaKeys (EME 7.1, 7.2), and which element plays a given MediaSource.
 *
 * A bundled MediaKeys is never given to the platform: the element keeps a native MediaKeys (or none) and the
 * polyfill remembers the bundled one here. Where the platform has no EME (WebKitGTK), the members and the
 * onencrypted / onwaitingforkey handler attributes are added.
 */
import { isBundledMediaKeys, keyStoreOf, type ClearKeyStore } from '../cdm/index.js';
import { queueTask } from '../cdm/task-queue.js';
import { descriptorOf, patch, patchMethod } from './patches.js';

const bundledOf = new WeakMap<HTMLMediaElement, MediaKeys>();
/** Elements that hold a bundled MediaKeys: the candidates for a MediaSource when the document cannot see them. */
const withKeys = new Set<HTMLMediaElement>();
/** Object URLs made for a MediaSource (or ManagedMediaSource): how an element's src leads to its MediaSource. */
const sourceOfUrl = new Map<string, WeakRef<MediaSource>>();
/** Object URLs made for anything else (a Blob): an element playing one plays no MediaSource. */
const otherUrls = new Set<string>();
const elementOfSource = new WeakMap<MediaSource, HTMLMediaElement>();
/** The URL an element played when it was matched to a MediaSource: another MediaSource needs another URL. */
const matchedUrl = new WeakMap<HTMLMediaElement, string>();
const listeners = new Set<() => void>();

let nativeSetMediaKeys: ((this: HTMLMediaElement, mk: MediaKeys | null) => Promise<void>) | undefined;
let nativeMediaKeys: ((this: HTMLMediaElement) => MediaKeys | null) | undefined;

/** Calls `listener` after any element's MediaKeys changed; returns the unsubscribe function. */
export function onMediaKeysChange(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function changed(): void {
  for (const l of [...listeners]) l();
}

/** The MediaKeys of an element as the page sees it (bundled or native), or null. */
export function mediaKeysOf(element: HTMLMediaElement): MediaKeys | null {
  return bundledOf.get(element) ?? nativeMediaKeys?.call(element) ?? null;
}

/** The key store of the element's bundled MediaKeys, or undefined when it has none. */
export function storeOf(element: HTMLMediaElement): ClearKeyStore | undefined {
  const mk = bundledOf.get(element);
  return mk ? keyStoreOf(mk) : undefined;
}

/** The URL an element plays (its selected source), or '' for none or a srcObject. */
function urlOf(element: HTMLMediaElement): string {
  return element.currentSrc || element.src;
}

/**
 * The one element that may play `source` through an object URL the polyfill did not see made: players that keep
 * their own reference to URL.createObjectURL, taken when their script loaded (shaka-player does), make the URL of
 * their MediaSource with the platform's function when the polyfill was installed after that script ran. An
 * attached MediaSource (readyState not 'closed', MSE 2.4.1) plays in an element whose URL is a blob: URL; the
 * candidates are the elements with such a URL that the polyfill knows nothing of, less those already matched to
 * another MediaSource under that same URL. Only a single candidate is an answer.
 */
function unseenUrlElement(source: MediaSource, candidates: HTMLMediaElement[]): HTMLMediaElement | undefined {
  if (source.readyState === 'closed') return undefined;
  const unseen = new Set(
    candidates.filter((el) => {
      const url = urlOf(el);
      if (!url.startsWith('blob:') || sourceOfUrl.has(url) || otherUrls.has(url)) return false;
      return matchedUrl.get(el) !== url;
    }),
  );
  return unseen.size === 1 ? [...unseen][0] : undefined;
}

/** The media element playing `source` (through an object URL or srcObject), or undefined. */
export function elementOf(source: MediaSource): HTMLMediaElement | undefined {
  const known = elementOfSource.get(source);
  if (known) return known;
  const candidates = [...withKeys, ...document.querySelectorAll<HTMLMediaElement>('video, audio')];
  const found =
    candidates.find((el) => {
      if ((el as { srcObject?: unknown }).srcObject === source) return true;
      const url = urlOf(el);
      return url !== '' && sourceOfUrl.get(url)?.deref() === source;
    }) ?? unseenUrlElement(source, candidates);
  // A MediaSource is attached once, to one element (MSE 3.5.1): the answer never changes.
  if (found) {
    elementOfSource.set(source, found);
    matchedUrl.set(found, urlOf(found));
  }
  return found;
}

function setMediaKeys(this: HTMLMediaElement, mediaKeys: MediaKeys | null): Promise<void> {
  const current = bundledOf.get(this);
  if (mediaKeys !== null && mediaKeys !== undefined && isBundledMediaKeys(mediaKeys)) {
    // EME 7.2 setMediaKeys() rejects a MediaKeys in use by another element with QuotaExceededError only "if the user
    // agent is unable to use it with this element". The bundled CDM is able: its keys are plain data every element's
    // SourceBuffers read, so one MediaKeys serves any number of elements (native Chromium and Firefox refuse a second
    // element; WPT's setmediakeys-to-multiple-video-elements accepts either answer).
    // A native MediaKeys goes first: the element then decodes clear media only.
    const native = nativeMediaKeys?.call(this);
    const detached = native && nativeSetMediaKeys ? nativeSetMediaKeys.call(this, null) : Promise.resolve();
    return detached.then(
      () =>
        new Promise<void>((resolve) =>
          queueTask(() => {
            bundledOf.set(this, mediaKeys);
            withKeys.add(this);
            changed();
            resolve();
          }),
        ),
    );
  }
  if (mediaKeys !== null && mediaKeys !== undefined && !nativeSetMediaKeys) {
    return Promise.reject(new TypeError('mediaKeys is not a MediaKeys'));
  }
  const done = nativeSetMediaKeys
    ? nativeSetMediaKeys.call(this, mediaKeys ?? null)
    : new Promise<void>((resolve) => queueTask(resolve));
  return done.then(() => {
    if (current) {
      bundledOf.delete(this);
      withKeys.delete(this);
    }
    changed();
  });
}

/** An event handler IDL attribute (HTML 8.1.8.1) for a platform that lacks it. */
function handlerAttribute(type: string): PropertyDescriptor {
  const handlers = new WeakMap<EventTarget, { value: unknown; listener: EventListener }>();
  return {
    get(this: EventTarget) {
      return handlers.get(this)?.value ?? null;
    },
    set(this: EventTarget, value: unknown) {
      const old = handlers.get(this);
      if (old) this.removeEventListener(type, old.listener);
      handlers.delete(this);
      if (typeof value !== 'function') return;
      const listener: EventListener = (e) => (value as EventListener).call(this, e);
      handlers.set(this, { value, listener });
      this.addEventListener(type, listener);
    },
  };
}

export function installMediaElement(): void {
  const proto = HTMLMediaElement.prototype;
  const setter = descriptorOf(proto, 'setMediaKeys')?.value as typeof nativeSetMediaKeys;
  nativeSetMediaKeys = setter;
  nativeMediaKeys = descriptorOf(proto, 'mediaKeys')?.get as typeof nativeMediaKeys;
  patchMethod(proto, 'setMediaKeys', setMediaKeys);
  patch(proto, 'mediaKeys', {
    get(this: HTMLMediaElement) {
      return mediaKeysOf(this);
    },
  });
  for (const type of ['encrypted', 'waitingforkey']) {
    if (!descriptorOf(proto, `on${type}`)) patch(proto, `on${type}`, handlerAttribute(type));
  }
  const createObjectURL = URL.createObjectURL.bind(URL);
  patchMethod(URL, 'createObjectURL', (obj: Blob | MediaSource) => {
    const url = createObjectURL(obj);
    // Kept after the page revokes the URL (players do so at once): the element still plays that MediaSource.
    if (typeof MediaSource === 'function' && obj instanceof MediaSource) sourceOfUrl.set(url, new WeakRef(obj));
    else otherUrls.add(url);
    return url;
  });
}

export function uninstallMediaElement(): void {
  nativeSetMediaKeys = undefined;
  nativeMediaKeys = undefined;
  withKeys.clear();
  listeners.clear();
  sourceOfUrl.clear();
  otherUrls.clear();
}
