/**
 * Playing a case for the interop paths: through a plain EME + MSE page (the polyfill's and the browser's own Clear
 * Key), and how far. Waits on events only; `bounded` turns a stall into a failure that says where playback stood.
 */
import { CLEAR_KEY_SYSTEM_ID } from '../../src/mp4/boxes/pssh.js';
import { bytesEqual } from '../../src/mp4/bytes.js';
import { parseInit } from '../../src/mp4/init.js';
import { playedPast, until } from '../helpers/events.js';
import { bytesOf, fromHex, keysOf, mimeOf, toHex, tracksOf } from './corpus.js';
import type { InteropCase } from './corpus.js';

/**
 * How far each case plays, in media time: past the clear lead (the first ~1 s fragment of most cases) so encrypted
 * samples are decoded, and for key rotation past the last key change (video and audio segment 3 start at ~2.0 s).
 * At playbackRate 4, to keep the whole run short.
 */
export function targetOf(c: InteropCase): number {
  return c.id.includes('keyrot') ? 2.2 : 1.3;
}
export const RATE = 4;
const isWebKit = !navigator.userAgent.includes('Chrome') && !navigator.userAgent.includes('Firefox');

/** Longest a case may take before it counts as stalled (far above a normal run's few seconds). */
const STALL_MS = 15_000;

/** `work`, or a failure naming `state()` when it has not settled in STALL_MS (playback stalled, a key never came). */
export function bounded<T>(work: Promise<T>, state: () => string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stall = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`stalled: ${state()}`)), STALL_MS);
  });
  return Promise.race([work, stall]).finally(() => clearTimeout(timer));
}

export function mediaState(video: HTMLVideoElement): string {
  const q = video.getVideoPlaybackQuality();
  const buffered = Array.from(
    { length: video.buffered.length },
    (_, i) => `${video.buffered.start(i).toFixed(2)}-${video.buffered.end(i).toFixed(2)}`,
  ).join(',');
  return `currentTime ${video.currentTime.toFixed(2)}, paused ${video.paused}, readyState ${video.readyState}, buffered [${buffered}], frames ${q.totalVideoFrames}, error ${video.error?.code ?? 'none'}`;
}

/** Rejects with the media element's error. */
export function mediaFailure(video: HTMLMediaElement): Promise<never> {
  const p = new Promise<never>((_, reject) =>
    video.addEventListener('error', () =>
      reject(new Error(`media error ${video.error?.code}: ${video.error?.message}`)),
    ),
  );
  p.catch(() => undefined);
  return p;
}

/** Plays `video` past `target`; with video, checks that frames were decoded up to there (not audio alone). */
export async function playTo(
  video: HTMLVideoElement,
  target: number,
  hasVideo: boolean,
  failure: Promise<never>,
  play: () => Promise<void> = () => video.play(),
): Promise<void> {
  video.playbackRate = RATE;
  await Promise.race([play(), failure]);
  await Promise.race([playedPast(video, target), failure]);
  if (hasVideo) {
    // ~30 frames a second: more frames than the clear lead's 30 prove that encrypted video was decoded too (the
    // counters include dropped frames). Not in WebKitGTK: under Xvfb on a loaded machine its counter stops at a random
    // few frames, or stays at 0, while playback goes on (seen at playbackRate 1 and 2, for cases that pass the next
    // run); there, the bytes path checks in the same browser that the decrypted video samples are the packager's.
    const frames = isWebKit ? -1 : Math.floor((target - 0.2) * 30);
    const decoded = () => video.getVideoPlaybackQuality().totalVideoFrames;
    if (decoded() <= frames) await Promise.race([until(video, 'timeupdate', () => decoded() > frames), failure]);
  }
}

const b64url = (bytes: Uint8Array) =>
  btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
const fromB64url = (s: string) =>
  Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')), (ch) => ch.charCodeAt(0));

