import { expect } from '@open-wc/testing';
import { inlineLicense, kidsOfMessage, parseClearKeys, takeExpiration } from '../../src/eme/clear-key.js';
import { DrmError, DrmErrorCode } from '../../src/eme/errors.js';
import { base64urlToHex, hexToBase64url, KID, testKeys } from '../helpers/license-server.js';

const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);

describe('Clear Key JSON (application side)', () => {
  it('answers a license request from inline keys with a JWK Set of the keys it has (EME 9.1.4)', async () => {
    const keys = await testKeys();
    const inline = parseClearKeys({ [KID.video]: keys[KID.video]! });
    const license = JSON.parse(
      text(inlineLicense([hexToBase64url(KID.video), hexToBase64url(KID.audio)], inline, 'temporary')),
    ) as { keys: { kty: string; kid: string; k: string }[]; type: string };
    expect(license.type).to.equal('temporary');
    expect(license.keys).to.have.length(1);
    expect(license.keys[0]!.kty).to.equal('oct');
    expect(base64urlToHex(license.keys[0]!.kid)).to.equal(KID.video);
    expect(base64urlToHex(license.keys[0]!.k)).to.equal(keys[KID.video]);
  });

  it('fails with INLINE_KEYS_MISSING naming the KIDs when it has none of them', () => {
    try {
      inlineLicense([hexToBase64url(KID.audio)], new Map(), 'temporary');
      expect.fail('no error');
    } catch (e) {
      expect((e as DrmError).code).to.equal(DrmErrorCode.INLINE_KEYS_MISSING);
      expect((e as DrmError).data).to.deep.equal({ kids: [KID.audio] });
    }
  });

  it('refuses malformed inline keys without echoing them', () => {
    const cases: Record<string, string>[] = [{ nothex: KID.video }, { [KID.video]: 'abcd' }];
    for (const clearKeys of cases) {
      try {
        parseClearKeys(clearKeys);
        expect.fail('no error');
      } catch (e) {
        expect(e).to.be.instanceOf(DrmError);
        expect((e as DrmError).code).to.equal(DrmErrorCode.INVALID_CONFIG);
        expect((e as DrmError).message).not.to.contain('abcd');
      }
    }
  });

  it('reads the KIDs of a license request or release message, and nothing from other bytes', () => {
    const message = new TextEncoder().encode(JSON.stringify({ kids: ['oKGio6SlpqeoqaqrrK2urw'], type: 'temporary' }));
    expect(kidsOfMessage(message)).to.deep.equal(['oKGio6SlpqeoqaqrrK2urw']);
    expect(kidsOfMessage(new Uint8Array([0x08, 0x01, 0xff]))).to.equal(null);
  });

  it('takes the expiration extension out of a license and leaves other licenses untouched', () => {
    const withExpiry = new TextEncoder().encode('{"keys":[],"type":"temporary","expiration":1234}');
    const taken = takeExpiration(withExpiry);
    expect(taken.expiration).to.equal(1234);
    expect(JSON.parse(text(taken.license))).to.deep.equal({ keys: [], type: 'temporary' });
    const plain = new TextEncoder().encode('{"keys":[]}');
    expect(takeExpiration(plain)).to.deep.equal({ license: plain, expiration: undefined });
    const opaque = new Uint8Array([1, 2, 3]);
    expect(takeExpiration(opaque).license).to.equal(opaque);
  });
});
