// Unmodified players on the polyfill: shaka-player, hls.js and dash.js, each driving EME itself, play the encrypted
// fixtures through the bundled CDM. WebKitGTK has no EME, so there the polyfill is all there is; Chromium and
// Firefox have native Clear Key, so the polyfill is installed with force: true and the platform never sees
// encryption (nothing but the bundled MediaKeys can be attached).
import { expect } from '@open-wc/testing';
import { isBundledMediaKeys } from '../../src/cdm/index.js';
import { fixtures, testKeys, type Fixture } from '../helpers/fixtures.js';
import { playedPast, until } from '../helpers/events.js';
import { decodedFrames, install, mediaFailure, newVideo } from './helpers.js';

await install();

interface ShakaPlayer extends EventTarget {
  attach(video: HTMLMediaElement): Promise<void>;
  configure(config: object): boolean;
  load(uri: string): Promise<void>;
  destroy(): Promise<void>;
  drmInfo(): { keySystem: string } | null;
}
interface Shaka {
  Player: new () => ShakaPlayer;
  polyfill: { installAll(): void };
}

async function loadShaka(): Promise<Shaka> {
  // The UMD build publishes window.shaka when loaded as an ES module.
  await import('shaka-player/dist/shaka-player.compiled-es2021.js');
  const shaka = (globalThis as { shaka?: Shaka }).shaka!;
  shaka.polyfill.installAll();
  return shaka;
}

const all = await fixtures();
const cenc = all.find((f) => f.name === 'cenc')!;
const TARGET = 1.5;

/** Plays until a video frame past TARGET is presented, or rejects with the first failure. */
async function playThrough(video: HTMLVideoElement, failure: Promise<never>): Promise<void> {
  const playing = until(video, 'playing');
  await Promise.race([video.play(), failure]);
  await Promise.race([playing, failure]);
  await Promise.race([playedPast(video, TARGET), failure]);
  expect(decodedFrames(video)).to.be.greaterThan(0);
}

async function clearKeysOf(f: Fixture): Promise<Record<string, string>> {
  const keys = await testKeys();
  return Object.fromEntries(f.tracks.flatMap((t) => t.kids).map((kid) => [kid, keys[kid]!]));
}

describe('polyfill: shaka-player (DASH)', () => {
  async function play(f: Fixture, config: object): Promise<{ video: HTMLVideoElement; player: ShakaPlayer }> {
    const shaka = await loadShaka();
    const video = newVideo();
    const player = new shaka.Player();
    player.configure(config);
    const failure = Promise.race([
      mediaFailure(video),
      new Promise<never>((_, reject) =>
        player.addEventListener('error', (e) =>
          reject(new Error(`shaka ${(e as CustomEvent<{ code: number }>).detail.code}`)),
        ),
      ),
    ]);
    failure.catch(() => undefined);
    await player.attach(video);
    await Promise.race([player.load(f.path + f.dash), failure]);
    await playThrough(video, failure);
    return { video, player };
  }

  for (const f of all) {
    it(`${f.name}: plays with keys from the license server (dashif:Laurl)`, async () => {
      const { video, player } = await play(f, {});
      try {
        expect(player.drmInfo()?.keySystem).to.equal('org.w3.clearkey');
        expect(isBundledMediaKeys(video.mediaKeys)).to.equal(true);
        expect(video.currentTime).to.be.greaterThan(TARGET);
      } finally {
        await player.destroy();
        video.remove();
      }
    });
  }

  it('cenc: plays with keys from its drm.clearKeys option (no server)', async () => {
    const { video, player } = await play(cenc, { drm: { clearKeys: await clearKeysOf(cenc) } });
    try {
      expect(isBundledMediaKeys(video.mediaKeys)).to.equal(true);
      expect(video.currentTime).to.be.greaterThan(TARGET);
    } finally {
      await player.destroy();
      video.remove();
    }
  });
});

/**
 * dash.js 5.2 calls generateRequest('keyids', <the cenc:pssh box>) when a Clear Key ContentProtection carries a
 * pssh, which native Clear Key rejects with TypeError in Chromium and Firefox, as the bundled CDM does. Without the
 * cenc:pssh it builds 'keyids' init data from cenc:default_KID, as it is meant to: the manifest is served that way
 * (with a BaseURL so its relative segment URLs still resolve).
 */
async function forDashJs(url: string): Promise<string> {
  const absolute = new URL(url, location.href);
  const text = (await (await fetch(absolute)).text())
    .replace(/<cenc:pssh>[^<]*<\/cenc:pssh>/g, '')
    .replace(/(<MPD[^>]*>)/, `$1<BaseURL>${new URL('.', absolute).href}</BaseURL>`);
  return URL.createObjectURL(new Blob([text], { type: 'application/dash+xml' }));
}

describe('polyfill: dash.js (DASH)', () => {
  // dash.js 5.2 recognises the mp4protection values 'cenc' and 'cbcs' only, and hands a key rotation pssh (from
  // moof) over as 'keyids' init data too.
  for (const f of all.filter((x) => (x.scheme === 'cenc' || x.scheme === 'cbcs') && !x.keyRotation)) {
    it(`${f.name}: plays with keys from the license server`, async () => {
      const dashjs = await import('dashjs');
      const video = newVideo();
      const player = dashjs.MediaPlayer().create();
      const failure = Promise.race([
        mediaFailure(video),
        new Promise<never>((_, reject) =>
          player.on('error', (e: unknown) => reject(new Error(`dash.js ${JSON.stringify(e)}`))),
        ),
      ]);
      failure.catch(() => undefined);
      try {
        player.setProtectionData({ 'org.w3.clearkey': { serverURL: '/license' } });
        player.initialize(video, await forDashJs(f.path + f.dash), false);
        await Promise.race([until(video, 'loadedmetadata'), failure]);
        await playThrough(video, failure);
        expect(isBundledMediaKeys(video.mediaKeys)).to.equal(true);
      } finally {
        player.destroy();
        video.remove();
      }
    });
  }
});