/** A Clear Key license (EME 9.1.4 JSON Web Key Set) with the case's keys for the KIDs the request names. */
function license(c: InteropCase, message: ArrayBuffer): Uint8Array<ArrayBuffer> {
  const keys = keysOf(c);
  const request = JSON.parse(new TextDecoder().decode(message)) as { kids: string[] };
  const jwks = request.kids
    .filter((kid) => keys[toHex(fromB64url(kid))])
    .map((kid) => ({ kty: 'oct', kid, k: b64url(fromHex(keys[toHex(fromB64url(kid))]!)) }));
  return new TextEncoder().encode(JSON.stringify({ keys: jwks, type: 'temporary' })) as Uint8Array<ArrayBuffer>;
}

/** A failure of the browser's EME or MSE that the page cannot go past: for the native path, the browser's limit. */
export class PlatformRefusal extends Error {}

/**
 * A plain EME + MSE page: Clear Key MediaKeys on a video element, a session per 'encrypted' event (EME 7.3.1) and,
 * where the init segments carry no Clear Key pssh (none at all, other systems' only, key rotation), one 'keyids'
 * session naming the case's KIDs, as a page that knows them from its manifest or license service starts; every
 * license answered from the case's keys. The media files are appended whole (init, then each segment). Resolves
 * with a note once playback passed the case's target.
 */
export async function playWithEme(c: InteropCase, video: HTMLVideoElement): Promise<string> {
  const tracks = tracksOf(c);
  const mimes = await Promise.all(tracks.map((t) => mimeOf(c, t)));
  const capability = (contentType: string) => ({ contentType, encryptionScheme: c.scheme });
  const config: MediaKeySystemConfiguration = {
    initDataTypes: ['cenc', 'keyids'],
    videoCapabilities: mimes.filter((m) => m.startsWith('video/')).map(capability),
    audioCapabilities: mimes.filter((m) => m.startsWith('audio/')).map(capability),
  };
  let access: MediaKeySystemAccess;
  try {
    access = await navigator.requestMediaKeySystemAccess('org.w3.clearkey', [config]);
  } catch (e) {
    throw new PlatformRefusal(`requestMediaKeySystemAccess (${c.scheme}, ${mimes.join(' + ')}): ${String(e)}`);
  }
  const mediaKeys = await access.createMediaKeys();
  await video.setMediaKeys(mediaKeys);
  const refused: string[] = [];
  const open = (initDataType: string, initData: BufferSource) => {
    const session = mediaKeys.createSession('temporary');
    session.addEventListener('message', (e) => {
      void session.update(license(c, e.message)).catch((err: unknown) => refused.push(`update: ${String(err)}`));
    });
    // A Clear Key CDM refuses 'cenc' init data without a Clear Key pssh (EME 9.1.3): noted, not fatal.
    session.generateRequest(initDataType, initData).catch((err: unknown) => {
      refused.push(`generateRequest(${initDataType}): ${String(err)}`);
    });
  };
  let events = 0;
  video.addEventListener('encrypted', (e) => {
    events++;
    if (e.initData) open(e.initDataType, e.initData);
  });
  const inits = await Promise.all(tracks.map((t) => bytesOf(t.init)));
  const clearKeyPssh = inits.every((b) =>
    parseInit(b).pssh.some((p) => p.version === 1 && bytesEqual(p.systemId, CLEAR_KEY_SYSTEM_ID)),
  );
  if (!clearKeyPssh) {
    const kids = Object.keys(keysOf(c)).map((k) => b64url(fromHex(k)));
    open('keyids', new TextEncoder().encode(JSON.stringify({ kids })) as Uint8Array<ArrayBuffer>);
  }

  const failure = mediaFailure(video);
  const source = new MediaSource();
  video.src = URL.createObjectURL(source);
  await Promise.race([until(source, 'sourceopen'), failure]);
  const appends = tracks.map(async (t, i) => {
    let sb: SourceBuffer;
    try {
      sb = source.addSourceBuffer(mimes[i]!);
    } catch (e) {
      throw new PlatformRefusal(`addSourceBuffer('${mimes[i]}'): ${String(e)}`);
    }
    for (const bytes of [inits[i]!, ...(await Promise.all(t.segments.map(bytesOf)))]) {
      const done = new Promise<void>((resolve, reject) => {
        sb.addEventListener('updateend', () => resolve(), { once: true });
        sb.addEventListener('error', () => reject(new Error(`appendBuffer of ${t.init}: error event`)), { once: true });
      });
      sb.appendBuffer(bytes as Uint8Array<ArrayBuffer>);
      await Promise.race([done, failure]);
    }
  });
  await Promise.all(appends);
  source.endOfStream();
  const hasVideo = mimes.some((m) => m.startsWith('video/'));
  try {
    await playTo(video, targetOf(c), hasVideo, failure);
  } catch (e) {
    throw new Error(`${(e as Error).message}${refused.length ? ` (${refused.join('; ')})` : ''}`);
  }
  const notes = [`played past ${targetOf(c)} s`, `${events} encrypted event(s)`];
  if (!clearKeyPssh) notes.push('keyids session from the case KIDs');
  if (refused.length) notes.push(`refused: ${refused.join('; ')}`);
  return notes.join(', ');
}

