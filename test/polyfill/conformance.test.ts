// The CDM conformance suite (test/cdm) through the polyfill's global entry point: the same cases, with every
// MediaKeySystemAccess from navigator.requestMediaKeySystemAccess. Through the polyfill that is the bundled CDM, so
// the cases hold it to the spec as they hold the bundled CDM (implementation name 'bundled': no native deviation
// applies). setMediaKeys / mediaKeys are covered in install.test.ts and with real media in the other files.
import { expect } from '@open-wc/testing';
import { isBundledMediaKeys } from '../../src/cdm/index.js';
import { implementations, type Implementation } from '../cdm/conformance.js';
import { install } from './helpers.js';

await install();

const throughGlobals: Implementation = {
  name: 'bundled',
  access: (keySystem, configurations) => navigator.requestMediaKeySystemAccess(keySystem, configurations),
};
// The case files loop over `implementations` when they load: point it at the global entry point first.
implementations.splice(0, implementations.length, throughGlobals);
await import('../cdm/access.test.js');
await import('../cdm/media-keys.test.js');
await import('../cdm/session.test.js');
await import('../cdm/key-status-map.test.js');

// Two suites describe the platform itself rather than a CDM: which implementations exist in which browser (native
// EME in Chromium and Firefox, none in WebKitGTK). They run as they are in test/cdm; here the platform is the
// polyfilled one, pinned below instead.
const PLATFORM_SUITES = [
  'cdm: platform EME presence',
  'cdm conformance: one session lifecycle, native and bundled logs side by side',
];
const root = (globalThis as unknown as { mocha: { suite: { suites: { title: string }[] } } }).mocha.suite;
expect(root.suites.filter((s) => PLATFORM_SUITES.includes(s.title)).length).to.equal(PLATFORM_SUITES.length);
root.suites = root.suites.filter((s) => !PLATFORM_SUITES.includes(s.title));

describe('polyfill: platform EME presence through the polyfill', () => {
  it('gives every browser Clear Key from the global entry point, and it is the bundled CDM', async () => {
    expect(navigator.requestMediaKeySystemAccess).to.be.a('function');
    expect(implementations.map((i) => i.name)).to.deep.equal(['bundled']);
    const access = await navigator.requestMediaKeySystemAccess('org.w3.clearkey', [
      { initDataTypes: ['cenc'], videoCapabilities: [{ contentType: 'video/mp4; codecs="avc1.42c01e"' }] },
    ]);
    expect(isBundledMediaKeys(await access.createMediaKeys())).to.equal(true);
  });
});
