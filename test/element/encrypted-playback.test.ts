import { expect, fixture, html } from '@open-wc/testing';
import '../../src/define.js';
import type { SecureVideo } from '../../src/index.js';
import { LoadStatus } from '../../src/index.js';
import { playedPast, until } from '../helpers/events.js';
import { fixtures, testKeys } from '../helpers/fixtures.js';
import type { Fixture } from '../helpers/fixtures.js';

// The index is fetched before mocha collects the tests, so each fixture gets named tests.
const all: Fixture[] = await fixtures();
const hasNativeEme = typeof navigator.requestMediaKeySystemAccess === 'function';
/** What the platforms here accept natively (machine notes): cenc and cbcs; cens and cbc1 need the bundled CDM. */
const NATIVE_SCHEMES = new Set(['cenc', 'cbcs']);

function settled(el: SecureVideo): Promise<unknown> {
  return el.status === LoadStatus.LOADED || el.status === LoadStatus.ERROR
    ? Promise.resolve()
    : until(el, 'statuschange', () => el.status === LoadStatus.LOADED || el.status === LoadStatus.ERROR);
}

async function playsThrough(el: SecureVideo, f: Fixture): Promise<void> {
  await settled(el);
  expect(el.error, String(el.error?.message)).to.equal(null);
  expect(el.drmError, String(el.drmError?.message)).to.equal(null);
  // Twice real time: the same segments, keys and frames, in half the wall time.
  el.playbackRate = 2;
  await el.play();
  // Past the clear lead and the key change of the rotation fixture (segments of 1 s).
  await playedPast(el, f.keyRotation || f.clearLead ? 2.5 : 1.5);
  if (f.keyRotation || f.clearLead) {
    // The clock can run on audio alone while video waits for a key (Chromium does): video frames decoded past the
    // first encrypted segment (clear lead, 1 s) or the key change (rotation, 2 s) prove the video key was used too.
    // 25 frames a second.
    const frames = f.keyRotation ? 55 : 30;
    const decoded = () => el.media.getVideoPlaybackQuality().totalVideoFrames;
    if (decoded() <= frames) await until(el, 'timeupdate', () => decoded() > frames);
  }
  expect(el.drmState).to.equal('usable');
  expect(el.getAttribute('drm-state')).to.equal('usable');
}

function expectedCdm(f: Fixture, fallback: 'auto' | 'always'): 'native' | 'bundled' {
  return fallback === 'auto' && hasNativeEme && NATIVE_SCHEMES.has(f.scheme) ? 'native' : 'bundled';
}

/**
 * The fixtures a suite plays. Where the platform has no EME (WebKit here), fallback=auto takes the same bundled path
 * as fallback=always, which plays every fixture: auto then plays one, to prove that it picks the bundled CDM.
 */
function fixturesFor(fallback: 'auto' | 'always'): Fixture[] {
  return fallback === 'auto' && !hasNativeEme ? all.filter((x) => x.name === 'cenc') : all;
}

for (const fallback of ['auto', 'always'] as const) {
  describe(`<secure-video> plays the encrypted fixtures (fallback=${fallback})`, () => {
    for (const f of fixturesFor(fallback)) {
      it(`${f.name}: DASH with the license server`, async () => {
        const el = await fixture<SecureVideo>(
          html`<secure-video muted fallback=${fallback} license-url="/license" src=${f.path + f.dash}></secure-video>`,
        );
        await playsThrough(el, f);
        expect(el.cdm).to.equal(expectedCdm(f, fallback));
        const kids = f.tracks.flatMap((t) => t.kids);
        for (const kid of kids.filter((k) => !f.keyRotation || k !== kids[0])) {
          expect(el.keyStatuses.get(kid), kid).to.equal('usable');
        }
      });
    }

    for (const f of fixturesFor(fallback).filter((x) => ['cenc', 'cbcs', 'cenc-no-pssh'].includes(x.name))) {
      it(`${f.name}: HLS with the license server`, async () => {
        const el = await fixture<SecureVideo>(
          html`<secure-video muted fallback=${fallback} license-url="/license" src=${f.path + f.hls}></secure-video>`,
        );
        await playsThrough(el, f);
        expect(el.cdm).to.equal(expectedCdm(f, fallback));
      });
    }

    it('cenc: DASH with inline clearKeys (no server)', async () => {
      const f = all.find((x) => x.name === 'cenc')!;
      const keys = await testKeys();
      const el = await fixture<SecureVideo>(html`<secure-video muted></secure-video>`);
      el.drm = { keySystems: { 'org.w3.clearkey': { clearKeys: keys } }, fallback };
      let requests = 0;
      el.addEventListener('license-request', (e) => {
        if ((e as CustomEvent<{ url: string | null }>).detail.url !== null) requests++;
      });
      el.src = f.path + f.dash;
      await playsThrough(el, f);
      expect(requests, 'license requests sent to a server').to.equal(0);
    });
  });
}