/** A muted video element in the document, removed (and its MediaKeys dropped) by the returned function. */
export function newVideo(): { video: HTMLVideoElement; dispose: () => Promise<void> } {
  const video = document.createElement('video');
  video.muted = true;
  document.body.append(video);
  return {
    video,
    dispose: async () => {
      video.pause();
      video.removeAttribute('src');
      video.load();
      // WebKitGTK here has no EME: no setMediaKeys.
      await video.setMediaKeys?.(null).catch(() => undefined);
      video.remove();
    },
  };
}

const clearRefusals = new Map<string, Promise<string | undefined>>();

/**
 * Why the browser cannot play the case's content even in the clear, or undefined when it can: the packager's own
 * decrypted output (expected_clear) appended to MSE with no EME at all, and played to the case's target. Asked only
 * after a path failed, to tell a browser that cannot play the file (Chromium's demuxer refuses spk-vp9-opus-cenc's
 * Opus track, corpus README) from a failure of ours.
 */
export function clearRefusal(c: InteropCase): Promise<string | undefined> {
  let p = clearRefusals.get(c.id);
  if (!p) {
    p = (async () => {
      const files = c.expected_clear;
      if (!files?.length) return undefined;
      const { video, dispose } = newVideo();
      try {
        const tracks = tracksOf(c);
        const mimes = await Promise.all(tracks.map((t) => mimeOf(c, t)));
        const failure = mediaFailure(video);
        const source = new MediaSource();
        video.src = URL.createObjectURL(source);
        await Promise.race([until(source, 'sourceopen'), failure]);
        await Promise.all(
          tracks.map(async (t, i) => {
            const sb = source.addSourceBuffer(mimes[i]!);
            const done = new Promise<void>((resolve, reject) => {
              sb.addEventListener('updateend', () => resolve(), { once: true });
              sb.addEventListener('error', () => reject(new Error(`appendBuffer of ${t.expectedClear}: error event`)), {
                once: true,
              });
            });
            sb.appendBuffer((await bytesOf(t.expectedClear!)) as Uint8Array<ArrayBuffer>);
            await Promise.race([done, failure]);
          }),
        );
        source.endOfStream();
        await bounded(playTo(video, targetOf(c), false, failure), () => mediaState(video));
        return undefined;
      } catch (e) {
        return `this browser's MSE cannot play the packager's own clear output either (${e instanceof Error ? e.message : String(e)})`;
      } finally {
        await dispose();
      }
    })();
    clearRefusals.set(c.id, p);
  }
  return p;
}
