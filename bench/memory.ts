// Memory (issue 10 item 4): the heap after 20 src changes against the heap after one, on one <secure-video> with the
// bundled CDM (which holds keys, sessions and segment buffers of its own), cycling through the cenc, cbcs, cens and
// cbc1 fixtures; each load plays until its first 0.5 s are past. Growth that stays after a garbage collection is a leak.
// The heap is also read after the first cycle (each fixture once): the growth from there to the 20th change is free of
// one-time costs (code compiled for the other schemes, shaka's first-use caches), so it is the figure a leak shows in;
// where the heap can be read the run goes on to 60 changes, and the growth per change from 20 to 60 says whether it
// keeps up (a leak) or fades (warm-up). The live instances of our classes and of shaka's Player, MediaSource and
// SourceBuffer are counted at each point (Chromium, DevTools queryObjects): a leaked load would leave one behind.
//
// The storm (issue 19 item 3): 1,000 src changes at moments from a microtask to a played second, then 100
// removals and re-insertions, then the element removed for good: the heap after a forced GC against a baseline taken
// after a warm-up element (one-time costs: shaka loaded and compiled, each fixture's code paths run once) was removed,
// and the live instances of our classes and of shaka's, which must be back at zero.
//
// Measurable in Chromium only: the heap after a forced full GC through the DevTools protocol (bench/browser.config.mjs),
// and performance.memory (no GC; coarse). Firefox and WebKit give a page no heap figure (performance.memory and
// performance.measureUserAgentSpecificMemory are Chromium's, and the latter also needs cross-origin isolation).
import '../src/define.js';
import type { SecureVideo } from '../src/index.js';
import { LoadStatus } from '../src/index.js';
import { ClearKeyMediaKeys, ClearKeyMediaKeySession, ClearKeyStore } from '../src/cdm/index.js';
import { EmeController } from '../src/eme/index.js';
import { loadShaka } from '../src/streaming/shaka-loader.js';
import { SegmentFilter } from '../src/streaming/segment-filter.js';
import { StreamingSession } from '../src/streaming/streaming-session.js';
import { diagnostics } from '../src/eme/diagnostics.js';
import { chromiumFigures, report } from './helpers.js';

const CHANGES = 20;
/** Where the heap can be read, the run goes on to this many changes: growth that slows down is warm-up, not a leak. */
const LONG_RUN = 60;
const FIXTURES = ['cenc', 'cbcs', 'cens', 'cbc1'];

function loadedAndPlaying(el: SecureVideo): Promise<void> {
  return new Promise((resolve, reject) => {
    const video = el.media;
    const check = (): void => {
      if (el.status === LoadStatus.ERROR) {
        cleanup();
        reject(new Error(`secure-video: ${el.error?.message}`));
      } else if (el.status === LoadStatus.LOADED && video.currentTime > 0.5) {
        cleanup();
        resolve();
      }
    };
    const cleanup = (): void => {
      video.removeEventListener('timeupdate', check);
      el.removeEventListener('statuschange', check);
    };
    video.addEventListener('timeupdate', check);
    el.addEventListener('statuschange', check);
  });
}

const STORM_CHANGES = 1000;
const STORM_CYCLES = 100;
const STORM_SOURCES = ['clear', 'cenc', 'cbcs', 'cens', 'cbc1'].map((f) => `/test/fixtures/${f}/manifest.mpd`);

function settled(el: SecureVideo): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = (): void => {
      if (el.status === LoadStatus.LOADING) return;
      el.removeEventListener('statuschange', check);
      if (el.status === LoadStatus.ERROR) reject(new Error(`secure-video: ${el.error?.message}`));
      else resolve();
    };
    el.addEventListener('statuschange', check);
    void el.updateComplete.then(check);
  });
}

const frame = (): Promise<void> => new Promise((resolve) => requestAnimationFrame(() => resolve()));

/**
 * The moment of the i-th change of a storm: most come a microtask or a frame after the previous one (the load they
 * cut short is attaching or fetching), every tenth once the load settled (license, sessions, buffers in place), every
 * hundredth once it played.
 */
async function stormMoment(el: SecureVideo, i: number): Promise<void> {
  if (i % 100 === 99) {
    await settled(el);
    const playing = loadedAndPlaying(el);
    await el.play();
    await playing;
  } else if (i % 10 === 9) await settled(el);
  else if (i % 2) await frame();
  else await Promise.resolve();
}

/** One element through the storm; nothing of it is reachable once this returns. */
async function runStorm(measureDuring: () => Promise<unknown>): Promise<unknown> {
  const el = document.createElement('secure-video') as SecureVideo;
  el.setAttribute('muted', '');
  el.setAttribute('fallback', 'always');
  el.setAttribute('license-url', '/license');
  el.src = STORM_SOURCES[0]!;
  document.body.append(el);
  for (let i = 0; i < STORM_CHANGES; i++) {
    await stormMoment(el, i);
    el.src = STORM_SOURCES[(i + 1) % STORM_SOURCES.length]!;
  }
  for (let i = 0; i < STORM_CYCLES; i++) {
    await stormMoment(el, i);
    el.remove();
    if (i % 3 === 1) await frame();
    document.body.append(el);
  }
  await settled(el);
  const playing = loadedAndPlaying(el);
  await el.play();
  await playing;
  const during = await measureDuring();
  el.remove();
  await el[diagnostics]().idle();
  return during;
}

