// Interop path "native": a plain EME + MSE page (playback.ts) plays each case's media files with the browser's own
// Clear Key. A reference, so that a browser limit is told from our bug (polyfill.interop.ts runs the same page through
// the polyfill): what it cannot play is reported as the browser's limit with the reason, never as a failure of ours.
import { expect } from '@open-wc/testing';
import { cases, report, unsupportedCodec } from './corpus.js';
import { bounded, mediaState, newVideo, playWithEme } from './playback.js';

const hasNativeEme = typeof navigator.requestMediaKeySystemAccess === 'function';
/** Decided before mocha collects the tests: a case whose codec MSE refuses gets no test, only a skip verdict. */
const unsupported = new Map(await Promise.all(cases.map(async (c) => [c.id, await unsupportedCodec(c)] as const)));

describe('interop: the browser’s own Clear Key (reference)', () => {
  // WebKitGTK here has no EME: every case is then a skip verdict, and this is the file's one test.
  it('the corpus lists cases', () => {
    expect(cases.length).to.be.greaterThan(0);
  });

  for (const c of cases) {
    const why = !hasNativeEme
      ? 'this browser has no EME (navigator.requestMediaKeySystemAccess)'
      : unsupported.get(c.id);
    if (why) {
      void report(c, 'native', 'skipped', why);
      continue;
    }
    it(c.id, async () => {
      const { video, dispose } = newVideo();
      try {
        const note = await bounded(playWithEme(c, video), () => mediaState(video));
        await report(c, 'native', 'passed', note);
      } catch (e) {
        // The browser's limit, not ours: reported with its reason, and the suite goes on.
        await report(c, 'native', 'limit', e instanceof Error ? e.message : String(e));
      } finally {
        await dispose();
      }
    });
  }
});
