// How the polyfill answers where EME gives the user agent a choice or a refusal: one MediaKeys on several elements
// (EME 7.2 setMediaKeys(): allowed, and played), and no MediaKeys for a document with an opaque origin (a sandboxed
// iframe), compared with the browser's own Clear Key where it has one.
import { expect } from '@open-wc/testing';
import { uninstallClearKeyPolyfill } from '../../src/polyfill/index.js';
import { formatFixtures, playFormatFixture } from '../helpers/format-fixtures.js';
import { install, isWebKit, newVideo } from './helpers.js';

const CENC_CONFIG: MediaKeySystemConfiguration = {
  initDataTypes: ['cenc', 'keyids'],
  videoCapabilities: [{ contentType: 'video/mp4; codecs="avc1.42c01e"' }],
};
const CONFIG: MediaKeySystemConfiguration = {
  initDataTypes: ['keyids'],
  audioCapabilities: [{ contentType: 'audio/mp4; codecs="mp4a.40.2"' }],
};

const nativeRequest = navigator.requestMediaKeySystemAccess?.bind(navigator);

describe('polyfill: one MediaKeys on several elements (EME 7.2 setMediaKeys)', () => {
  before(install);
  after(() => uninstallClearKeyPolyfill());

  it('a second element accepts a MediaKeys in use, and both play encrypted content through it', async () => {
    // EME 7.2 lets setMediaKeys() refuse a MediaKeys in use elsewhere only when the user agent cannot use it with this
    // element; the bundled CDM can. Native Chromium and Firefox refuse (QuotaExceededError), which WPT accepts too.
    const muxed = (await formatFixtures()).find((f) => f.name === 'muxed');
    expect(muxed, 'the muxed format fixture').to.not.equal(undefined);
    const a = newVideo();
    const b = newVideo();
    try {
      const mediaKeys = await (
        await navigator.requestMediaKeySystemAccess('org.w3.clearkey', [CENC_CONFIG])
      ).createMediaKeys();
      await a.setMediaKeys(mediaKeys);
      await b.setMediaKeys(mediaKeys);
      expect(a.mediaKeys).to.equal(mediaKeys);
      expect(b.mediaKeys).to.equal(mediaKeys);
      await Promise.all([a, b].map((v) => playFormatFixture(muxed!, v, { mediaKeys })));
      // Detaching it from one element leaves the other with it.
      await a.setMediaKeys(null);
      expect(a.mediaKeys).to.equal(null);
      expect(b.mediaKeys).to.equal(mediaKeys);
    } finally {
      a.remove();
      b.remove();
    }
  });
});

/**
 * Runs `script` in a sandboxed srcdoc iframe without allow-same-origin (an opaque origin), after `setup`, and
 * resolves with the string it posts back.
 */
function inOpaqueOrigin(setup: string, script: string): Promise<string> {
  const iframe = document.createElement('iframe');
  iframe.sandbox.add('allow-scripts');
  // An inline classic script ends at the first "</script": keep the bundle's text from ending it early.
  const inline = (code: string): string => `<script>${code.replace(/<\/script/gi, '<\\/script')}</script>`;
  iframe.srcdoc = inline(setup) + inline(script);
  return new Promise<string>((resolve) => {
    const onMessage = (e: MessageEvent): void => {
      if (e.source !== iframe.contentWindow) return;
      window.removeEventListener('message', onMessage);
      iframe.remove();
      resolve(String(e.data));
    };
    window.addEventListener('message', onMessage);
    document.body.append(iframe);
  });
}

const TRY_MEDIA_KEYS = `
  try {
    navigator
      .requestMediaKeySystemAccess('org.w3.clearkey', ${JSON.stringify([CONFIG])})
      .then((access) => access.createMediaKeys())
      .then(
        () => parent.postMessage('allowed', '*'),
        (e) => parent.postMessage('failed: ' + e.name, '*'),
      );
  } catch (e) {
    parent.postMessage('threw: ' + e.name, '*');
  }`;

describe('polyfill: MediaKeys in a document with an opaque origin', () => {
  it('fails with SecurityError, through the shipped classic script (dist/clearkey-polyfill.iife.js)', async () => {
    const response = await fetch('/dist/clearkey-polyfill.iife.js');
    expect(response.ok, 'dist/clearkey-polyfill.iife.js exists: run npm run build first').to.equal(true);
    const bundle = await response.text();
    const setup = `${bundle}\nSecureVideoClearKey.install({ force: ${!isWebKit} });`;
    // The same document with a real origin gets its MediaKeys: only the opaque origin fails.
    expect(await inOpaqueOrigin(setup, TRY_MEDIA_KEYS)).to.equal('failed: SecurityError');
  });

  it("matches the browser's own Clear Key where it refuses too", async function () {
    if (!nativeRequest) {
      // WebKitGTK has no EME of its own (test/cdm/access.test.ts asserts that absence): nothing to compare with.
      expect(isWebKit).to.equal(true);
      return;
    }
    const outcome = await inOpaqueOrigin('', TRY_MEDIA_KEYS);
    // Chromium refuses with SecurityError ("EME use is not allowed on unique origins"). Firefox grants a MediaKeys
    // to an opaque origin; the bundled CDM sides with Chromium and the spec, which keeps CDM state per origin (see
    // src/cdm/access.ts createMediaKeys()).
    expect(outcome).to.equal(navigator.userAgent.includes('Firefox') ? 'allowed' : 'failed: SecurityError');
  });
});
