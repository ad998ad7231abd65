// Errors the polyfill must give as the platform would: QuotaExceededError for a MediaKeys in use by another element
// (EME 7.1 setMediaKeys()), and no MediaKeys for a document with an opaque origin (a sandboxed iframe), each
// compared with the browser's own Clear Key where it has one.
import { expect } from '@open-wc/testing';
import { uninstallClearKeyPolyfill } from '../../src/polyfill/index.js';
import { install, isWebKit, newVideo } from './helpers.js';

const CONFIG: MediaKeySystemConfiguration = {
  initDataTypes: ['keyids'],
  audioCapabilities: [{ contentType: 'audio/mp4; codecs="mp4a.40.2"' }],
};

type QuotaExceededErrorLike = DOMException & { quota: number | null; requested: number | null };
const QuotaExceeded = (globalThis as { QuotaExceededError?: new () => QuotaExceededErrorLike }).QuotaExceededError;
const nativeRequest = navigator.requestMediaKeySystemAccess?.bind(navigator);

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

describe('polyfill: setMediaKeys() of a MediaKeys in use by another element', () => {
  before(install);
  after(() => uninstallClearKeyPolyfill());

  it('rejects with QuotaExceededError: the interface where the browser has one (quota and requested null)', async () => {
    const a = newVideo();
    const b = newVideo();
    try {
      const mediaKeys = await (
        await navigator.requestMediaKeySystemAccess('org.w3.clearkey', [CONFIG])
      ).createMediaKeys();
      await a.setMediaKeys(mediaKeys);
      const error = await rejection(b.setMediaKeys(mediaKeys));
      expect(error).to.be.instanceOf(DOMException);
      expect((error as DOMException).name).to.equal('QuotaExceededError');
      expect((error as DOMException).message).to.not.equal('');
      if (QuotaExceeded) {
        // WebIDL's QuotaExceededError interface (Chromium has it; Firefox 153 and WebKitGTK 2.50 do not yet).
        expect((error as object).constructor).to.equal(QuotaExceeded);
        expect((error as QuotaExceededErrorLike).quota).to.equal(null);
        expect((error as QuotaExceededErrorLike).requested).to.equal(null);
      } else {
        expect((error as object).constructor).to.equal(DOMException);
      }
      expect(b.mediaKeys).to.equal(null);
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
