/**
 * Issue 19 item 1 as a property: whatever a page does to the element and whenever it does it, the element ends
 * playing its last src (or with the typed error of a src that cannot load), and holds nothing of the runs it dropped.
 *
 * fast-check generates sequences of steps: src changes (the clear fixture, the cenc fixture, a manifest that answers
 * 404), removals, re-insertions (an append of a connected element moves it: a removal and an insertion in one call),
 * `drm` changes and `load()` calls. Each step waits for a generated moment first: a microtask, an animation frame, a
 * delay of 0 ms to 3 s, or the next media event of the inner <video> (emptied, loadstart, loadedmetadata, canplay) or
 * the <source> shaka adds, whichever comes first of the event and a generated delay. Delays are input, not
 * synchronisation: the end state is awaited through the element's events, and the leak checks of
 * test/helpers/leak-check.ts run after each sequence, once with the element playing and once after its removal.
 *
 * `npm test` runs a few sequences per browser with a seed fixed by the test title (printed); `npm run fuzz -- --files
 * test/element/fuzz.test.ts` (FUZZ_RUNS / FUZZ_SECONDS / FUZZ_SEED) runs more. A failing sequence is reported as
 * generated (no shrinking: each case plays media) in JSON that REPRODUCTIONS below takes as it is.
 */
import { expect } from '@open-wc/testing';
import fc from 'fast-check';
import '../../src/define.js';
import type { SecureVideo } from '../../src/index.js';
import { PlaybackError, PlaybackErrorCode } from '../../src/index.js';
import type { DrmConfig } from '../../src/eme/key-system-config.js';
import { playedPast, until } from '../helpers/events.js';
import { fuzz } from '../helpers/fuzz.js';
import { expectNoLeaks, leakCheckedTests, watchListeners } from '../helpers/leak-check.js';
import { licenseUrl, testKeys, uniqueId } from '../helpers/license-server.js';

const SOURCES = {
  clear: '/test/fixtures/clear/manifest.mpd',
  cenc: '/test/fixtures/cenc/manifest.mpd',
  /** No such manifest: the dev server answers 404, the element ends with a NETWORK PlaybackError. */
  missing: '/test/fixtures/missing/manifest.mpd',
} as const;
type Source = keyof typeof SOURCES;

/**
 * The `drm` property: `attributes` leaves it null (the element's license-url and fallback="always" attributes apply),
 * `inline` gives the keys in the page (bundled CDM), `server` names the license server with fallback auto (the
 * browser's Clear Key in Chromium and Firefox, the bundled CDM in WebKit).
 */
type Drm = 'attributes' | 'inline' | 'server';

type MediaEventName = 'emptied' | 'loadstart' | 'loadedmetadata' | 'canplay' | 'source-added';
type Moment =
  | { at: 'microtask' }
  | { at: 'frame' }
  | { at: 'ms'; ms: number }
  /** The next such event of the inner <video>, or `ms` later if none comes first. */
  | { at: MediaEventName; orMs: number };

type Step =
  | { after: Moment; do: 'src'; src: Source }
  | { after: Moment; do: 'remove' }
  | { after: Moment; do: 'insert' }
  | { after: Moment; do: 'drm'; drm: Drm }
  | { after: Moment; do: 'load' };

interface Sequence {
  src: Source;
  drm: Drm;
  steps: Step[];
}

/** The sequences of the issue, as a new user met them (each left the element loading forever before the fix). */
const REPRODUCTIONS: [string, Sequence][] = [
  [
    'a src change 250 ms after insertion',
    { src: 'cenc', drm: 'server', steps: [{ after: { at: 'ms', ms: 250 }, do: 'src', src: 'clear' }] },
  ],
  [
    'a removal 173 ms after insertion and a re-insertion 7 ms later',
    {
      src: 'cenc',
      drm: 'server',
      steps: [
        { after: { at: 'ms', ms: 173 }, do: 'remove' },
        { after: { at: 'ms', ms: 7 }, do: 'insert' },
      ],
    },
  ],
  [
    'a removal at 250 ms and a re-insertion 1 s later',
    {
      src: 'clear',
      drm: 'attributes',
      steps: [
        { after: { at: 'ms', ms: 250 }, do: 'remove' },
        { after: { at: 'ms', ms: 1000 }, do: 'insert' },
      ],
    },
  ],
];

// --- what fast-check generates ---------------------------------------------------------------------------------

const delay = fc.oneof(
  { arbitrary: fc.integer({ min: 0, max: 400 }), weight: 3 },
  { arbitrary: fc.integer({ min: 400, max: 3000 }), weight: 1 },
);
const moment: fc.Arbitrary<Moment> = fc.oneof(
  fc.constant({ at: 'microtask' as const }),
  fc.constant({ at: 'frame' as const }),
  fc.record({ at: fc.constant('ms' as const), ms: delay }),
  fc.record({
    at: fc.constantFrom<MediaEventName>('emptied', 'loadstart', 'loadedmetadata', 'canplay', 'source-added'),
    orMs: delay,
  }),
);
const source = fc.constantFrom<Source>('clear', 'cenc', 'missing');
const drm = fc.constantFrom<Drm>('attributes', 'inline', 'server');
const step: fc.Arbitrary<Step> = fc.oneof(
  { arbitrary: fc.record({ after: moment, do: fc.constant('src' as const), src: source }), weight: 3 },
  { arbitrary: fc.record({ after: moment, do: fc.constant('remove' as const) }), weight: 2 },
  { arbitrary: fc.record({ after: moment, do: fc.constant('insert' as const) }), weight: 2 },
  { arbitrary: fc.record({ after: moment, do: fc.constant('drm' as const), drm }), weight: 1 },
  { arbitrary: fc.record({ after: moment, do: fc.constant('load' as const) }), weight: 1 },
);
const sequence: fc.Arbitrary<Sequence> = fc.record({
  src: source,
  drm,
  steps: fc.array(step, { minLength: 1, maxLength: 4 }),
});

