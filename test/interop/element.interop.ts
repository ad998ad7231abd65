// Interop paths "element-dash" and "element-hls": <secure-video> with the bundled CDM (fallback 'always', inline
// clearKeys from cases.json) plays the packager's own MPD and HLS playlist as they are. The live-profile MPDs are
// test goldens with placeholders ("some_time"): they are served as dynamic manifests with the placeholders replaced
// at request time (tools/test-runner/interop-middleware.mjs, ?availabilityStartTime=), so the live path of the
// element is played too.
import '../../src/define.js';
import type { SecureVideo } from '../../src/index.js';
import { LoadStatus } from '../../src/index.js';
import { loadShaka } from '../../src/streaming/shaka-loader.js';
import { keepShakaOutOfDrm } from '../../src/streaming/streaming-session.js';
import { until } from '../helpers/events.js';
import { BASE, cases, hlsOf, keysOf, mimeOf, mpdOf, report, tracksOf, unsupportedCodec, verdict } from './corpus.js';
import type { InteropCase, Path } from './corpus.js';
import { bounded, clearRefusal, mediaState, newVideo, playTo, targetOf } from './playback.js';

async function hasVideo(c: InteropCase): Promise<boolean> {
  return (await Promise.all(tracksOf(c).map((t) => mimeOf(c, t)))).some((m) => m.startsWith('video/'));
}

const unsupported = new Map(await Promise.all(cases.map(async (c) => [c.id, await unsupportedCodec(c)] as const)));

/** Rejects when the element reaches status 'error' or reports a DRM error, with what it says. */
function elementFailure(el: SecureVideo): Promise<never> {
  const describe = () =>
    [
      el.error && `error ${el.error.code}: ${el.error.message}`,
      el.drmError && `drmError ${el.drmError.code}: ${el.drmError.message}`,
    ]
      .filter(Boolean)
      .join('; ');
  const p = Promise.race([until(el, 'statuschange', () => el.status === LoadStatus.ERROR), until(el, 'drmerror')]).then(
    () => Promise.reject(new Error(describe() || 'status error')),
  );
  p.catch(() => undefined);
  return p;
}

async function playElement(c: InteropCase, src: string): Promise<string> {
  const el = document.createElement('secure-video') as SecureVideo;
  el.muted = true;
  document.body.append(el);
  try {
    const failure = elementFailure(el);
    el.drm = { keySystems: { 'org.w3.clearkey': { clearKeys: keysOf(c) } }, fallback: 'always' };
    el.src = src;
    const work = (async () => {
      if (el.status !== LoadStatus.LOADED) {
        await Promise.race([until(el, 'statuschange', () => el.status === LoadStatus.LOADED), failure]);
      }
      await playTo(el.media, targetOf(c), await hasVideo(c), failure, () => el.play());
      if (el.drmState !== 'usable') throw new Error(`drmState ${el.drmState}`);
      if (el.cdm !== 'bundled') throw new Error(`cdm ${el.cdm}`);
    })();
    await bounded(work, () => `status ${el.status}, drmState ${el.drmState}, ${mediaState(el.media)}`);
    const used = [...el.keyStatuses].filter(([, s]) => s === 'usable').length;
    return `played past ${targetOf(c)} s, ${used} usable key(s)`;
  } finally {
    el.remove();
  }
}

/** shaka-player's code for "no variant of the manifest is playable in this browser" (CONTENT_UNSUPPORTED_BY_BROWSER). */
const SHAKA_CONTENT_UNSUPPORTED = 4032;

/**
 * Why shaka-player itself, with no DRM at all, cannot load the manifest in this browser, or undefined when it can.
 * Asked only after an element path failed: the element streams through shaka, so a manifest whose every variant shaka
 * refuses on its own (WebKitGTK: shaka 5 asks MSE for `audio/mp4; codecs="Opus"`, the capitalisation Safari wants,
 * which WebKitGTK refuses while it plays "opus") is a limit of the streaming engine in this browser, told apart from a
 * failure of our CDM. The reference is shaka configured as the element configures it, with no DRM hooks.
 */
async function shakaRefusal(src: string): Promise<string | undefined> {
  const shaka = await loadShaka();
  const { video, dispose } = newVideo();
  const player = new shaka.Player();
  try {
    keepShakaOutOfDrm(player);
    await player.attach(video);
    await player.load(src);
    return undefined;
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code !== SHAKA_CONTENT_UNSUPPORTED) return undefined;
    return `shaka-player refuses every variant of this manifest in this browser with no DRM at all (error ${code})`;
  } finally {
    await player.destroy().catch(() => undefined);
    await dispose();
  }
}

/** The MPD as the element gets it: live-profile goldens get real times for their placeholders. */
async function dashSource(mpd: string): Promise<{ src: string; note: string }> {
  const text = await (await fetch(BASE + mpd)).text();
  if (!text.includes('"some_time"')) return { src: BASE + mpd, note: 'static MPD' };
  // Three seconds ago: every segment of the ~2.7 s timeline is available, and the player starts near its beginning.
  const start = new Date(Date.now() - 3000).toISOString();
  return { src: `${BASE}${mpd}?availabilityStartTime=${encodeURIComponent(start)}`, note: 'dynamic MPD' };
}

describe('interop: <secure-video> with the bundled CDM plays the packager’s manifests', () => {
  for (const c of cases) {
    const manifests: [Path, string | undefined][] = [
      ['element-dash', mpdOf(c)],
      ['element-hls', hlsOf(c)],
    ];
    for (const [path, manifest] of manifests) {
      if (!manifest) continue; // the case has none: no verdict (the table shows '-')
      const why = unsupported.get(c.id);
      if (why) {
        void report(c, path, 'skipped', why);
        continue;
      }
      it(`${c.id} ${path}`, async () => {
        await verdict(
          c,
          path,
          async () => {
            if (path === 'element-hls') return `${await playElement(c, BASE + manifest)}, HLS`;
            const { src, note } = await dashSource(manifest);
            return `${await playElement(c, src)}, ${note}`;
          },
          async () => (await clearRefusal(c)) ?? (await shakaRefusal((await dashSource(manifest)).src)),
        );
      });
    }
  }
});
