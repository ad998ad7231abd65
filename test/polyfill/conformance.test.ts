// The CDM conformance cases (test/cdm/cases) through the polyfill's global entry point: the same cases, with every
// MediaKeySystemAccess from navigator.requestMediaKeySystemAccess. Through the polyfill that is the bundled CDM, so
// the cases hold it to the spec as they hold the bundled CDM (implementation name 'bundled': no native deviation
// applies). setMediaKeys / mediaKeys are covered in install.test.ts and with real media in the other files.
import { expect } from '@open-wc/testing';
import { isBundledMediaKeys } from '../../src/cdm/index.js';
import { describeAccessCases } from '../cdm/cases/access.js';
import { describeKeyStatusMapCases } from '../cdm/cases/key-status-map.js';
import { describeMediaKeysCases } from '../cdm/cases/media-keys.js';
import { describeSessionCases } from '../cdm/cases/session.js';
import type { Implementation } from '../cdm/conformance.js';
import { install } from './helpers.js';

await install();

const throughGlobals: Implementation = {
  name: 'bundled',
  access: (keySystem, configurations) => navigator.requestMediaKeySystemAccess(keySystem, configurations),
};

describe('polyfill: platform EME presence through the polyfill', () => {
  it('gives every browser Clear Key from the global entry point, and it is the bundled CDM', async () => {
    expect(navigator.requestMediaKeySystemAccess).to.be.a('function');
    const access = await navigator.requestMediaKeySystemAccess('org.w3.clearkey', [
      { initDataTypes: ['cenc'], videoCapabilities: [{ contentType: 'video/mp4; codecs="avc1.42c01e"' }] },
    ]);
    expect(isBundledMediaKeys(await access.createMediaKeys())).to.equal(true);
  });
});

describeAccessCases(throughGlobals);
describeMediaKeysCases(throughGlobals);
describeSessionCases(throughGlobals);
describeKeyStatusMapCases(throughGlobals);