// --- running a sequence ------------------------------------------------------------------------------------------

const tests = leakCheckedTests();
const { created } = tests;

function reached(when: Moment, media: HTMLVideoElement): Promise<void> {
  switch (when.at) {
    case 'microtask':
      return Promise.resolve();
    case 'frame':
      return new Promise((resolve) => requestAnimationFrame(() => resolve()));
    case 'ms':
      return new Promise((resolve) => setTimeout(resolve, when.ms));
  }
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      media.removeEventListener(when.at, done);
      observer.disconnect();
      resolve();
    };
    const timer = setTimeout(done, when.orMs);
    const observer = new MutationObserver(done);
    // shaka attaches through a <source> child; the change lands inside the callback that sees it.
    if (when.at === 'source-added') observer.observe(media, { childList: true });
    else media.addEventListener(when.at, done);
  });
}

async function drmConfig(which: Drm, license: string): Promise<DrmConfig | null> {
  if (which === 'attributes') return null;
  if (which === 'server') return { keySystems: { 'org.w3.clearkey': { licenseUrl: license } }, fallback: 'auto' };
  return { keySystems: { 'org.w3.clearkey': { clearKeys: await testKeys() } }, fallback: 'always' };
}

/**
 * A bound on how long the end state may take, so that a sequence that leaves the element stuck is reported with its
 * replay instead of ending in mocha's timeout. A load of these 4-second fixtures takes well under a second here.
 */
const STUCK_AFTER_MS = 20_000;

/** Resolves once the element has settled on its src: loaded, or failed. */
async function settled(el: SecureVideo): Promise<void> {
  // A change made just now applies at the next update; before it, the status seen is the previous load's.
  await el.updateComplete;
  if (el.status === 'loaded' || el.status === 'error') return;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stuck = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const v = el.media;
      reject(
        new Error(
          `stuck: status ${el.status}, drmState ${el.drmState}, overlay ${el.overlay}, connected ${el.isConnected}, ` +
            `video readyState ${v.readyState}, networkState ${v.networkState}, src "${v.src}"`,
        ),
      );
    }, STUCK_AFTER_MS);
  });
  try {
    await Promise.race([until(el, 'statuschange', () => el.status === 'loaded' || el.status === 'error'), stuck]);
  } finally {
    clearTimeout(timer);
  }
}

async function run(seq: Sequence): Promise<void> {
  const id = uniqueId('fuzz');
  const license = licenseUrl(id);
  const el = document.createElement('secure-video');
  created.push(el);
  el.muted = true;
  el.setAttribute('fallback', 'always');
  el.setAttribute('license-url', license);
  el.drm = await drmConfig(seq.drm, license);
  el.src = SOURCES[seq.src];
  const listeners = watchListeners(el.media);
  let last = seq.src;
  try {
    document.body.append(el);
    for (const s of seq.steps) {
      await reached(s.after, el.media);
      switch (s.do) {
        case 'src':
          el.src = SOURCES[s.src];
          last = s.src;
          break;
        case 'remove':
          el.remove();
          break;
        case 'insert':
          document.body.append(el);
          break;
        case 'drm':
          el.drm = await drmConfig(s.drm, license);
          break;
        case 'load':
          el.load();
          break;
      }
    }
    // The page puts the element back at the end if a step left it out.
    if (!el.isConnected) document.body.append(el);
    await settled(el);
    expect(el.src).to.equal(SOURCES[last]);
    if (last === 'missing') {
      expect(el.status).to.equal('error');
      expect(el.error).to.be.instanceOf(PlaybackError);
      expect(el.error?.code, el.error?.message).to.equal(PlaybackErrorCode.NETWORK);
      expect(el.overlay).to.equal('error');
    } else {
      expect(el.status, String(el.error?.message)).to.equal('loaded');
      await el.play();
      await playedPast(el, 0.5);
      expect(el.error, String(el.error?.message)).to.equal(null);
      expect(el.drmError, String(el.drmError?.message)).to.equal(null);
      if (last === 'cenc') expect(el.drmState).to.equal('usable');
      expect(el.overlay).to.equal('none');
    }
    await expectNoLeaks([el], { bundled: tests.spy, licenseIds: [id] });
    el.remove();
    await expectNoLeaks([el], { bundled: tests.spy, licenseIds: [id], listeners: { watch: listeners } });
  } catch (e) {
    el.remove();
    throw new Error(`${(e as Error).message}\nreplay (add to REPRODUCTIONS): ${JSON.stringify(seq)}`, { cause: e });
  } finally {
    listeners.stop();
  }
}

describe('<secure-video> src, removal, drm and load() at any moment', () => {
  for (const [name, seq] of REPRODUCTIONS) {
    it(`${name} ends playing the last src`, async function () {
      this.timeout(STUCK_AFTER_MS + 20_000);
      await run(seq);
    });
  }

  it('every generated sequence ends playing its last src (or its typed error), leaving nothing behind', async function () {
    this.timeout(100_000);
    await fuzz(this, fc.asyncProperty(sequence, run), 6, { endOnFailure: true, printSeed: true });
  });
});
