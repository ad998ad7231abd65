/**
 * Issue 16 item 3: `element.error` of a failure on the decrypt path names the real cause's code, not only a generic
 * decode error. The fault comes from a real route of the test server (tools/test-runner/media-fault-middleware.mjs):
 * the cenc fixture with its second video segment's senc claiming one sample more than its trun holds. The decrypt
 * path parses every protected media segment (for a moof pssh, and to decrypt on the bundled path), finds the
 * contradiction (ISO/IEC 23001-7 7.2: one senc entry per sample) and fails the segment; shaka reports that as
 * RESPONSE_FILTER_ERROR (1007), and the element's PlaybackError (DECODE, a MediaError code) carries the typed error as
 * `cause` and its code as `data.causeCode`.
 */
import { expect } from '@open-wc/testing';
import '../../src/define.js';
import type { SecureVideo } from '../../src/index.js';
import { ErrorLayer, Mp4ErrorCode, Mp4ParseError, PlaybackError, PlaybackErrorCode } from '../../src/index.js';
import { until } from '../helpers/events.js';
import { testKeys } from '../helpers/fixtures.js';
import { leaks, secretsOf } from '../helpers/key-material.js';
import { expectNoLeaks, leakCheckedTests } from '../helpers/leak-check.js';
import { licenseUrl, uniqueId } from '../helpers/license-server.js';

const hasNativeEme = typeof navigator.requestMediaKeySystemAccess === 'function';
const DAMAGED_SENC = '/media-fault/senc-count/seg-0-2.m4s/test/fixtures/cenc/manifest.mpd';

const tests = leakCheckedTests();
const { created } = tests;

function failed(el: SecureVideo): Promise<unknown> {
  return el.status === 'error' ? Promise.resolve() : until(el, 'statuschange', () => el.status === 'error');
}

async function expectSencCause(el: SecureVideo, cdm: 'native' | 'bundled'): Promise<void> {
  const errors: Event[] = [];
  el.addEventListener('error', (e) => errors.push(e));
  document.body.append(el);
  await failed(el);
  await el.updateComplete;
  const error = el.error;
  expect(error, 'error').to.be.instanceOf(PlaybackError);
  const playback = error as PlaybackError;
  expect(playback.code, playback.message).to.equal(PlaybackErrorCode.DECODE);
  expect(playback.layer).to.equal(ErrorLayer.PLAYBACK);
  // The real cause, by code and as the typed error itself.
  expect(playback.data.causeCode, playback.message).to.equal(Mp4ErrorCode.SIZE_MISMATCH);
  expect(playback.data.causeLayer).to.equal(ErrorLayer.MP4);
  expect(playback.data.shakaCode).to.equal(1007);
  expect(playback.cause).to.be.instanceOf(Mp4ParseError);
  const cause = playback.cause as Mp4ParseError;
  expect(cause.code).to.equal(Mp4ErrorCode.SIZE_MISMATCH);
  expect(cause.boxPath).to.match(/^moof\/traf\/senc$/);
  expect(playback.message).to.include('senc sample_count');
  // The load-failure overlay, one 'error' event, and no key in what the page sees of the failure.
  expect(el.overlay).to.equal('error');
  expect(errors.length, "'error' events").to.equal(1);
  expect(el.cdm, 'the CDM the segment was meant for').to.equal(cdm);
  expect(leaks(el.error, secretsOf(Object.values(await testKeys())), 'error')).to.deep.equal([]);
  el.remove();
  await expectNoLeaks([el], { bundled: tests.spy });
}

describe('<secure-video> error of a decrypt failure', () => {
  it('a damaged senc through the license server (the browser Clear Key where there is one): error names 3007', async () => {
    const el = document.createElement('secure-video');
    el.muted = true;
    el.drm = { keySystems: { 'org.w3.clearkey': { licenseUrl: licenseUrl(uniqueId('senc')) } } };
    el.src = DAMAGED_SENC;
    created.push(el);
    await expectSencCause(el, hasNativeEme ? 'native' : 'bundled');
  });

  it('a damaged senc on the bundled CDM with inline keys: error names 3007', async () => {
    const el = document.createElement('secure-video');
    el.muted = true;
    el.drm = { keySystems: { 'org.w3.clearkey': { clearKeys: await testKeys() } }, fallback: 'always' };
    el.src = DAMAGED_SENC;
    created.push(el);
    await expectSencCause(el, 'bundled');
  });
});
