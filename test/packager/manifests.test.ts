// The fixtures' DASH and HLS manifests, checked by the player the library builds on: stock shaka-player (no code from
// src/) loads each manifest of each fixture the native Clear Key CDM can decrypt, gets its keys the way the manifest
// says (DASH: dashif:Laurl -> the test runner's Clear Key license server at /license; HLS: KEYFORMAT="identity" key
// URIs) and plays it. WebKitGTK has no EME, so there the suite only pins down why shaka cannot play these natively.
import { expect } from '@open-wc/testing';
import { playedPast, until } from '../helpers/events.js';

interface Fixture {
  name: string;
  scheme: string;
  path: string;
  dash: string;
  hls: string;
  keyRotation: boolean;
}

interface ShakaPlayer extends EventTarget {
  attach(video: HTMLMediaElement): Promise<void>;
  load(uri: string): Promise<void>;
  destroy(): Promise<void>;
  getVariantTracks(): { videoCodec: string | null; audioCodec: string | null }[];
  drmInfo(): { keySystem: string; licenseServerUri: string } | null;
}
interface Shaka {
  Player: new () => ShakaPlayer;
  polyfill: { installAll(): void };
}

const index = (await (await fetch('/test/fixtures/index.json')).json()) as { fixtures: Fixture[] };

const ua = navigator.userAgent;
const isWebKit = /AppleWebKit/.test(ua) && !/Chrom(e|ium)\//.test(ua);

/**
 * Resolves with the media time of the first video frame presented past `seconds` (requestVideoFrameCallback): proof
 * that video frames from there were decrypted and decoded, where currentTime alone may run on the audio clock while
 * video waits for a key.
 */
function videoFramePast(video: HTMLVideoElement, seconds: number): Promise<number> {
  return new Promise((resolve) => {
    const step = (_now: number, frame: VideoFrameCallbackMetadata): void => {
      if (frame.mediaTime > seconds) resolve(frame.mediaTime);
      else video.requestVideoFrameCallback(step);
    };
    video.requestVideoFrameCallback(step);
  });
}

async function loadShaka(): Promise<Shaka> {
  // The UMD build finds no CommonJS `exports` when loaded as an ES module and publishes window.shaka.
  await import('shaka-player/dist/shaka-player.compiled-es2021.js');
  const shaka = (globalThis as { shaka?: Shaka }).shaka!;
  shaka.polyfill.installAll();
  return shaka;
}

/** Past 1.5 s, or for key rotation past 2.5 s: into the first video segment under the second key. */
function target(f: Fixture): number {
  return f.keyRotation ? 2.5 : 1.5;
}

async function playWithShaka(
  manifest: string,
  playTo: number,
): Promise<{ player: ShakaPlayer; video: HTMLVideoElement }> {
  const shaka = await loadShaka();
  const video = document.createElement('video');
  video.muted = true;
  document.body.append(video);
  const player = new shaka.Player();
  const failure = new Promise<never>((_, reject) => {
    player.addEventListener('error', (e) => reject((e as CustomEvent).detail));
    video.addEventListener('error', () => reject(video.error));
  });
  failure.catch(() => undefined);
  await player.attach(video);
  await Promise.race([player.load(manifest), failure]);
  const playing = until(video, 'playing');
  // Twice real time: the same segments, keys and frames, in half the wall time.
  video.playbackRate = 2;
  await Promise.race([video.play(), failure]);
  await Promise.race([playing, failure]);
  await Promise.race([playedPast(video, playTo), failure]);
  await Promise.race([videoFramePast(video, playTo), failure]);
  return { player, video };
}

async function close(p: { player: ShakaPlayer; video: HTMLVideoElement }): Promise<void> {
  await p.player.destroy();
  p.video.remove();
}

if (isWebKit) {
  describe('fixture manifests in shaka-player (WebKit)', () => {
    it('cannot be played natively here: WebKitGTK gives shaka no EME', () => {
      expect(navigator.requestMediaKeySystemAccess).to.equal(undefined);
    });
  });
} else {
  describe('fixture manifests in shaka-player with the native Clear Key CDM', () => {
    for (const f of index.fixtures.filter((x) => x.scheme === 'cenc' || x.scheme === 'cbcs')) {
      it(`${f.name}: the DASH manifest plays, keys from its dashif:Laurl license server`, async () => {
        const p = await playWithShaka(f.path + f.dash, target(f));
        try {
          expect(p.video.currentTime).to.be.greaterThan(target(f));
          expect(p.player.drmInfo()?.keySystem).to.equal('org.w3.clearkey');
          expect(p.player.drmInfo()?.licenseServerUri).to.equal('/license');
          expect(p.player.getVariantTracks()[0]).to.include({ videoCodec: 'avc1.42c01e', audioCodec: 'mp4a.40.2' });
        } finally {
          await close(p);
        }
      });

      it(`${f.name}: the HLS playlists play, keys from their identity key URIs`, async () => {
        const p = await playWithShaka(f.path + f.hls, target(f));
        try {
          expect(p.video.currentTime).to.be.greaterThan(target(f));
          expect(p.player.drmInfo()?.keySystem).to.equal('org.w3.clearkey');
        } finally {
          await close(p);
        }
      });
    }
  });
}
