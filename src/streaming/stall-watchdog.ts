/**
 * Notices playback that should move and does not (issue 19 item 2). A browser may drop its source without an 'error'
 * (Firefox, on media samples that do not decode: 'waiting' with readyState 0, nothing buffered, forever), a segment
 * request may hang: shaka's stall detector and gap jumping act only where data is buffered ahead, so without this the
 * page shows a spinner forever.
 *
 * The clock runs only while playback should progress: not paused, not ended, and not waiting for a key or a license
 * (the owner says, through `excused`); it stops meanwhile, and starts from zero on progress or a seek of the page's.
 * Progress is `currentTime` going past the furthest point reached: a browser that starts the same second over and over
 * is not progressing (Firefox, on undecodable samples, drops its media, shaka reloads it and plays from 0 again, in
 * cycles of about two seconds, each with a seek to the start and nudges forward). Halfway, the watchdog asks
 * shaka to retry streaming (what shaka offers after a streaming failure; its stall detector has had its own attempts
 * by then, see {@link shakaStallThreshold}); at the end it reports the stall, once.
 */

export interface StallWatchdogOptions {
  media: HTMLMediaElement;
  /** How long playback may make no progress before it is a stall, in ms. */
  timeoutMs: number;
  /** True while a wait is expected (a key, a license): the clock does not run. */
  excused: () => boolean;
  /** The first remedy, halfway through the timeout. */
  retry: () => void;
  /** Called once when the timeout passes without progress. */
  onStall: (stall: StallInfo) => void;
  /** Aborting it stops the watchdog. */
  signal: AbortSignal;
  /** Where time comes from; the page's own clock unless a test drives it. */
  clock?: StallClock;
}

/** The watchdog's time source: `now()` in ms, and `every(ms, tick)` that calls `tick` periodically until stopped. */
export interface StallClock {
  now(): number;
  every(ms: number, tick: () => void): () => void;
}

const pageClock: StallClock = {
  now: () => performance.now(),
  every: (ms, tick) => {
    const timer = setInterval(tick, ms);
    return () => clearInterval(timer);
  },
};

/** Where playback stood when the watchdog gave up. */
export interface StallInfo {
  /** The media time playback stopped at, in seconds. */
  currentTime: number;
  /** HTMLMediaElement readyState then (0 means the browser has no media data at all: its source was dropped). */
  readyState: number;
  /** How long playback made no progress, in ms. */
  stalledMs: number;
}

/**
 * shaka's stall threshold (seconds) for a watchdog timeout: its detector tries up to three times, a threshold apart,
 * so a quarter of the timeout (at most shaka's default of 1 s) gives it all its attempts before the watchdog acts.
 */
export function shakaStallThreshold(timeoutMs: number): number {
  return Math.min(1, timeoutMs / 4000);
}

export function watchForStalls(options: StallWatchdogOptions): void {
  const { media, timeoutMs, signal, clock = pageClock } = options;
  if (signal.aborted || !(timeoutMs > 0)) return;
  /** The furthest point reached (since the last seek of the page's own). */
  let reached = media.currentTime;
  /** Time without progress while playback should have progressed. */
  let stalledMs = 0;
  let last = clock.now();
  let retried = false;
  /**
   * True from an 'emptied' during playback (the browser or the streaming engine reloaded the media) until playback
   * passes `reached` again. Firefox, on samples it cannot decode, drops all media ('timeupdate' at 0, readyState 0);
   * shaka then reloads, seeks to the start and nudges the playhead forward: those seeks restore, they are neither
   * progress nor a new starting point, or the watchdog would start over every cycle and never report the loop.
   */
  let recovering = false;
  const shouldProgress = () => !media.paused && !media.ended && !options.excused();
  const progressed = () => {
    reached = media.currentTime;
    stalledMs = 0;
    retried = false;
    recovering = false;
  };
  const check = (event?: Event) => {
    const now = clock.now();
    const elapsed = now - last;
    last = now;
    if (event?.type === 'emptied') {
      recovering = true;
      return;
    }
    if (media.seeking) {
      // A seek of the page's (or the user's) own starts the measure again from where it lands (HTML: 'seeking').
      if (!recovering) progressed();
      return;
    }
    if (media.currentTime > reached) {
      progressed();
      return;
    }
    if (!shouldProgress()) return;
    stalledMs += elapsed;
    if (stalledMs >= timeoutMs) {
      stop();
      options.onStall({
        currentTime: media.currentTime,
        readyState: media.readyState,
        stalledMs: Math.round(stalledMs),
      });
    } else if (!retried && stalledMs >= timeoutMs / 2) {
      retried = true;
      options.retry();
    }
  };
  // Ticks often enough to act within a tenth of the timeout (bounded to 1 s); the media events that change what "should
  // progress" means, or show progress, are checked at once rather than at the next tick.
  const stopTicks = clock.every(Math.min(1000, Math.max(50, timeoutMs / 10)), () => check());
  const events = ['play', 'pause', 'seeking', 'seeked', 'ended', 'timeupdate', 'emptied'];
  for (const type of events) media.addEventListener(type, check);
  function stop() {
    stopTicks();
    for (const type of events) media.removeEventListener(type, check);
    signal.removeEventListener('abort', stop);
  }
  signal.addEventListener('abort', stop, { once: true });
}
