import { expect } from '@open-wc/testing';
import { initDataKey, keyIdsInitData, kidsOfInitData } from '../../src/eme/init-data.js';
import { clearKeyPssh, hexToBytes, KID } from '../helpers/license-server.js';

describe('init data', () => {
  it("builds 'keyids' init data from default_KIDs (W3C Keyids format)", () => {
    const data = keyIdsInitData([hexToBytes(KID.video), hexToBytes(KID.audio)]);
    expect(JSON.parse(new TextDecoder().decode(data))).to.deep.equal({
      kids: ['oKGio6SlpqeoqaqrrK2urw', 'sLGys7S1tre4ubq7vL2-vw'],
    });
    expect(kidsOfInitData('keyids', data)).to.deep.equal([KID.video, KID.audio]);
  });

  it("reads the KIDs of 'cenc' (pssh v1) and 'webm' init data", () => {
    expect(kidsOfInitData('cenc', clearKeyPssh(KID.video, KID.audio))).to.deep.equal([KID.video, KID.audio]);
    expect(kidsOfInitData('webm', hexToBytes(KID.audio))).to.deep.equal([KID.audio]);
  });

  it('names no KIDs for data it cannot read, leaving the judgement to the CDM', () => {
    expect(kidsOfInitData('keyids', new TextEncoder().encode('{"kids":[]}'))).to.equal(null);
    expect(kidsOfInitData('keyids', new TextEncoder().encode('not json'))).to.equal(null);
    expect(kidsOfInitData('cenc', new Uint8Array([0, 0, 0, 8, 0x70, 0x73]))).to.equal(null);
    expect(kidsOfInitData('webm', new Uint8Array(3))).to.equal(null);
    expect(kidsOfInitData('sinf', new Uint8Array(16))).to.equal(null);
  });

  it('keys init data by type and bytes', () => {
    const a = keyIdsInitData([hexToBytes(KID.video)]);
    expect(initDataKey('keyids', a)).to.equal(initDataKey('keyids', a.slice()));
    expect(initDataKey('keyids', a)).not.to.equal(initDataKey('cenc', a));
  });
});
