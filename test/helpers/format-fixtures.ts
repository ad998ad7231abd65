/**
 * The fixtures in other packagers' layouts (index.json `formatFixtures`, tools/packager/formats.ts), and a plain
 * EME + MSE page that plays one: one SourceBuffer, the fixture's files appended in order, a Clear Key session per
 * 'encrypted' event (or, with no Clear Key pssh to fire one, from the KIDs as 'keyids'), licenses from /license.
 * Used with the polyfill (bundled CDM) and with the browser's own Clear Key.
 */
import { expect } from '@open-wc/testing';
import { playedPast, until } from './events.js';
import { hexToBase64url } from './license-server.js';

export interface FormatTrack {
  trackId: number;
  kind: 'video' | 'audio' | 'captions';
  codecs: string;
  kid: string | null;
  defaultKid: string | null;
}

export interface FormatFixture {
  name: string;
  purpose: string;
  scheme: 'cenc' | 'cbcs' | 'cens' | 'cbc1';
  path: string;
  dash: string;
  appendFiles: string[];
  mimeType: string;
  tracks: FormatTrack[];
  initData: string;
  duration: number;
}

let index: Promise<{ formatFixtures: FormatFixture[] }> | undefined;

export async function formatFixtures(): Promise<FormatFixture[]> {
  index ??= fetch('/test/fixtures/index.json').then((r) => r.json());
  return (await index).formatFixtures;
}

/** The KIDs whose keys a fixture needs (hex, once each). */
export function kidsOf(f: FormatFixture): string[] {
  return [...new Set(f.tracks.flatMap((t) => (t.kid ? [t.kid] : [])))];
}

async function license(message: ArrayBuffer): Promise<ArrayBuffer> {
  const response = await fetch('/license', { method: 'POST', body: message });
  if (!response.ok) throw new Error(`license: HTTP ${response.status}`);
  return response.arrayBuffer();
}

/**
 * Plays `f` in `video` through EME + MSE with the Clear Key implementation `navigator.requestMediaKeySystemAccess`
 * gives (the polyfill's when installed) until a frame past 1.5 s is presented; rejects with the first failure.
 * Returns the init data types the sessions were started with.
 */
export async function playFormatFixture(
  f: FormatFixture,
  video: HTMLVideoElement,
  options: { keyIdsWhenCencRefused?: boolean; mediaKeys?: MediaKeys } = {},
): Promise<string[]> {
  const failures: Promise<never>[] = [];
  let fail!: (e: unknown) => void;
  const failed = new Promise<never>((_, reject) => (fail = reject));
  failed.catch(() => undefined);
  failures.push(failed);
  video.addEventListener('error', () => fail(new Error(`media error ${video.error?.code}: ${video.error?.message}`)));
  const videoCodecs = f.tracks.filter((t) => t.kind === 'video').map((t) => t.codecs);
  // `mediaKeys`: one the caller shares between elements, else this element's own.
  const keys =
    options.mediaKeys ??
    (await (
      await navigator.requestMediaKeySystemAccess('org.w3.clearkey', [
        {
          initDataTypes: ['cenc', 'keyids'],
          videoCapabilities: videoCodecs.map((c) => ({ contentType: `video/mp4; codecs="${c}"` })),
        },
      ])
    ).createMediaKeys());
  await video.setMediaKeys(keys);
  const types: string[] = [];
  const start = (initDataType: string, initData: BufferSource): void => {
    types.push(initDataType);
    const session = keys.createSession();
    session.addEventListener('message', (e) => {
      license(e.message)
        .then((l) => session.update(l))
        .catch(fail);
    });
    session.generateRequest(initDataType, initData).catch((e: unknown) => {
      // A Clear Key that reads no KID from the pssh boxes (another system's, or a Clear Key system ID it does not
      // know): with the option, the page asks by the KIDs it knows instead, as from a manifest's default_KID.
      if (initDataType !== 'cenc' || !options.keyIdsWhenCencRefused) return fail(e);
      start('keyids', new TextEncoder().encode(JSON.stringify({ kids: kidsOf(f).map(hexToBase64url) })));
    });
  };
  let encrypted = false;
  video.addEventListener('encrypted', (e) => {
    encrypted = true;
    if (e.initData) start(e.initDataType, e.initData);
  });
  const source = new MediaSource();
  video.src = URL.createObjectURL(source);
  await Promise.race([until(source, 'sourceopen'), failed]);
  const sb = source.addSourceBuffer(f.mimeType);
  sb.addEventListener('error', () => fail(new Error(`SourceBuffer error (media: ${String(video.error?.message)})`)));
  for (const file of f.appendFiles) {
    const bytes = await (await fetch(f.path + file)).arrayBuffer();
    const done = until(sb, 'updateend');
    sb.appendBuffer(bytes);
    await Promise.race([done, failed]);
    // No Clear Key pssh (so no 'encrypted' event): the page knows the KIDs, as from a manifest's default_KID.
    if (!encrypted && types.length === 0 && file === f.appendFiles[0]) {
      const kids = kidsOf(f).map(hexToBase64url);
      start('keyids', new TextEncoder().encode(JSON.stringify({ kids })));
    }
  }
  source.endOfStream();
  const playing = until(video, 'playing');
  await Promise.race([video.play(), failed]);
  await Promise.race([playing, failed]);
  await Promise.race([playedPast(video, 1.5), failed]);
  expect(video.getVideoPlaybackQuality().totalVideoFrames).to.be.greaterThan(0);
  return types;
}
