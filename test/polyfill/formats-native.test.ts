// The fixtures in other packagers' layouts (tools/packager/formats.ts) with the browser's own Clear Key, no polyfill:
// what the platform plays natively, so a browser limit is told from a bug of ours (formats.test.ts plays every one
// through the polyfill, test/element/format-playback.test.ts through <secure-video>). WebKitGTK has no EME at all.
import { expect } from '@open-wc/testing';
import { until } from '../helpers/events.js';
import { formatFixtures, playFormatFixture, type FormatFixture } from '../helpers/format-fixtures.js';
import { isWebKit, newVideo } from './helpers.js';

const all = await formatFixtures();
const hasNative = typeof navigator.requestMediaKeySystemAccess === 'function';
const isChromium = navigator.userAgent.includes('Chrome');

/**
 * What each platform does with each fixture (measured here, Chromium 156 and Firefox ESR 153):
 * - 'plays';
 * - 'refuses': the append fails (Chromium: "TFHD base-data-offset not allowed by MSE", MSE-ISOBMFF 3);
 * - 'waits': the samples' KID is tenc's all-zero placeholder, which no license names: the platform waits for that
 *   key (the bundled CDM takes the KID the pssh names instead, see src/mp4/init.ts resolvePlaceholderKids).
 */
function expected(f: FormatFixture): 'plays' | 'refuses' | 'waits' {
  if (f.name === 'gpac-single-file') return isChromium ? 'refuses' : 'plays';
  if (f.name === 'cbcs-zero-kid-c608') return 'waits';
  return 'plays';
}

describe('native Clear Key: content in other packagers’ layouts (EME + MSE page)', () => {
  it('has native Clear Key in Chromium and Firefox, no EME in WebKitGTK', () => {
    expect(hasNative).to.equal(!isWebKit);
  });

  if (!hasNative) return;

  for (const f of all) {
    const outcome = expected(f);
    it(`${f.name}: ${outcome}`, async () => {
      const video = newVideo();
      try {
        const played = playFormatFixture(f, video, { keyIdsWhenCencRefused: true });
        if (outcome === 'plays') {
          await played;
        } else if (outcome === 'refuses') {
          const error = await played.then(
            () => 'played',
            (e: Error) => e.message,
          );
          expect(error).to.match(/SourceBuffer error|media error/);
        } else {
          played.catch(() => undefined);
          const waiting = until(video, 'waitingforkey');
          const result = await Promise.race([waiting.then(() => 'waiting'), played.then(() => 'played')]);
          expect(result).to.equal('waiting');
          expect(video.currentTime).to.be.below(1.5);
        }
      } finally {
        video.remove();
      }
    });
  }
});
