/** The CDM's byte-level formats: base64url, key ID order, init data (EME registry) and Clear Key messages (9.1). */
import { expect } from '@open-wc/testing';
import fc from 'fast-check';
import { compareKeyIds, fromBase64Url, toBase64Url } from '../../src/cdm/bytes.js';
import { MAX_INIT_DATA_BYTES, extractKeyIds } from '../../src/cdm/init-data.js';
import { licenseRelease, licenseRequest, parseResponse } from '../../src/cdm/license.js';
import { CLEAR_KEY_SYSTEM_ID_HEX, b64url, decodeJson, hex, json, pssh, testKeys, toHexString } from './conformance.js';

function nameOf(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (e) {
    return (e as Error).name;
  }
}

describe('cdm: base64url (EME 9.1.7)', () => {
  it('round-trips any bytes and matches btoa with the URL alphabet and no padding', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        const text = toBase64Url(bytes);
        expect(text).to.equal(b64url(bytes));
        expect(fromBase64Url(text)).to.deep.equal(bytes);
      }),
    );
  });

  it("rejects padding, '+', '/', whitespace, impossible lengths and stray trailing bits", () => {
    for (const bad of ['AA==', 'A+', 'A/', 'AA AA', 'A', 'AAAAA', 'AB', 'é']) {
      expect(fromBase64Url(bad), bad).to.equal(undefined);
    }
    expect(fromBase64Url('')).to.deep.equal(new Uint8Array(0));
    expect(fromBase64Url('AA')).to.deep.equal(new Uint8Array([0]));
  });
});

describe('cdm: key ID order (EME 5.2)', () => {
  it('orders by bytes, a prefix first, consistently with sorting hex strings of equal length', () => {
    expect(compareKeyIds(hex('a0'), hex('a0a1'))).to.be.below(0);
    expect(compareKeyIds(hex('a0a1'), hex('a0'))).to.be.above(0);
    expect(compareKeyIds(hex('b0'), hex('a0ff'))).to.be.above(0);
    expect(compareKeyIds(hex('a0a1'), hex('a0a1'))).to.equal(0);
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        (a, b) => {
          const byHex = toHexString(a) < toHexString(b) ? -1 : toHexString(a) > toHexString(b) ? 1 : 0;
          expect(Math.sign(compareKeyIds(a, b))).to.equal(byHex);
        },
      ),
    );
  });
});

describe('cdm: initialization data', () => {
  const A = 'a0a1a2a3a4a5a6a7a8a9aaabacadaeaf';
  const B = 'b0b1b2b3b4b5b6b7b8b9babbbcbdbebf';

  it("'cenc': collects the KIDs of every Clear Key v1 box, once each, in order", () => {
    const data = new Uint8Array([
      ...pssh(CLEAR_KEY_SYSTEM_ID_HEX, [A]),
      ...pssh('edef8ba979d64acea3c827dcd51d21ed', [B], 1),
      ...pssh(CLEAR_KEY_SYSTEM_ID_HEX, [B, A]),
    ]);
    expect(extractKeyIds('cenc', data).map(toHexString)).to.deep.equal([A, B]);
  });

  it("'cenc': a pssh box that lies about its size or KID count is a TypeError", () => {
    const box = pssh(CLEAR_KEY_SYSTEM_ID_HEX, [A]);
    const truncated = box.slice(0, box.length - 6);
    expect(nameOf(() => extractKeyIds('cenc', truncated))).to.equal('TypeError');
    const lying = box.slice();
    new DataView(lying.buffer).setUint32(28, 0xffffff);
    expect(nameOf(() => extractKeyIds('cenc', lying))).to.equal('TypeError');
    expect(nameOf(() => extractKeyIds('cenc', new Uint8Array([...box, 0, 0])))).to.equal('TypeError');
  });

  it("'keyids' and 'webm': valid data gives its KIDs; anything else is a TypeError", () => {
    expect(extractKeyIds('keyids', json({ kids: [b64url(A), b64url(A), b64url(B)] })).map(toHexString)).to.deep.equal([
      A,
      B,
    ]);
    expect(extractKeyIds('webm', hex(A)).map(toHexString)).to.deep.equal([A]);
    for (const bad of [json([b64url(A)]), json({ kids: b64url(A) }), json({ kids: [7] }), json({ kids: [''] })]) {
      expect(nameOf(() => extractKeyIds('keyids', bad))).to.equal('TypeError');
    }
    expect(nameOf(() => extractKeyIds('keyids', new Uint8Array([0x7b, 0xff, 0x7d])))).to.equal('TypeError');
  });

  it('refuses init data over 64 KiB before parsing it', () => {
    expect(nameOf(() => extractKeyIds('webm', new Uint8Array(MAX_INIT_DATA_BYTES + 1)))).to.equal('TypeError');
  });

  it('never throws anything but a TypeError or a DOMException for random bytes', () => {
    fc.assert(
      fc.property(fc.constantFrom('cenc', 'keyids', 'webm'), fc.uint8Array({ maxLength: 200 }), (type, bytes) => {
        try {
          extractKeyIds(type, bytes);
        } catch (e) {
          expect(e instanceof TypeError || e instanceof DOMException, String(e)).to.equal(true);
        }
      }),
    );
  });
});

