/**
 * hls.js and dash.js driven the way a page would drive them, shared by the polyfill runs (players.test.ts) and the
 * native Clear Key runs they are compared with (players-native.test.ts). What each player needs configured to play
 * the fixtures is here, once, with the reason; none of it changes the player.
 */
import { expect } from '@open-wc/testing';
import type * as dashjsModule from 'dashjs';
import type HlsType from 'hls.js';
import type { Fixture } from '../helpers/fixtures.js';
import { base64urlToHex, hexToBase64url, KID, licenseUrl, uniqueId } from '../helpers/license-server.js';
import { playedPast, until } from '../helpers/events.js';
import { decodedFrames, mediaFailure } from './helpers.js';

export const TARGET = 1.5;

/** Plays until a video frame past TARGET is presented, or rejects with the first failure. */
export async function playThrough(video: HTMLVideoElement, failure: Promise<never>): Promise<void> {
  const playing = until(video, 'playing');
  // Twice real time: the same segments, keys and frames, in half the wall time.
  video.playbackRate = 2;
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

export interface DashJsOptions {
  /** The license server URL. Default `/license`. */
  licenseUrl?: string;
  /** Called with the KIDs (hex) of each license request dash.js sends, after its MediaKeys are set. */
  onLicenseRequest?: (kids: string[]) => void;
}

/**
 * Loads `manifest` in dash.js with Clear Key from the test license server. Resolves when playback passed TARGET,
 * or rejects with dash.js's first error (its code and message) or the media element's.
 */
export async function playDashJs(
  dashjs: DashJs,
  manifest: string,
  video: HTMLVideoElement,
  options: DashJsOptions = {},
): Promise<() => void> {
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
    player.setProtectionData({ 'org.w3.clearkey': { serverURL: options.licenseUrl ?? '/license' } });
    const onLicenseRequest = options.onLicenseRequest;
    if (onLicenseRequest) {
      // For Clear Key, dash.js's request data is the CDM's JSON license request (EME 9.1.3), as a string.
      player.registerLicenseRequestFilter((request) => {
        const data: unknown = request.data;
        const text = typeof data === 'string' ? data : new TextDecoder().decode(request.data);
        onLicenseRequest((JSON.parse(text) as { kids: string[] }).kids.map(base64urlToHex));
        return Promise.resolve();
      });
    }
    player.initialize(video, manifest, false);
    await Promise.race([until(video, 'loadedmetadata'), failure]);
    await playThrough(video, failure);
  } catch (e) {
    player.destroy();
    throw e;
  }
  return () => player.destroy();
}

/**
 * dash.js on `f`'s DASH manifest as the fixture has it (cenc:pssh in the Clear Key ContentProtection): 'played', or
 * the message of dash.js's error. The native and the polyfill suites expect the same answer.
 */
export async function dashJsWithPssh(dashjs: DashJs, f: Fixture, video: HTMLVideoElement): Promise<string> {
  return playDashJs(dashjs, await dashManifest(f, {}), video).then(
    (destroy) => {
      destroy();
      return 'played';
    },
    (e: Error) => e.message,
  );
}

/**
 * What a page adds to dash.js 5.2 for key rotation with Clear Key (see dashJsKeyRotation): it answers the
 * 'encrypted' events that dash.js drops, those whose pssh names KIDs other than the manifest's cenc:default_KIDs
 * (which dash.js requests itself), with a session of its own on the element's MediaKeys: 'cenc' init data as the
 * event gives it (EME 7.3.1), the license request to `license`, the license into the session. The CDM then has a
 * session naming each rotated-in key, as with a player that handles 'encrypted' itself.
 *
 * An event that comes before dash.js has set MediaKeys waits for `drain()`, which the caller runs once MediaKeys
 * are there (dash.js sends license requests only after setting them). Returns the listener's removal.
 */
export function answerRotationPssh(
  video: HTMLVideoElement,
  license: string,
  defaultKids: readonly string[],
): { drain: () => void; remove: () => void; sessions: MediaKeySession[] } {
  const seen = new Set<string>();
  const pending: ArrayBuffer[] = [];
  const sessions: MediaKeySession[] = [];
  const open = (initData: ArrayBuffer, mediaKeys: MediaKeys): void => {
    const session = mediaKeys.createSession();
    sessions.push(session);
    session.addEventListener('message', (e) => {
      const { message } = e as MediaKeyMessageEvent;
      void fetch(license, { method: 'POST', body: message })
        .then((response) => response.arrayBuffer())
        .then((body) => session.update(body));
    });
    void session.generateRequest('cenc', initData);
  };
  const drain = (): void => {
    const mediaKeys = video.mediaKeys;
    if (!mediaKeys) return;
    for (const initData of pending.splice(0)) open(initData, mediaKeys);
  };
  const onEncrypted = (event: Event): void => {
    const { initDataType, initData } = event as MediaEncryptedEvent;
    const kids = psshKids(initData);
    const key = kids.join();
    if (initDataType !== 'cenc' || !initData || kids.every((kid) => defaultKids.includes(kid)) || seen.has(key)) return;
    seen.add(key);
    pending.push(initData.slice(0));
    drain();
  };
  video.addEventListener('encrypted', onEncrypted);
  return { drain, remove: () => video.removeEventListener('encrypted', onEncrypted), sessions };
}

