/**
 * The stall watchdog's rules (issue 19 item 2) on a real media element, with time driven by the test: what counts as
 * "should progress" (not paused, not ended, not excused), the retry halfway, the one report at the timeout. The
 * element-level tests (test/element/stall-watchdog.test.ts) end real stalls through the page's own clock; here a driven
 * clock shows that hours of a paused or excused wait are never a stall, which no test could wait for.
 */
import { expect } from '@open-wc/testing';
import { watchForStalls } from '../../src/streaming/stall-watchdog.js';
import type { StallClock, StallInfo } from '../../src/streaming/stall-watchdog.js';

const TIMEOUT_MS = 10_000;
const HOUR_MS = 3_600_000;

/** A clock the test moves: `advance(ms)` runs every tick that falls in that time, as the page's timers would. */
function drivenClock() {
  let now = 0;
  const ticks = new Set<{ ms: number; next: number; tick: () => void }>();
  const clock: StallClock = {
    now: () => now,
    every(ms, tick) {
      const entry = { ms, next: now + ms, tick };
      ticks.add(entry);
      return () => ticks.delete(entry);
    },
  };
  const advance = (ms: number) => {
    const end = now + ms;
    for (;;) {
      const due = [...ticks].sort((a, b) => a.next - b.next)[0];
      if (!due || due.next > end) break;
      now = due.next;
      due.next += due.ms;
      due.tick();
    }
    now = end;
  };
  return { clock, advance, running: () => ticks.size };
}

function watch(media: HTMLMediaElement, excused = () => false) {
  const { clock, advance, running } = drivenClock();
  const stalls: StallInfo[] = [];
  let retries = 0;
  const abort = new AbortController();
  watchForStalls({
    media,
    timeoutMs: TIMEOUT_MS,
    excused,
    retry: () => retries++,
    onStall: (s) => stalls.push(s),
    signal: abort.signal,
    clock,
  });
  return { advance, running, stalls, retries: () => retries, stop: () => abort.abort() };
}

/** A video element that should be playing (play() called) and has no media at all: it cannot progress. */
function playingWithoutMedia(): HTMLVideoElement {
  const video = document.createElement('video');
  video.muted = true;
  // With no source the play() promise never settles until pause() rejects it (HTML: paused becomes false at once).
  video.play().catch(() => undefined);
  return video;
}

describe('stall watchdog rules (driven clock)', () => {
  it('a paused element is never stalled, however long it stays paused', () => {
    const video = document.createElement('video');
    expect(video.paused).to.equal(true);
    const w = watch(video);
    w.advance(HOUR_MS);
    expect(w.stalls).to.deep.equal([]);
    expect(w.retries()).to.equal(0);
    w.stop();
  });

  it('an excused wait (a key, a license) is never stalled', () => {
    const video = playingWithoutMedia();
    expect(video.paused).to.equal(false);
    const w = watch(video, () => true);
    w.advance(HOUR_MS);
    expect(w.stalls).to.deep.equal([]);
    expect(w.retries()).to.equal(0);
    w.stop();
    video.pause();
  });

  it('playback that should progress and does not: a retry halfway, then one report at the timeout', () => {
    const video = playingWithoutMedia();
    const w = watch(video);
    w.advance(TIMEOUT_MS / 2 - 1000);
    expect(w.retries()).to.equal(0);
    w.advance(1000);
    expect(w.retries()).to.equal(1);
    expect(w.stalls).to.deep.equal([]);
    w.advance(TIMEOUT_MS / 2);
    expect(w.stalls).to.deep.equal([{ currentTime: 0, readyState: 0, stalledMs: TIMEOUT_MS }]);
    // Reported once, then the watchdog is gone.
    expect(w.running()).to.equal(0);
    w.advance(HOUR_MS);
    expect(w.stalls.length).to.equal(1);
    expect(w.retries()).to.equal(1);
    video.pause();
  });

  it('a pause stops the clock without resetting it; playing again resumes the count', () => {
    const video = playingWithoutMedia();
    const w = watch(video);
    w.advance(TIMEOUT_MS - 2000);
    video.pause();
    w.advance(HOUR_MS);
    expect(w.stalls).to.deep.equal([]);
    video.play().catch(() => undefined);
    w.advance(2000);
    expect(w.stalls.map((s) => s.stalledMs)).to.deep.equal([TIMEOUT_MS]);
    video.pause();
  });

  it('stopping it (the session ends) stops its ticks and its listeners', () => {
    const video = playingWithoutMedia();
    const w = watch(video);
    expect(w.running()).to.equal(1);
    w.stop();
    expect(w.running()).to.equal(0);
    w.advance(HOUR_MS);
    expect(w.stalls).to.deep.equal([]);
    video.pause();
  });
});
