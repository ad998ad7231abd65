/**
 * Issue 19 item 1: a src change or a removal at any moment of a load leaves the element able to load again.
 * Each moment is taken from what the page or the inner <video> itself reports while shaka attaches and loads (a
 * microtask, a frame, the <source> shaka adds, emptied, loadstart, loadedmetadata), so the change lands inside that
 * step, not near it.
 */
import { expect } from '@open-wc/testing';
import '../../src/define.js';
import type { SecureVideo } from '../../src/index.js';
import { playedPast, until } from '../helpers/events.js';
import { expectNoLeaks, leakCheckedTests } from '../helpers/leak-check.js';
import { licenseUrl, uniqueId } from '../helpers/license-server.js';

const CLEAR = '/test/fixtures/clear/manifest.mpd';
const CENC = '/test/fixtures/cenc/manifest.mpd';

const tests = leakCheckedTests();
const { created } = tests;

type Moment = (media: HTMLVideoElement) => Promise<void>;

/** Resolves inside the callback that sees the video's children change (shaka attaches through a <source> child). */
const childMutation: Moment = (media) =>
  new Promise((resolve) => {
    const observer = new MutationObserver(() => {
      observer.disconnect();
      resolve();
    });
    observer.observe(media, { childList: true });
  });

const mediaEvent =
  (type: string): Moment =>
  (media) =>
    new Promise((resolve) => media.addEventListener(type, () => resolve(), { once: true }));

const MOMENTS: [string, Moment][] = [
  ['the next microtask', () => Promise.resolve()],
  ['the next frame', () => new Promise((resolve) => requestAnimationFrame(() => resolve()))],
  ['the <source> shaka adds', childMutation],
  ['emptied', mediaEvent('emptied')],
  ['loadstart', mediaEvent('loadstart')],
  ['loadedmetadata', mediaEvent('loadedmetadata')],
];

function create(src: string): SecureVideo {
  const el = document.createElement('secure-video');
  el.muted = true;
  el.setAttribute('fallback', 'always');
  el.setAttribute('license-url', licenseUrl(uniqueId('moment')));
  el.src = src;
  created.push(el);
  return el;
}

async function plays(el: SecureVideo, src: string): Promise<void> {
  await el.updateComplete;
  if (el.status !== 'loaded') await until(el, 'statuschange', () => el.status === 'loaded' || el.status === 'error');
  expect(el.error, String(el.error?.message)).to.equal(null);
  expect(el.src).to.equal(src);
  await el.play();
  await playedPast(el, 0.5);
  expect(el.drmError, String(el.drmError?.message)).to.equal(null);
}

describe('<secure-video> changes at every moment of a load', () => {
  for (const [name, moment] of MOMENTS) {
    it(`a src change at ${name} plays the new src`, async () => {
      const el = create(CLEAR);
      const at = moment(el.media);
      document.body.append(el);
      await at;
      el.src = CENC;
      await plays(el, CENC);
      await expectNoLeaks([el], { bundled: tests.spy });
    });

    it(`a removal at ${name} and re-insertion plays again`, async () => {
      const el = create(CENC);
      const at = moment(el.media);
      document.body.append(el);
      await at;
      el.remove();
      document.body.append(el);
      await plays(el, CENC);
      await expectNoLeaks([el], { bundled: tests.spy });
    });
  }
});
