// Startup (issue 10 item 1): time from setting the source to the first video frame, for the same encrypted DASH
// fixture (cenc) and the same local license server, three ways: <secure-video> with the browser's Clear Key
// (fallback="never"), <secure-video> with the bundled CDM (fallback="always"), and plain shaka-player with the
// browser's Clear Key (what a page would use instead); plus plain shaka-player on the clear source, the floor with no
// DRM at all, which is also the only reference in WebKit (no EME there). Interleaved: every round runs each way once, in a rotating
// order, after one untimed warm-up round (shaka's download and compilation, the HTTP cache). Each run gets a new
// element (or <video> and Player) that is removed, and its teardown awaited, before the next one starts.
import '../src/define.js';
import type { SecureVideo } from '../src/index.js';
import { loadShaka } from '../src/streaming/shaka-loader.js';
import { FIRST_FRAME_METHOD, firstFrame, hasNativeEme, report, spread, type Spread } from './helpers.js';

const ROUNDS = 15;
const MANIFEST = '/test/fixtures/cenc/manifest.mpd';
/** The clear source of every fixture: plain shaka-player on it is the floor with no DRM at all, in every browser. */
const CLEAR_MANIFEST = '/test/fixtures/clear/manifest.mpd';

type Way = 'native' | 'bundled' | 'shakaNative' | 'shakaClear';

/** Resolves once `video` has let go of its source (shaka's destroy and our teardown both end by emptying it). */
function emptied(video: HTMLVideoElement): Promise<void> {
  if (!video.currentSrc && video.readyState === 0) return Promise.resolve();
  return new Promise((resolve) => video.addEventListener('emptied', () => resolve(), { once: true }));
}

async function secureVideo(fallback: 'never' | 'always'): Promise<number> {
  const el = document.createElement('secure-video') as SecureVideo;
  el.setAttribute('muted', '');
  el.setAttribute('autoplay', '');
  el.setAttribute('fallback', fallback);
  el.setAttribute('license-url', '/license');
  document.body.append(el);
  await el.updateComplete;
  const video = el.media;
  const frame = firstFrame(video);
  const t0 = performance.now();
  el.src = MANIFEST;
  const t1 = await Promise.race([
    frame,
    new Promise<never>((_, reject) =>
      el.addEventListener('error', () => reject(new Error(`secure-video: ${el.error?.message}`))),
    ),
  ]);
  const expected = fallback === 'never' ? 'native' : 'bundled';
  if (el.cdm !== expected) throw new Error(`expected the ${expected} CDM, got ${el.cdm}`);
  const gone = emptied(video);
  el.remove();
  await gone;
  return t1 - t0;
}

async function plainShaka(manifest: string): Promise<number> {
  const shaka = (await loadShaka()) as unknown as {
    Player: new () => {
      attach(v: HTMLMediaElement): Promise<void>;
      configure(c: unknown): void;
      load(uri: string): Promise<void>;
      destroy(): Promise<void>;
      addEventListener(t: string, l: (e: Event) => void): void;
    };
  };
  const video = document.createElement('video');
  video.muted = true;
  video.autoplay = true;
  document.body.append(video);
  const frame = firstFrame(video);
  const t0 = performance.now();
  const player = new shaka.Player();
  const failed = new Promise<never>((_, reject) =>
    player.addEventListener('error', (e) => reject(new Error(`shaka: ${JSON.stringify((e as CustomEvent).detail)}`))),
  );
  failed.catch(() => undefined);
  await player.attach(video);
  player.configure({ drm: { servers: { 'org.w3.clearkey': '/license' } } });
  await Promise.race([player.load(manifest), failed]);
  const t1 = await Promise.race([frame, failed]);
  await player.destroy();
  video.remove();
  return t1 - t0;
}

const RUN: Record<Way, () => Promise<number>> = {
  native: () => secureVideo('never'),
  bundled: () => secureVideo('always'),
  shakaNative: () => plainShaka(MANIFEST),
  shakaClear: () => plainShaka(CLEAR_MANIFEST),
};

describe('bench: startup', () => {
  it('times src -> first frame, interleaved', async function () {
    this.timeout(10 * 60_000);
    // WebKitGTK has no EME at all (no requestMediaKeySystemAccess): only the bundled CDM can play encrypted media.
    const ways: Way[] = hasNativeEme ? ['native', 'bundled', 'shakaNative', 'shakaClear'] : ['bundled', 'shakaClear'];
    for (const way of ways) await RUN[way](); // warm-up, untimed
    const times: Record<Way, number[]> = { native: [], bundled: [], shakaNative: [], shakaClear: [] };
    for (let round = 0; round < ROUNDS; round++) {
      for (let i = 0; i < ways.length; i++) {
        const way = ways[(round + i) % ways.length]!;
        times[way].push(await RUN[way]());
      }
    }
    const of = (way: Way): Spread | null => (times[way].length ? spread(times[way]) : null);
    const native = of('native');
    const bundled = of('bundled');
    const shakaNative = of('shakaNative');
    const shakaClear = of('shakaClear');
    await report('startup', {
      native: native?.median ?? null,
      bundled: bundled?.median ?? null,
      shakaNative: shakaNative?.median ?? null,
      shakaClear: shakaClear?.median ?? null,
      spread: { native, bundled, shakaNative, shakaClear },
      bundledOverNative: native && bundled ? Math.round((bundled.median / native.median) * 100) / 100 : null,
      nativeOverShaka: native && shakaNative ? Math.round((native.median / shakaNative.median) * 100) / 100 : null,
      bundledOverShakaClear:
        bundled && shakaClear ? Math.round((bundled.median / shakaClear.median) * 100) / 100 : null,
      firstFrame: FIRST_FRAME_METHOD,
      fixture: MANIFEST,
      ...(hasNativeEme ? {} : { nativeNull: 'no EME in this browser: nothing native to time' }),
      raw: Object.fromEntries(Object.entries(times).map(([k, v]) => [k, v.map((t) => Math.round(t * 10) / 10)])),
    });
  });
});
