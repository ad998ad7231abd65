import { expect } from '@open-wc/testing';
import { requestClearKeyAccess, type ClearKeyMediaKeySystemAccess } from '../../src/cdm/index.js';
import { AUDIO_TYPE, BASIC_CONFIG, KEY_SYSTEM, browser, implementations, settle } from './conformance.js';
import { describeAccessCases } from './cases/access.js';

describe('cdm: platform EME presence', () => {
  it('has native Clear Key entry points in Chromium and Firefox and none in WebKitGTK', () => {
    if (browser === 'webkit') {
      // WebKitGTK here ships no EME at all: the native conformance runs are absent by nature, not skipped.
      expect(navigator.requestMediaKeySystemAccess).to.equal(undefined);
      expect(implementations.map((i) => i.name)).to.deep.equal(['bundled']);
    } else {
      expect(navigator.requestMediaKeySystemAccess).to.be.a('function');
      expect(implementations.map((i) => i.name)).to.deep.equal(['native', 'bundled']);
    }
  });

  it('types the bundled objects as the DOM EME interfaces', async () => {
    // Compile-time: these assignments fail `tsc` if the classes stop matching lib.dom's shapes.
    const access: MediaKeySystemAccess = await requestClearKeyAccess(KEY_SYSTEM, [BASIC_CONFIG]);
    const mediaKeys: MediaKeys = await access.createMediaKeys();
    const session: MediaKeySession = mediaKeys.createSession();
    const map: MediaKeyStatusMap = session.keyStatuses;
    expect(map.size).to.equal(0);
    expect(Object.prototype.toString.call(access)).to.equal('[object MediaKeySystemAccess]');
    expect(Object.prototype.toString.call(mediaKeys)).to.equal('[object MediaKeys]');
    expect(Object.prototype.toString.call(session)).to.equal('[object MediaKeySession]');
    expect(Object.prototype.toString.call(map)).to.equal('[object MediaKeyStatusMap]');
  });
});

for (const impl of implementations) describeAccessCases(impl);

describe('cdm: requestClearKeyAccess specifics', () => {
  it('returns the bundled access class', async () => {
    const access: ClearKeyMediaKeySystemAccess = await requestClearKeyAccess(KEY_SYSTEM, [BASIC_CONFIG]);
    expect(access.keySystem).to.equal(KEY_SYSTEM);
  });

  it('rejects a non-sequence configuration list with TypeError', async () => {
    expect(await settle(requestClearKeyAccess(KEY_SYSTEM, 5 as any))).to.equal('rejected:TypeError');
  });

  it('defaults missing dictionary members as WebIDL does', async () => {
    const c = (
      await requestClearKeyAccess(KEY_SYSTEM, [{ audioCapabilities: [{ contentType: AUDIO_TYPE }] }])
    ).getConfiguration();
    expect(c).to.deep.equal({
      label: '',
      initDataTypes: [],
      audioCapabilities: [{ contentType: AUDIO_TYPE, encryptionScheme: null, robustness: '' }],
      videoCapabilities: [],
      distinctiveIdentifier: 'not-allowed',
      persistentState: 'not-allowed',
      sessionTypes: ['temporary'],
    });
  });
});
