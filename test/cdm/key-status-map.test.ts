import { expect } from '@open-wc/testing';
import { b64url, implementations, json, keyIdsInitData, next, testKeys, toHexString } from './conformance.js';
import { describeKeyStatusMapCases } from './cases/key-status-map.js';

for (const impl of implementations) describeKeyStatusMapCases(impl);

describe('cdm conformance (bundled): key ID order across lengths', () => {
  it('puts a shorter key ID that is a prefix of a longer one first (EME 5.2 key ID comparison)', async () => {
    const { requestClearKeyAccess } = await import('../../src/cdm/index.js');
    const keys = await testKeys();
    const mediaKeys = await (
      await requestClearKeyAccess('org.w3.clearkey', [
        { initDataTypes: ['keyids'], videoCapabilities: [{ contentType: 'video/mp4; codecs="avc1.64000d"' }] },
      ])
    ).createMediaKeys();
    const session = mediaKeys.createSession();
    await session.generateRequest('keyids', keyIdsInitData('a0'));
    const kids = ['ff', keys.names.video, 'a0', 'a0a1', '00'];
    const change = next(session, 'keystatuseschange');
    await session.update(
      json({ keys: kids.map((kid) => ({ kty: 'oct', kid: b64url(kid), k: b64url(keys.keys[keys.names.video]!) })) }),
    );
    await change;
    expect([...session.keyStatuses.keys()].map((k) => toHexString(k as ArrayBuffer))).to.deep.equal([
      '00',
      'a0',
      'a0a1',
      keys.names.video,
      'ff',
    ]);
  });
});
