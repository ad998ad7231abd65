/**
 * hls.js and dash.js driven the way a page would drive them, shared by the polyfill runs (players.test.ts) and the
 * native Clear Key runs they are compared with (players-native.test.ts). What each player needs configured to play
 * the fixtures is here, once, with the reason; none of it changes the player.
 */
import { expect } from '@open-wc/testing';
import type * as dashjsModule from 'dashjs';
import type HlsType from 'hls.js';
import type { Fixture } from '../helpers/fixtures.js';
import { hexToBase64url } from '../helpers/license-server.js';
import { playedPast, until } from '../helpers/events.js';
import { decodedFrames, mediaFailure } from './helpers.js';

export const TARGET = 1.5;

/** Plays until a video frame past TARGET is presented, or rejects with the first failure. */
export async function playThrough(video: HTMLVideoElement, failure: Promise<never>): Promise<void> {
  const playing = until(video, 'playing');
  await Promise.race([video.play(), failure]);
  await Promise.race([playing, failure]);
  await Promise.race([playedPast(video, TARGET), failure]);
  expect(decodedFrames(video)).to.be.greaterThan(0);
}

export function kidsOf(f: Fixture): string[] {
  return f.tracks.flatMap((t) => t.kids);
}

/**
 * hls.js 1.7 knows Clear Key keys by KEYFORMAT="org.w3.clearkey" only, and takes the KID from the first 16 bytes
 * of a data: URI, ignoring KEYID; the fixtures name the key by the CENC system ID URN with a pssh URI (as shaka
 * reads it). This rewrites each such tag the hls.js way. Native Clear Key fails on the fixtures' own tags the same
 * way, so this is about the playlist dialect, not about the polyfill.
 */
export function forHlsJs(playlist: string): string {
  return playlist.replace(
    /#EXT-X-KEY:METHOD=([\w-]+),KEYFORMAT="urn:uuid:1077efec-c0b2-4d02-ace3-3c1e52e2fb4b",[^\n]*KEYID=0x([0-9a-f]{32})/gi,
    (_tag, method: string, kid: string) => {
      const b64 = btoa(String.fromCharCode(...kid.match(/../g)!.map((h) => parseInt(h, 16))));
      return `#EXT-X-KEY:METHOD=${method},KEYFORMAT="org.w3.clearkey",URI="data:text/plain;base64,${b64}"`;
    },
  );
}

/**
 * The hls.js configuration that plays the fixtures with Clear Key, natively or through the polyfill:
 * - a playlist loader that renames the key format (forHlsJs);
 * - drmSystems[...].generateRequest: hls.js starts a session for a playlist key only with init data, which it gets
 *   from an 'encrypted' event that comes while that key is active. With a clear lead the init segment (and with it
 *   the one 'encrypted' event, EME 7.3.1) comes before any key is active: hls.js drops the event ("could not
 *   determine keyId") and then skips the key's request ("no initData"), natively as through the polyfill. The filter
 *   gives such a key 'keyids' init data (EME Initialization Data Format: keyids) from the KID hls.js knows for it;
 * - licenseXhrSetup: hls.js hands every 'encrypted' event to the first playlist key's session (it reads KIDs from
 *   Widevine and PlayReady pssh boxes only), so that session asks for every key of the content.
 */
export function hlsConfig(Hls: typeof HlsType, f: Fixture): Partial<HlsType['config']> {
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
  return {
    pLoader: PlaylistLoader as unknown as typeof Hls.DefaultConfig.pLoader,
    emeEnabled: true,
    drmSystems: {
      'org.w3.clearkey': {
        licenseUrl: '/license',
        generateRequest(initDataType, initData, context) {
          const kid = context.decryptdata.keyId;
          if (initData || !kid) return { initDataType, initData };
          const kids = [hexToBase64url([...kid].map((b) => b.toString(16).padStart(2, '0')).join(''))];
          return { initDataType: 'keyids', initData: new TextEncoder().encode(JSON.stringify({ kids })).buffer };
        },
      },
    },
    licenseXhrSetup: (_xhr: XMLHttpRequest, _url: string, _context: unknown, challenge: Uint8Array) => {
      const request = JSON.parse(new TextDecoder().decode(challenge)) as { kids: string[]; type: string };
      request.kids = kidsOf(f).map(hexToBase64url);
      return new TextEncoder().encode(JSON.stringify(request));
    },
  };
}

/** Plays `f` over HLS with hls.js (loaded by the caller after any polyfill install: it binds EME at load). */
export async function playHlsJs(Hls: typeof HlsType, f: Fixture, video: HTMLVideoElement): Promise<() => void> {
  const hls = new Hls(hlsConfig(Hls, f));
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
  } catch (e) {
    hls.destroy();
    throw e;
  }
  return () => hls.destroy();
}

export interface DashManifestOptions {
  /**
   * Drop cenc:pssh from the Clear Key ContentProtection. dash.js 5.2 calls generateRequest('keyids', <the pssh box>)
   * for it; every Clear Key CDM rejects that init data with a TypeError (it is not the keyids JSON format), native
   * Chromium and Firefox as the bundled CDM (players-native.test.ts). Without it dash.js builds 'keyids' init data
   * from cenc:default_KID, as it is meant to.
   */
  dropPssh?: boolean;
  /**
   * Say value="cenc" on the mp4protection ContentProtection of cens and cbc1 content. dash.js 5.2 reads
   * cenc:default_KID only from an mp4protection element whose value is 'cenc' or 'cbcs' (the value is used for
   * nothing else there); without a default KID it requests no license. The CDM reads the real scheme from the init
   * segment's schm box (ISO/IEC 23001-7 4.2), so the manifest's value does not reach decryption.
   */
  cencValue?: boolean;
}

/** The fixture's DASH manifest as dash.js needs it, as an object URL (with a BaseURL so segments still resolve). */
export async function dashManifest(f: Fixture, options: DashManifestOptions): Promise<string> {
  const absolute = new URL(f.path + f.dash, location.href);
  let text = await (await fetch(absolute)).text();
  if (options.dropPssh) text = text.replace(/<cenc:pssh>[^<]*<\/cenc:pssh>/g, '');
  if (options.cencValue) {
    text = text.replace(/(schemeIdUri="urn:mpeg:dash:mp4protection:2011" value=)"(cens|cbc1)"/g, '$1"cenc"');
  }
  text = text.replace(/(<MPD[^>]*>)/, `$1<BaseURL>${new URL('.', absolute).href}</BaseURL>`);
  return URL.createObjectURL(new Blob([text], { type: 'application/dash+xml' }));
}

type DashJs = typeof dashjsModule;

/**
 * Loads `manifest` in dash.js with Clear Key from the test license server. Resolves when playback passed TARGET,
 * or rejects with dash.js's first error (its code and message) or the media element's.
 */
export async function playDashJs(dashjs: DashJs, manifest: string, video: HTMLVideoElement): Promise<() => void> {
  const player = dashjs.MediaPlayer().create();
  const failure = Promise.race([
    mediaFailure(video),
    new Promise<never>((_, reject) =>
      player.on('error', (e: unknown) => {
        const error = (e as { error?: { code?: number; message?: string } }).error;
        reject(new Error(`dash.js ${error?.code}: ${error?.message}`));
      }),
    ),
  ]);
  failure.catch(() => undefined);
  try {
    player.setProtectionData({ 'org.w3.clearkey': { serverURL: '/license' } });
    player.initialize(video, manifest, false);
    await Promise.race([until(video, 'loadedmetadata'), failure]);
    await playThrough(video, failure);
  } catch (e) {
    player.destroy();
    throw e;
  }
  return () => player.destroy();
}
