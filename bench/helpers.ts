// What the in-browser benches share: spread of repeated measurements, the first-frame probe, the Chromium-only
// DevTools figures, and the hand-off of results to the node side (bench/browser.config.mjs).
import { executeServerCommand } from '@web/test-runner-commands';

/** min / median / max of repeated runs, and how many: this machine is shared, so one figure says little. */
export interface Spread {
  min: number;
  median: number;
  max: number;
  runs: number;
}

export function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  const r = (n: number): number => Math.round(n * 10) / 10;
  return { min: r(sorted[0]!), median: r(median), max: r(sorted[sorted.length - 1]!), runs: sorted.length };
}

export const isWebKit = /AppleWebKit/.test(navigator.userAgent) && !/Chrom(e|ium)\//.test(navigator.userAgent);
export const hasNativeEme = typeof navigator.requestMediaKeySystemAccess === 'function';

/** requestVideoFrameCallback, where it calls back: WebKitGTK has it but never calls it under Xvfb. */
export const hasVideoFrameCallback = 'requestVideoFrameCallback' in HTMLVideoElement.prototype && !isWebKit;

/** How firstFrame() sees the first frame in this browser. */
export const FIRST_FRAME_METHOD = hasVideoFrameCallback
  ? 'requestVideoFrameCallback'
  : "'playing' with readyState >= 2 (else the first 'timeupdate' with currentTime > 0)";

/**
 * Resolves with performance.now() when `video` presents its first frame: requestVideoFrameCallback where it works
 * (the frame reached the compositor); elsewhere 'playing' once readyState >= 2 (HAVE_CURRENT_DATA: a decoded frame is
 * there), or failing that the first 'timeupdate' with currentTime > 0. Rejects on a media error.
 */
export function firstFrame(video: HTMLVideoElement): Promise<number> {
  return new Promise((resolve, reject) => {
    const fail = (): void => reject(new Error(`media error ${video.error?.code}: ${video.error?.message}`));
    const check = (): void => {
      if (video.readyState < 2 || (video.paused && video.currentTime <= 0)) return;
      done();
    };
    const done = (): void => {
      video.removeEventListener('error', fail);
      video.removeEventListener('playing', check);
      video.removeEventListener('timeupdate', check);
      resolve(performance.now());
    };
    video.addEventListener('error', fail, { once: true });
    if (hasVideoFrameCallback) {
      video.requestVideoFrameCallback(() => done());
      return;
    }
    video.addEventListener('playing', check);
    video.addEventListener('timeupdate', check);
  });
}

export interface ChromiumFigures {
  /** V8 heap in use (bytes), after a full GC when asked for. */
  heapUsed: number;
  /** The renderer's cumulative script and task time (s) since the page opened (DevTools Performance.getMetrics). */
  scriptSeconds: number | null;
  taskSeconds: number | null;
  /** Live instances per name of globalThis.__benchPrototypes, when asked for. */
  live: Record<string, number> | null;
}

/** DevTools figures where the browser is Playwright's Chromium; null elsewhere. */
export async function chromiumFigures(gc: boolean, live = false): Promise<ChromiumFigures | null> {
  const figures = await executeServerCommand<ChromiumFigures | { heapUsed: null }, { gc: boolean; live: boolean }>(
    'bench-chromium',
    { gc, live },
  );
  return figures.heapUsed === null ? null : (figures as ChromiumFigures);
}

export async function report(name: string, figures: unknown): Promise<void> {
  await executeServerCommand('bench-result', { name, figures });
}
