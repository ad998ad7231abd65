// Unmodified players on the polyfill: shaka-player, hls.js and dash.js, each driving EME itself, play the encrypted
// fixtures through the bundled CDM. WebKitGTK has no EME, so there the polyfill is all there is; Chromium and
// Firefox have native Clear Key, so the polyfill is installed with force: true and the platform never sees
// encryption (nothing but the bundled MediaKeys can be attached).
import { expect } from '@open-wc/testing';
import { isBundledMediaKeys } from '../../src/cdm/index.js';
import { fixtures, testKeys, type Fixture } from '../helpers/fixtures.js';
import { install, mediaFailure, newVideo } from './helpers.js';
import {
  TARGET,
  dashJsKeyRotation,
  dashJsWithPssh,
  dashManifest,
  playDashJs,
  playHlsJs,
  playThrough,
} from './players.js';

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

describe('polyfill: hls.js (HLS)', () => {
  // hls.js starts Clear Key sessions from 'encrypted' events (pssh) or, with the generateRequest filter of
  // hlsConfig(), from the playlist key's KID; HLS SAMPLE-AES-CTR is the cenc scheme. The clear lead needs that
  // filter natively too (players-native.test.ts).
  // cenc-no-pssh's playlists name their key only with KEYFORMAT="identity", an EXT-X-KEY hls.js ignores for
  // SAMPLE-AES-CTR ("Ignoring unsupported EXT-X-KEY tag"), so it has no key to play it with.
  for (const f of all.filter((x) => x.scheme === 'cenc' && x.pssh)) {
    it(`${f.name}: plays with keys from the license server`, async () => {
      // hls.js binds navigator.requestMediaKeySystemAccess when its module loads: load it after install().
      const { default: Hls } = await import('hls.js');
      const video = newVideo();
      let destroy: (() => void) | undefined;
      try {
        destroy = await playHlsJs(Hls, f, video);
        expect(isBundledMediaKeys(video.mediaKeys)).to.equal(true);
      } finally {
        destroy?.();
        video.remove();
      }
    });
  }
});

describe('polyfill: dash.js (DASH)', () => {
  // Key rotation needs the page to answer the rotation pssh (dashJsKeyRotation in players.ts): tested below.
  for (const f of all.filter((x) => !x.keyRotation)) {
    const cencValue = f.scheme === 'cens' || f.scheme === 'cbc1';
    it(`${f.name}: plays with keys from the license server${cencValue ? ' (mp4protection value cenc)' : ''}`, async () => {
      const dashjs = await import('dashjs');
      const video = newVideo();
      let destroy: (() => void) | undefined;
      try {
        destroy = await playDashJs(dashjs, await dashManifest(f, { dropPssh: true, cencValue }), video);
        expect(isBundledMediaKeys(video.mediaKeys)).to.equal(true);
      } finally {
        destroy?.();
        video.remove();
      }
    });
  }

  const rotation = all.find((x) => x.keyRotation)!;
  it('key-rotation: no license request for the rotated-in key, the CDM waits for it (as natively)', async () => {
    const video = newVideo();
    try {
      const mediaKeys = await dashJsKeyRotation(await import('dashjs'), rotation, video, false);
      expect(isBundledMediaKeys(mediaKeys)).to.equal(true);
    } finally {
      video.remove();
    }
  });

  it('key-rotation: plays through the key change when the page answers the rotation pssh itself', async () => {
    const video = newVideo();
    try {
      const mediaKeys = await dashJsKeyRotation(await import('dashjs'), rotation, video, true);
      expect(isBundledMediaKeys(mediaKeys)).to.equal(true);
    } finally {
      video.remove();
    }
  });

  it('cenc with cenc:pssh in the manifest: error 113, generateRequest(keyids, pssh box) is a TypeError, as natively', async () => {
    const dashjs = await import('dashjs');
    const video = newVideo();
    try {
      const outcome = await dashJsWithPssh(dashjs, cenc, video);
      expect(outcome).to.match(/^dash\.js 113: .*TypeError/);
    } finally {
      video.remove();
    }
  });
});
