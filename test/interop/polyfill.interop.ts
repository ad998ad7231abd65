// Interop path "polyfill": a plain EME + MSE page (playback.ts) plays each case's media files with the Clear Key
// polyfill installed. Ours: it must play every case whose codec the browser decodes.
import { expect } from '@open-wc/testing';
import { installClearKeyPolyfill, uninstallClearKeyPolyfill } from '../../src/polyfill/index.js';
import { cases, report, unsupportedCodec, verdict } from './corpus.js';
import { bounded, clearRefusal, mediaState, newVideo, playWithEme } from './playback.js';

const isWebKit = !navigator.userAgent.includes('Firefox') && !navigator.userAgent.includes('Chrome');
/** Decided before mocha collects the tests: a case whose codec MSE refuses gets no test, only a skip verdict. */
const unsupported = new Map(await Promise.all(cases.map(async (c) => [c.id, await unsupportedCodec(c)] as const)));

describe('interop: EME + MSE through the Clear Key polyfill', () => {
  before(async () => {
    // Where the browser has its own Clear Key, force: the polyfill then takes 'org.w3.clearkey' over.
    expect(await installClearKeyPolyfill({ force: !isWebKit })).to.equal(true);
  });
  after(() => uninstallClearKeyPolyfill());

  for (const c of cases) {
    const why = unsupported.get(c.id);
    if (why) {
      void report(c, 'polyfill', 'skipped', why);
      continue;
    }
    it(c.id, async () => {
      const { video, dispose } = newVideo();
      try {
        await verdict(
          c,
          'polyfill',
          () => bounded(playWithEme(c, video), () => mediaState(video)),
          () => clearRefusal(c),
        );
      } finally {
        await dispose();
      }
    });
  }
});