function jsHeap(): number | null {
  return (performance as Performance & { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? null;
}

describe('bench: memory', () => {
  it('compares the heap after 20 src changes with the heap after one, then a storm of changes with the baseline', async function () {
    this.timeout(20 * 60_000);
    // Let, so that the storm's baseline is taken with this element unreachable.
    let el: SecureVideo | null = document.createElement('secure-video');
    el.setAttribute('muted', '');
    el.setAttribute('autoplay', '');
    el.setAttribute('fallback', 'always');
    el.setAttribute('license-url', '/license');
    document.body.append(el);
    // What a leak would keep alive, counted in Chromium (DevTools queryObjects) after each measurement.
    const shaka = (await loadShaka()) as unknown as { Player: { prototype: object } };
    (globalThis as { __benchPrototypes?: Record<string, object> }).__benchPrototypes = {
      ClearKeyMediaKeys: ClearKeyMediaKeys.prototype,
      ClearKeyMediaKeySession: ClearKeyMediaKeySession.prototype,
      ClearKeyStore: ClearKeyStore.prototype,
      EmeController: EmeController.prototype,
      StreamingSession: StreamingSession.prototype,
      SegmentFilter: SegmentFilter.prototype,
      ShakaPlayer: shaka.Player.prototype,
      MediaSource: MediaSource.prototype,
      SourceBuffer: SourceBuffer.prototype,
      AbortController: AbortController.prototype,
      AbortSignal: AbortSignal.prototype,
      Promise: Promise.prototype,
    };
    type Heap = { gc: number | null; performanceMemory: number | null; live: Record<string, number> | null };
    const measure = async (): Promise<Heap> => {
      const figures = await chromiumFigures(true, true);
      return { gc: figures?.heapUsed ?? null, performanceMemory: jsHeap(), live: figures?.live ?? null };
    };
    let afterOne: Heap | null = null;
    let afterCycle: Heap | null = null;
    let afterAll: Heap | null = null;
    let afterLong: Heap | null = null;
    for (let i = 0; i < CHANGES || (afterAll?.gc != null && i < LONG_RUN); i++) {
      const playing = loadedAndPlaying(el!);
      el!.src = `/test/fixtures/${FIXTURES[i % FIXTURES.length]}/manifest.mpd`;
      await playing;
      if (i === 0) afterOne = await measure();
      if (i === FIXTURES.length - 1) afterCycle = await measure();
      if (i === CHANGES - 1) afterAll = await measure();
      if (i === LONG_RUN - 1) afterLong = await measure();
    }
    el.remove();
    await el[diagnostics]().idle();
    el = null;
    if (!afterAll) throw new Error('the run ended before its 20th change');
    const kib = (n: number | null): number | null => (n === null ? null : Math.round(n / 1024));
    // The storm starts from here: the element above is gone, every fixture and code path has run once.
    const baseline = await measure();
    const started = performance.now();
    const playing = (await runStorm(measure)) as Heap;
    const seconds = Math.round((performance.now() - started) / 1000);
    const after = await measure();
    const storm = {
      srcChanges: STORM_CHANGES,
      removeReinsertCycles: STORM_CYCLES,
      seconds,
      baselineKiB: kib(baseline.gc),
      whilePlayingKiB: kib(playing.gc),
      afterRemovalKiB: kib(after.gc),
      afterRemovalOverBaseline:
        baseline.gc !== null && after.gc !== null ? Math.round((after.gc / baseline.gc) * 1000) / 1000 : null,
      withinTenPercent: baseline.gc !== null && after.gc !== null ? after.gc <= baseline.gc * 1.1 : null,
      liveBaseline: baseline.live,
      liveWhilePlaying: playing.live,
      liveAfterRemoval: after.live,
    };
    await report('memory', {
      storm,
      srcChanges: CHANGES,
      heapAfterOneKiB: kib(afterOne!.gc),
      heapAfterAllKiB: kib(afterAll.gc),
      growthKiB: afterOne!.gc !== null && afterAll.gc !== null ? kib(afterAll.gc - afterOne!.gc) : null,
      heapAfterCycleKiB: kib(afterCycle!.gc),
      liveAfterOne: afterOne!.live,
      liveAfterCycle: afterCycle!.live,
      liveAfterAll: afterAll.live,
      changesAfterCycle: CHANGES - FIXTURES.length,
      growthPerChangeAfterCycleKiB:
        afterCycle!.gc !== null && afterAll.gc !== null
          ? kib((afterAll.gc - afterCycle!.gc) / (CHANGES - FIXTURES.length))
          : null,
      heapAfterLongRunKiB: afterLong ? kib(afterLong.gc) : null,
      longRunChanges: afterLong ? LONG_RUN : null,
      growthPerChangeLongRunKiB:
        afterLong?.gc != null && afterAll.gc !== null ? kib((afterLong.gc - afterAll.gc) / (LONG_RUN - CHANGES)) : null,
      liveAfterLongRun: afterLong?.live ?? null,
      performanceMemoryAfterOneKiB: kib(afterOne!.performanceMemory),
      performanceMemoryAfterAllKiB: kib(afterAll.performanceMemory),
      method:
        afterAll.gc !== null
          ? 'V8 heap in use after a forced full GC (DevTools Runtime.getHeapUsage)'
          : 'not measurable from a page in this browser (no performance.memory, no measureUserAgentSpecificMemory)',
    });
  });
});
