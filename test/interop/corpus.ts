/**
 * The interop corpus as the pages see it (served under /interop/ by tools/test-runner/interop-middleware.mjs; its
 * cases.json is described in the corpus README), and the verdicts they report to tools/run-interop.mjs.
 */
import { parseInit } from '../../src/mp4/init.js';
import { fromHex, toHex } from '../../src/mp4/bytes.js';

export interface InteropCase {
  id: string;
  scheme: string;
  codec: string;
  layout: 'single-fragmented-file' | 'init+segments';
  /** Relative to the corpus folder. */
  paths: string[];
  kid: string;
  key: string;
  keys?: { kid: string; key: string }[];
  expected_clear?: string[];
  notes: string;
}

export type Path = 'bytes' | 'element-dash' | 'element-hls' | 'polyfill' | 'native';
export type Status = 'passed' | 'failed' | 'skipped' | 'limit';

export const BASE = '/interop/';
export const cases: InteropCase[] = await (await fetch(BASE + 'cases.json')).json();

/** KID hex -> key hex of every key of the case. */
export function keysOf(c: InteropCase): Record<string, string> {
  const keys: Record<string, string> = { [c.kid]: c.key };
  for (const k of c.keys ?? []) keys[k.kid] = k.key;
  return keys;
}

/** One track of a case: its init segment (or single file) and its media segments (none for a single file). */
export interface TrackFiles {
  init: string;
  segments: string[];
  /** The packager's decrypted output for this track, where the case ships one. */
  expectedClear: string | undefined;
}

export function tracksOf(c: InteropCase): TrackFiles[] {
  const media = c.paths.filter((p) => /\.(mp4|m4s)$/.test(p));
  const clearOf = (base: string) => c.expected_clear?.find((e) => e.endsWith(`/decrypted-${base}-0.mp4`));
  if (c.layout === 'init+segments') {
    return media
      .filter((p) => p.endsWith('-init.mp4'))
      .map((init) => {
        const prefix = init.slice(0, -'init.mp4'.length);
        const segments = media.filter((p) => p.startsWith(prefix) && p.endsWith('.m4s')).sort();
        return { init, segments, expectedClear: clearOf(init.split('/').pop()!.slice(0, -'-init.mp4'.length)) };
      });
  }
  return media.map((init) => ({ init, segments: [], expectedClear: clearOf(init.split('/').pop()!.slice(0, -4)) }));
}

export function mpdOf(c: InteropCase): string | undefined {
  return c.paths.find((p) => p.endsWith('.mpd'));
}

/** The HLS master playlist: output.m3u8 (the media playlists are named after the tracks or stream_N). */
export function hlsOf(c: InteropCase): string | undefined {
  return c.paths.find((p) => p.endsWith('/output.m3u8'));
}

const fileCache = new Map<string, Promise<Uint8Array>>();
export function bytesOf(path: string): Promise<Uint8Array> {
  let p = fileCache.get(path);
  if (!p) {
    p = fetch(BASE + path).then(async (r) => {
      if (!r.ok) throw new Error(`GET ${path}: HTTP ${r.status}`);
      return new Uint8Array(await r.arrayBuffer());
    });
    fileCache.set(path, p);
  }
  return p;
}

/**
 * The clear codec of a track as an RFC 6381 MIME type: from the MPD's Representation where there is an MPD, else
 * from the init segment (only avc1 is needed there: the Chromium-made single files).
 */
export async function mimeOf(c: InteropCase, track: TrackFiles): Promise<string> {
  const init = parseInit(await bytesOf(track.init));
  const t = init.tracks[0]!;
  const kind = t.handler === 'soun' ? 'audio' : 'video';
  const mpd = mpdOf(c);
  if (mpd) {
    const doc = new DOMParser().parseFromString(await (await fetch(BASE + mpd)).text(), 'application/xml');
    for (const as of Array.from(doc.getElementsByTagName('AdaptationSet'))) {
      const rep = as.getElementsByTagName('Representation')[0];
      const mime = rep?.getAttribute('mimeType') ?? as.getAttribute('mimeType');
      const codecs = rep?.getAttribute('codecs') ?? as.getAttribute('codecs');
      if (mime?.startsWith(kind) && codecs) return `${mime}; codecs="${codecs}"`;
    }
  }
  const bytes = await bytesOf(track.init);
  const at = indexOfType(bytes, 'avcC');
  if (t.originalFormat === 'avc1' && at > 0) {
    const hex = toHex(bytes.subarray(at + 5, at + 8));
    return `video/mp4; codecs="avc1.${hex}"`;
  }
  throw new Error(`No codec string for ${track.init} (${t.originalFormat})`);
}

function indexOfType(bytes: Uint8Array, type: string): number {
  const [a, b, c, d] = [...type].map((ch) => ch.charCodeAt(0));
  for (let i = 4; i + 4 <= bytes.length; i++) {
    if (bytes[i] === a && bytes[i + 1] === b && bytes[i + 2] === c && bytes[i + 3] === d) return i;
  }
  return -1;
}

/** Why the browser cannot play the case at all (a clear codec MSE refuses), or undefined when it can. */
export async function unsupportedCodec(c: InteropCase): Promise<string | undefined> {
  for (const t of tracksOf(c)) {
    const mime = await mimeOf(c, t);
    if (!MediaSource.isTypeSupported(mime)) return `MediaSource.isTypeSupported('${mime}') is false`;
  }
  return undefined;
}

export async function report(c: InteropCase, path: Path, status: Status, detail = ''): Promise<void> {
  await fetch('/interop-report', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ case: c.id, path, status, detail }),
  });
}

/**
 * Runs `body` for the case and path and reports its outcome. A failure is rethrown (mocha fails the test too), unless
 * `browserLimit` explains it by what the browser cannot do at all (then: skipped, with both reasons).
 */
export async function verdict(
  c: InteropCase,
  path: Path,
  body: () => Promise<string | void>,
  browserLimit?: () => Promise<string | undefined>,
): Promise<void> {
  try {
    const detail = await body();
    await report(c, path, 'passed', detail ?? '');
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const limit = await browserLimit?.();
    if (limit) {
      await report(c, path, 'skipped', `${limit}; this path: ${message}`);
      return;
    }
    await report(c, path, 'failed', message);
    throw e;
  }
}

export { fromHex, toHex };
