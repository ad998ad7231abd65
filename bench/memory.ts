// Memory (issue 10 item 4): the heap after 20 src changes against the heap after one, on one <secure-video> with the
// bundled CDM (which holds keys, sessions and segment buffers of its own), cycling through the cenc, cbcs, cens and
// cbc1 fixtures; each load plays until its first 0.5 s are past. Growth that stays after a garbage collection is a leak.
// The heap is also read after the first cycle (each fixture once): the growth from there to the 20th change is free of
// one-time costs (code compiled for the other schemes, shaka's first-use caches), so it is the figure a leak shows in.
//
// Measurable in Chromium only: the heap after a forced full GC through the DevTools protocol (bench/browser.config.mjs),
// and performance.memory (no GC; coarse). Firefox and WebKit give a page no heap figure (performance.memory and
// performance.measureUserAgentSpecificMemory are Chromium's, and the latter also needs cross-origin isolation).
import '../src/define.js';
import type { SecureVideo } from '../src/index.js';
import { LoadStatus } from '../src/index.js';
import { chromiumFigures, report } from './helpers.js';

const CHANGES = 20;
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

function jsHeap(): number | null {
  return (performance as Performance & { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? null;
}

describe('bench: memory', () => {
  it('compares the heap after 20 src changes with the heap after one', async function () {
    this.timeout(5 * 60_000);
    const el = document.createElement('secure-video') as SecureVideo;
    el.setAttribute('muted', '');
    el.setAttribute('autoplay', '');
    el.setAttribute('fallback', 'always');
    el.setAttribute('license-url', '/license');
    document.body.append(el);
    type Heap = { gc: number | null; performanceMemory: number | null };
    const measure = async (): Promise<Heap> => ({
      gc: (await chromiumFigures(true))?.heapUsed ?? null,
      performanceMemory: jsHeap(),
    });
    let afterOne: Heap | null = null;
    let afterCycle: Heap | null = null;
    for (let i = 0; i < CHANGES; i++) {
      const playing = loadedAndPlaying(el);
      el.src = `/test/fixtures/${FIXTURES[i % FIXTURES.length]}/manifest.mpd`;
      await playing;
      if (i === 0) afterOne = await measure();
      if (i === FIXTURES.length - 1) afterCycle = await measure();
    }
    const afterAll = await measure();
    el.remove();
    const kib = (n: number | null): number | null => (n === null ? null : Math.round(n / 1024));
    await report('memory', {
      srcChanges: CHANGES,
      heapAfterOneKiB: kib(afterOne!.gc),
      heapAfterAllKiB: kib(afterAll.gc),
      growthKiB: afterOne!.gc !== null && afterAll.gc !== null ? kib(afterAll.gc - afterOne!.gc) : null,
      heapAfterCycleKiB: kib(afterCycle!.gc),
      changesAfterCycle: CHANGES - FIXTURES.length,
      growthPerChangeAfterCycleKiB:
        afterCycle!.gc !== null && afterAll.gc !== null
          ? kib((afterAll.gc - afterCycle!.gc) / (CHANGES - FIXTURES.length))
          : null,
      performanceMemoryAfterOneKiB: kib(afterOne!.performanceMemory),
      performanceMemoryAfterAllKiB: kib(afterAll.performanceMemory),
      method:
        afterAll.gc !== null
          ? 'V8 heap in use after a forced full GC (DevTools Runtime.getHeapUsage)'
          : 'not measurable from a page in this browser (no performance.memory, no measureUserAgentSpecificMemory)',
    });
  });
});
