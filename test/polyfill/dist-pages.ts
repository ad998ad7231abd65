/**
 * What users get: plain HTML pages (test/polyfill/pages/) that load the BUILT polyfill, dist/clearkey-polyfill.iife.js
 * from a classic script or dist/polyfill/index.js through an import map, and each player from its own dist/ files
 * as its documentation loads them (shaka-player's UMD and es2021 builds, hls.js's hls.min.js and hls.mjs, dash.js's
 * modern UMD build). Nothing here imports src/: these tests need `npm run build` first (CI builds before testing),
 * and fail, not skip, without it. Each page runs in an iframe and posts what its video element did; the license
 * server's counters say which requests it got. WebKitGTK has no EME, so there the polyfill installs without force;
 * Chromium and Firefox have native Clear Key, so the pages pass force: true and the platform never sees encryption.
 */
import { expect } from '@open-wc/testing';
import { fixtures, testKeys, type Fixture } from '../helpers/fixtures.js';
import { licenseStats, licenseUrl, uniqueId } from '../helpers/license-server.js';

export const TARGET = 1.5;

export interface PageResult {
  ok: boolean;
  error?: string;
  readyState?: number;
  currentTime: number;
  frames: number;
  bundled: boolean;
  /** Where the polyfill's decrypt core ran ('worker' from every built file, the classic script included). */
  decryptThread: 'worker' | 'main' | null;
}

const BUILT = ['/dist/clearkey-polyfill.iife.js', '/dist/polyfill/index.js'];

/** Fails (never skips) when the build output is missing. */
export async function requireBuild(): Promise<void> {
  for (const file of BUILT) {
    const response = await fetch(file, { method: 'HEAD', cache: 'no-store' });
    if (!response.ok) throw new Error(`${file} is missing (HTTP ${response.status}): run \`npm run build\` first`);
  }
}

export async function fixture(name: string): Promise<Fixture> {
  return (await fixtures()).find((f) => f.name === name)!;
}

export async function keysOf(f: Fixture): Promise<Record<string, string>> {
  const keys = await testKeys();
  return Object.fromEntries(f.tracks.flatMap((t) => t.kids).map((kid) => [kid, keys[kid]!]));
}

/** Loads a page in an iframe and resolves with what it posted. */
export async function runPage(page: string, query: Record<string, string>): Promise<PageResult> {
  const frame = document.createElement('iframe');
  const posted = new Promise<PageResult>((resolve) => {
    const onMessage = (e: MessageEvent): void => {
      if (e.source !== frame.contentWindow || (e.data as { type?: string })?.type !== 'dist-page') return;
      window.removeEventListener('message', onMessage);
      resolve(e.data as PageResult);
    };
    window.addEventListener('message', onMessage);
  });
  frame.src = `/test/polyfill/pages/${page}?${new URLSearchParams(query)}`;
  document.body.append(frame);
  try {
    return await posted;
  } finally {
    frame.remove();
  }
}

/** Runs `page` on fixture `f` with keys from the license server; asserts it played through the bundled CDM. */
export async function playsWithLicenseServer(page: string, f: Fixture): Promise<void> {
  const id = uniqueId(`dist-${page}`);
  const result = await runPage(page, {
    fixture: f.name,
    license: licenseUrl(id),
    keys: JSON.stringify(await keysOf(f)),
  });
  expect(result.error, `readyState ${result.readyState}`).to.equal(undefined);
  expect(result.ok).to.equal(true);
  expect(result.currentTime).to.be.greaterThan(TARGET);
  expect(result.frames).to.be.greaterThan(0);
  expect(result.bundled, 'the element played with the bundled MediaKeys').to.equal(true);
  // The decrypt worker started from the built file: a module file beside it, found from a classic script too.
  expect(result.decryptThread, 'where the decrypt core ran').to.equal('worker');
  // The page's player asked this page's license URL, and got licenses (one may carry several keys).
  const stats = await licenseStats(id);
  expect(stats.requests, 'license requests').to.be.at.least(1);
  expect(stats.licenses, 'licenses').to.be.at.least(1);
  expect(stats.errors).to.equal(0);
}