describe('cdm: Clear Key messages (EME 9.1.3 - 9.1.6)', () => {
  it('encodes the license request and the release message as UTF-8 JSON', () => {
    const kid = hex('a0a1a2a3a4a5a6a7a8a9aaabacadaeaf');
    expect(decodeJson(licenseRequest([kid], 'temporary').slice().buffer)).to.deep.equal({
      kids: ['oKGio6SlpqeoqaqrrK2urw'],
      type: 'temporary',
    });
    expect(decodeJson(licenseRelease([kid]).slice().buffer)).to.deep.equal({ kids: ['oKGio6SlpqeoqaqrrK2urw'] });
  });

  it('parses a JWK Set with its type, and a release acknowledgement', async () => {
    const keys = await testKeys();
    const kid = keys.names.video;
    const parsed = parseResponse(
      json({
        keys: [{ kty: 'oct', alg: 'A128KW', kid: b64url(kid), k: b64url(keys.keys[kid]!) }],
        type: 'persistent-license',
      }),
    );
    expect(parsed.kind).to.equal('license');
    if (parsed.kind !== 'license') return;
    expect(parsed.type).to.equal('persistent-license');
    expect(toHexString(parsed.keys[0]!.kid)).to.equal(kid);
    expect(toHexString(parsed.keys[0]!.key)).to.equal(keys.keys[kid]);
    expect(parseResponse(json({ kids: [b64url(kid)] }))).to.deep.include({ kind: 'release-ack' });
  });

  it('answers any bytes with a parsed response or a TypeError, nothing else', () => {
    const jsonish = fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      fc.json().map((text) => new TextEncoder().encode(text)),
      fc
        .record({ keys: fc.array(fc.record({ kty: fc.constantFrom('oct', 'RSA'), kid: fc.string(), k: fc.string() })) })
        .map((o) => json(o)),
    );
    fc.assert(
      fc.property(jsonish, (bytes) => {
        try {
          parseResponse(bytes);
        } catch (e) {
          expect(e, String(e)).to.be.instanceOf(TypeError);
        }
      }),
    );
  });

  it('rejects bad responses with a TypeError whose message never holds the key', async () => {
    const keys = await testKeys();
    const kid = keys.names.video;
    const k = keys.keys[kid]!;
    const bad = [
      json({ keys: [{ kty: 'oct', kid: b64url(kid), k: b64url(k.slice(2)) }] }),
      json({ keys: [{ kty: 'oct', kid: b64url(kid), k: b64url(k) }], type: 'forever' }),
      json({ keys: [{ kty: 'oct', kid: '', k: b64url(k) }] }),
      json({ keys: [{ kty: 'oct', kid: b64url(kid) }] }),
      json({ keys: [null] }),
      json({ something: 'else' }),
      json('string'),
      new Uint8Array(64 * 1024 + 1).fill(0x20),
    ];
    for (const response of bad) {
      let error: unknown;
      try {
        parseResponse(response);
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(TypeError);
      expect((error as Error).message).to.not.include(b64url(k));
      expect((error as Error).message).to.not.include(k);
    }
  });
});
