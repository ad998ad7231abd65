/**
 * Races and leaks at the element level (issue #9 item 3, issue #6 item 5): src changes, removals and re-insertions
 * while a license request is in flight, many elements, seeks while waiting for a key, persistent sessions across
 * element lifetimes. Each test ends with a leak check (test/helpers/leak-check.ts). DASH fixtures only, so WebKit
 * plays them too. "native" runs with fallback auto: the browser's Clear Key in Chromium and Firefox, the bundled CDM
 * in WebKit (which has no EME); "bundled" forces the bundled CDM everywhere.
 */
import { expect } from '@open-wc/testing';
import '../../src/define.js';
import type { SecureVideo } from '../../src/index.js';
import { diagnostics } from '../../src/eme/diagnostics.js';
import type { LicenseResponseDetail } from '../../src/index.js';
import { playedPast, until } from '../helpers/events.js';
import { expectNoLeaks, leakCheckedTests, usedHeap, watchListeners } from '../helpers/leak-check.js';
import { KID, licenseStats, licenseUrl, uniqueId } from '../helpers/license-server.js';

const CENC = '/test/fixtures/cenc/manifest.mpd';
const CENC_IV16 = '/test/fixtures/cenc-iv16/manifest.mpd';
const ROTATION = '/test/fixtures/key-rotation/manifest.mpd';
const MODES = [
  { name: 'native where the browser has it', fallback: 'auto' },
  { name: 'bundled', fallback: 'always' },
] as const;

const tests = leakCheckedTests();
const { created } = tests;

/** An element not yet in the document, tracked for cleanup. */
function create(attributes: Record<string, string> = {}): SecureVideo {
  const el = document.createElement('secure-video');
  el.muted = true;
  for (const [name, value] of Object.entries(attributes)) el.setAttribute(name, value);
  created.push(el);
  return el;
}

function loaded(el: SecureVideo): Promise<unknown> {
  return el.status === 'loaded' ? Promise.resolve() : until(el, 'statuschange', () => el.status === 'loaded');
}

async function plays(el: SecureVideo, seconds = 1): Promise<void> {
  // A src set just now applies at the next update: the status seen before it is the previous load's.
  await el.updateComplete;
  await loaded(el);
  await el.play();
  await playedPast(el, seconds);
  expect(el.error, String(el.error?.message)).to.equal(null);
  expect(el.drmError, String(el.drmError?.message)).to.equal(null);
  expect(el.drmState).to.equal('usable');
}

/** license-response URLs seen from now on. */
function responses(el: SecureVideo): string[] {
  const urls: string[] = [];
  el.addEventListener('license-response', (e) => urls.push((e as CustomEvent<LicenseResponseDetail>).detail.url ?? ''));
  return urls;
}

for (const mode of MODES) {
  describe(`<secure-video> races (${mode.name})`, () => {
    it('a src change during a license request applies only the new request license', async () => {
      const stale = uniqueId('stale');
      const fresh = uniqueId('fresh');
      const el = create({ fallback: mode.fallback, 'license-url': licenseUrl(stale, 'hang'), src: CENC });
      const urls = responses(el);
      document.body.append(el);
      await licenseStats(stale, { requests: 1 });
      // The old request hangs at the server; the new src comes with another license URL.
      el.licenseUrl = licenseUrl(fresh);
      el.src = CENC_IV16;
      await plays(el);
      expect(urls.length).to.be.greaterThan(0);
      for (const url of urls) expect(url).to.contain(fresh);
      expect(el.keyStatuses.get(KID.video)).to.equal('usable');
      const old = await licenseStats(stale, { settled: 1 });
      expect(old.licenses, 'licenses the stale request got').to.equal(0);
      expect(old.aborted, 'the stale request was dropped by the client').to.equal(old.requests);
      await expectNoLeaks([el], { bundled: tests.spy, licenseIds: [stale, fresh] });
    });

    it('removing the element mid-playback leaves no open session, request or listener', async () => {
      const id = uniqueId('remove');
      const el = create({ fallback: mode.fallback, 'license-url': licenseUrl(id), src: CENC });
      const listeners = watchListeners(el.media);
      document.body.append(el);
      await plays(el, 0.5);
      // What the check below must see go: sessions, and listeners that shaka and the controller put on the video.
      expect(el[diagnostics]().currentSessions).to.be.greaterThan(0);
      if (el.cdm === 'bundled') expect(tests.spy.openSessions.length).to.be.greaterThan(0);
      expect(listeners.added()).to.not.deep.equal([]);
      el.remove();
      await expectNoLeaks([el], { bundled: tests.spy, licenseIds: [id], listeners: { watch: listeners } });
      listeners.stop();
    });

    it('removal during a license request drops the request and opens nothing', async () => {
      const id = uniqueId('remove-pending');
      const el = create({ fallback: mode.fallback, 'license-url': licenseUrl(id, 'hang'), src: CENC });
      const listeners = watchListeners(el.media);
      document.body.append(el);
      await licenseStats(id, { requests: 1 });
      el.remove();
      // The server sees the client go away: every request it got settles as aborted.
      const stats = await licenseStats(id, { settled: 1 });
      expect(stats.licenses).to.equal(0);
      await expectNoLeaks([el], { bundled: tests.spy, licenseIds: [id], listeners: { watch: listeners } });
      expect((await licenseStats(id)).aborted).to.equal((await licenseStats(id)).requests);
      listeners.stop();
    });

    it('two elements on one page play with different keys', async () => {
      const a = create({ fallback: mode.fallback, 'license-url': licenseUrl(uniqueId('a')), src: CENC });
      const b = create({ fallback: mode.fallback, 'license-url': licenseUrl(uniqueId('b')), src: ROTATION });
      document.body.append(a, b);
      await Promise.all([plays(a, 1), plays(b, 2.5)]);
      expect(a.keyStatuses.get(KID.video)).to.equal('usable');
      expect(a.keyStatuses.has(KID.rotation1)).to.equal(false);
      expect(b.keyStatuses.get(KID.rotation2)).to.equal('usable');
      expect(b.keyStatuses.has(KID.video)).to.equal(false);
      await expectNoLeaks([a, b], { bundled: tests.spy });
      a.remove();
      b.remove();
      await expectNoLeaks([a, b], { bundled: tests.spy });
    });
  });
}

