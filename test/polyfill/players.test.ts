// Unmodified players on the polyfill: shaka-player, hls.js and dash.js, each driving EME itself, play the encrypted
// fixtures through the bundled CDM. WebKitGTK has no EME, so there the polyfill is all there is; Chromium and
// Firefox have native Clear Key, so the polyfill is installed with force: true and the platform never sees
// encryption (nothing but the bundled MediaKeys can be attached).
import { expect } from '@open-wc/testing';
import { isBundledMediaKeys } from '../../src/cdm/index.js';
import { fixtures, testKeys, type Fixture } from '../helpers/fixtures.js';
import { hexToBase64url } from '../helpers/license-server.js';
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

function kidsOf(f: Fixture): string[] {
  return f.tracks.flatMap((t) => t.kids);
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
 * hls.js 1.7 knows Clear Key keys by KEYFORMAT="org.w3.clearkey" only, and takes the KID from the first 16 bytes
 * of a data: URI, ignoring KEYID; the fixtures name the key by the CENC system ID URN with a pssh URI (as shaka
 * reads it). This rewrites each such tag the hls.js way. Native Clear Key fails on the fixtures' own tags the same
 * way, so this is about the playlist dialect, not about the polyfill.
 */
function forHlsJs(playlist: string): string {
  return playlist.replace(
    /#EXT-X-KEY:METHOD=([\w-]+),KEYFORMAT="urn:uuid:1077efec-c0b2-4d02-ace3-3c1e52e2fb4b",[^\n]*KEYID=0x([0-9a-f]{32})/gi,
    (_tag, method: string, kid: string) => {
      const b64 = btoa(String.fromCharCode(...kid.match(/../g)!.map((h) => parseInt(h, 16))));
      return `#EXT-X-KEY:METHOD=${method},KEYFORMAT="org.w3.clearkey",URI="data:text/plain;base64,${b64}"`;
    },
  );
}

describe('polyfill: hls.js (HLS)', () => {
  // hls.js starts Clear Key sessions from 'encrypted' events only, so content without pssh gets no license there
  // (native Clear Key: the same). HLS SAMPLE-AES-CTR is the cenc scheme.
  // clear-lead: the init segment's one 'encrypted' event comes during the clear lead, when hls.js has no active
  // key and ignores it ("could not determine keyId"); with no pssh in a Clear Key playlist key it then never asks
  // for a license. A native CDM fires that event once too, so this is hls.js's limit, not the polyfill's.
  for (const f of all.filter((x) => x.scheme === 'cenc' && x.pssh && !x.clearLead)) {
    it(`${f.name}: plays with keys from the license server`, async () => {
      // hls.js binds navigator.requestMediaKeySystemAccess when its module loads: load it after install().
      const { default: Hls } = await import('hls.js');
      const video = newVideo();
      // hls.js 1.7 knows Clear Key keys by KEYFORMAT="org.w3.clearkey" only; the fixtures name them by the CENC
      // system ID URN. A playlist loader renames that key format: configuration, not a change to hls.js.
      const Base = Hls.DefaultConfig.loader;
      class PlaylistLoader extends Base {
        override load(...[context, config, callbacks]: Parameters<InstanceType<typeof Base>['load']>): void {
          const onSuccess = callbacks.onSuccess;
          super.load(context, config, {
            ...callbacks,
            onSuccess: (response, stats, ctx, net) => {
              if (typeof response.data === 'string') response.data = forHlsJs(response.data);
              onSuccess(response, stats, ctx, net);
            },
          });
        }
      }
      const hls = new Hls({
        pLoader: PlaylistLoader as unknown as typeof Hls.DefaultConfig.pLoader,
        emeEnabled: true,
        drmSystems: { 'org.w3.clearkey': { licenseUrl: '/license' } },
        // hls.js hands every Clear Key 'encrypted' event to the first playlist key's session (it reads KIDs from
        // Widevine and PlayReady pssh boxes only), so that one session has to ask for every key of the content.
        licenseXhrSetup: (_xhr: XMLHttpRequest, _url: string, _context: unknown, challenge: Uint8Array) => {
          const request = JSON.parse(new TextDecoder().decode(challenge)) as { kids: string[]; type: string };
          request.kids = kidsOf(f).map(hexToBase64url);
          return new TextEncoder().encode(JSON.stringify(request));
        },
      });
      const failure = Promise.race([
        mediaFailure(video),
        new Promise<never>((_, reject) =>
          hls.on(Hls.Events.ERROR, (_e, data) => {
            if (data.fatal) reject(new Error(`hls.js ${data.type} ${data.details}: ${String(data.error)}`));
          }),
        ),
      ]);
      failure.catch(() => undefined);
      try {
        hls.attachMedia(video);
        hls.loadSource(f.path + f.hls);
        await Promise.race([until(video, 'loadedmetadata'), failure]);
        await playThrough(video, failure);
        expect(isBundledMediaKeys(video.mediaKeys)).to.equal(true);
      } finally {
        hls.destroy();
        video.remove();
      }
    });
  }
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