/**
 * dash.js 5.2 on the key-rotation fixture (video under rotation-1 for 2 s, then rotation-2, announced by a Clear
 * Key pssh in the moof of the first fragment of each key period; the manifest's cenc:default_KID for video is
 * rotation-1), natively or through the polyfill, which must come out the same.
 *
 * What dash.js does (ProtectionController and ProtectionKeyController in its source): it selects the key system
 * from the manifest's ContentProtection, here the DASH-IF Clear Key scheme (urn:uuid:e2719d58-...), and requests
 * one license per AdaptationSet with 'keyids' init data built from cenc:default_KID. The 'encrypted' event of the
 * moof pssh (Clear Key system ID 1077efec-..., ISO/IEC 23001-7 8.1) does come, natively as from the polyfill, but
 * dash.js maps that system ID to its other Clear Key key system object (the W3C one) and creates sessions only for
 * the selected one: it drops the init data and never asks for rotation-2. The CDM waits for that key
 * ('waitingforkey') and video stops at the key change.
 *
 * With `answer`, the page answers those events itself (answerRotationPssh) and video plays through the key change.
 * Resolves with the element's MediaKeys as they were while playing.
 */
export async function dashJsKeyRotation(
  dashjs: DashJs,
  f: Fixture,
  video: HTMLVideoElement,
  answer: boolean,
): Promise<MediaKeys | null> {
  const id = uniqueId('dashjs-rotation');
  const requested: string[][] = [];
  const rotationPssh = until<MediaEncryptedEvent>(video, 'encrypted', (e) =>
    psshKids(e.initData).includes(KID.rotation2),
  );
  const waitingForKey = until(video, 'waitingforkey');
  const page = answer ? answerRotationPssh(video, licenseUrl(id), [KID.rotation1, KID.audio]) : undefined;
  const destroy = await playDashJs(dashjs, await dashManifest(f, { dropPssh: true }), video, {
    licenseUrl: licenseUrl(id),
    onLicenseRequest: (kids) => {
      requested.push(kids);
      page?.drain();
    },
  });
  try {
    // The moof pssh of the second key period was announced either way.
    expect((await rotationPssh).initDataType).to.equal('cenc');
    if (page) {
      await playedPast(video, 3);
      // 25 frames a second: more than the first key period's 50 frames means rotation-2's frames were decrypted
      // (Chromium's clock runs on with audio while video waits for a key, so the position alone says little).
      expect(decodedFrames(video)).to.be.greaterThan(50);
      expect(page.sessions.map((s) => statusesOf(s))).to.deep.equal([[`${KID.rotation2}=usable`]]);
    } else {
      // The CDM says it lacks a key: natively when playback reaches the key change, the polyfill when the fragment
      // is appended (it holds what it cannot decrypt); by then dash.js has long handled the rotation pssh.
      await waitingForKey;
    }
    // dash.js asked for the video's default KID (playback began, so that request passed the filter) and never for
    // rotation-2. (Not asserted: the audio request. In WebKit, run after the other tests of players.test.ts, dash.js
    // sent the video's request only; run alone, both. Not investigated.)
    expect(requested.flat()).to.include(KID.rotation1).and.not.include(KID.rotation2);
    return video.mediaKeys;
  } finally {
    page?.remove();
    destroy();
  }
}

function statusesOf(session: MediaKeySession): string[] {
  const out: string[] = [];
  session.keyStatuses.forEach((status, kid) => {
    const bytes =
      kid instanceof ArrayBuffer ? new Uint8Array(kid) : new Uint8Array(kid.buffer, kid.byteOffset, kid.byteLength);
    out.push(`${[...bytes].map((b) => b.toString(16).padStart(2, '0')).join('')}=${status}`);
  });
  return out;
}

/** The KIDs (hex) of the version 1 pssh boxes in 'cenc' init data (ISO/IEC 23001-7 8.1.2). */
function psshKids(initData: ArrayBuffer | null): string[] {
  if (!initData) return [];
  const bytes = new Uint8Array(initData);
  const view = new DataView(initData);
  const kids: string[] = [];
  for (let at = 0; at + 32 <= bytes.length; at += view.getUint32(at) || bytes.length) {
    if (bytes[at + 8] !== 1) continue;
    const count = view.getUint32(at + 28);
    for (let i = 0; i < count; i++) {
      const kid = bytes.subarray(at + 32 + 16 * i, at + 48 + 16 * i);
      kids.push([...kid].map((b) => b.toString(16).padStart(2, '0')).join(''));
    }
  }
  return kids;
}