describe('<secure-video> races (fallback auto)', () => {
  it('50 rapid src changes end in one playing source, without leaks', async () => {
    const id = uniqueId('rapid');
    const el = create({ 'license-url': licenseUrl(id), src: CENC });
    const listeners = watchListeners(el.media);
    document.body.append(el);
    await plays(el, 0.5);
    await expectNoLeaks([el], { bundled: tests.spy, licenseIds: [id] });
    const baseline = listeners.added();
    const heap = usedHeap();
    for (let i = 0; i < 50; i++) {
      el.src = `${i % 2 ? CENC : CENC_IV16}?change=${i}`;
      // One update per change: each starts a load that the next one tears down.
      await el.updateComplete;
    }
    el.src = CENC_IV16;
    await el.updateComplete;
    await plays(el, 1);
    expect(el.src).to.equal(CENC_IV16);
    // Bounds, not timings: 50 loads may not keep what each of them allocated (segments are ~100 KiB each).
    await expectNoLeaks([el], {
      bundled: tests.spy,
      licenseIds: [id],
      listeners: { watch: listeners, allowed: baseline },
      heap: { before: heap, maxGrowth: 32 * 1024 * 1024 },
    });
    listeners.stop();
  });

  it('removal and re-insertion during a license request load again and play', async () => {
    const id = uniqueId('reinsert');
    // The server holds each answer 1.5 s: the removal lands while the first request waits.
    const el = create({ 'license-url': licenseUrl(id, 'delay:1500'), src: CENC });
    const listeners = watchListeners(el.media);
    document.body.append(el);
    await licenseStats(id, { requests: 1 });
    el.remove();
    document.body.append(el);
    await plays(el, 1);
    const stats = await licenseStats(id);
    expect(stats.aborted, 'requests of the removed run dropped').to.be.greaterThan(0);
    expect(stats.licenses).to.be.greaterThan(0);
    await expectNoLeaks([el], { bundled: tests.spy, licenseIds: [id] });
    el.remove();
    await expectNoLeaks([el], { bundled: tests.spy, licenseIds: [id], listeners: { watch: listeners } });
    listeners.stop();
  });

  it('a seek while waiting for a key plays from the new position once the key arrives', async () => {
    const id = uniqueId('seek');
    const el = create({ 'license-url': licenseUrl(id, 'delay:1000'), src: CENC });
    document.body.append(el);
    await loaded(el);
    // Metadata first: a position set before it is only a start position (HTML "default playback start position").
    if (el.readyState < HTMLMediaElement.HAVE_METADATA) await until(el, 'loadedmetadata');
    await licenseStats(id, { requests: 1 });
    // The license is still on its way: nothing can be decrypted yet.
    expect(el.keyStatuses.size).to.equal(0);
    const seeked = until(el, 'seeked');
    const started = el.play();
    el.currentTime = 2;
    await seeked;
    expect(el.currentTime).to.be.at.least(2);
    await started;
    await playedPast(el, 2.5);
    expect(el.drmState).to.equal('usable');
    expect(el.error).to.equal(null);
    await expectNoLeaks([el], { bundled: tests.spy, licenseIds: [id] });
  });

  it('a persistent-license session loads in a later element without the server, and is removed', async () => {
    const first = uniqueId('persist-1');
    const later = uniqueId('persist-2');
    const config = (id: string) => ({
      keySystems: { 'org.w3.clearkey': { licenseUrl: licenseUrl(id) } },
      sessionType: 'persistent-license' as const,
    });
    const a = create();
    a.drm = config(first);
    a.src = CENC;
    document.body.append(a);
    await plays(a, 0.5);
    // No platform here stores Clear Key licenses: the bundled CDM does, whatever the fallback.
    expect(a.cdm).to.equal('bundled');
    const ids = a.persistentSessionIds;
    expect(ids.length).to.be.greaterThan(0);
    a.remove();
    await expectNoLeaks([a], { bundled: tests.spy, licenseIds: [first] });

    // A later visit: a new element and MediaKeys; the licenses come from storage.
    const b = create();
    b.drm = config(later);
    b.src = CENC;
    document.body.append(b);
    // Loaded together, before the stream's init data: keys they bring back are not requested again.
    expect(await Promise.all(ids.map((sessionId) => b.loadSession(sessionId)))).to.deep.equal(ids.map(() => true));
    // The loaded keys show at once.
    expect(b.keyStatuses.get(KID.video)).to.equal('usable');
    await plays(b, 1);
    expect([...b.persistentSessionIds].sort()).to.deep.equal([...ids].sort());
    expect((await licenseStats(later)).requests, 'license requests of the later element').to.equal(0);

    for (const sessionId of ids) await b.removeSession(sessionId);
    const stats = await licenseStats(later, { settled: ids.length });
    expect(stats.releases).to.equal(ids.length);
    expect(b.persistentSessionIds).to.deep.equal([]);
    for (const sessionId of ids) expect(await b.loadSession(sessionId), sessionId).to.equal(false);
    b.remove();
    await expectNoLeaks([b], { bundled: tests.spy, licenseIds: [later] });
  });
});
