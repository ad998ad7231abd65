/**
 * secure-video's Clear Key extension (src/cdm/license.ts): a JWK carrying `minHdcpVersion` is a key whose output
 * requirement the bundled CDM cannot meet. It gets 'output-restricted' (EME 5.2.1) and decrypts nothing; a browser's
 * own Clear Key ignores the unknown member (RFC 7517 4) and keeps the key usable. Licenses come from the real license
 * server with its `restrict:KID` fault switch.
 */
import { expect } from '@open-wc/testing';
import { keyStoreOf } from '../../src/cdm/index.js';
import { parseResponse, statusOfKey } from '../../src/cdm/license.js';
import { KID, licenseUrl, uniqueId } from '../helpers/license-server.js';
import { b64url, hex, implementations, json, keyIdsInitData, mediaKeysFor, next, statuses } from './conformance.js';

const KEY = '00112233445566778899aabbccddeeff';

/** A license from the demo server for `kids`, with `restrict:KID` for each of `restricted`. */
async function serverLicense(kids: string[], restricted: string[]): Promise<ArrayBuffer> {
  const url = licenseUrl(uniqueId('restrict'), ...restricted.map((k) => `restrict:${k}`));
  const body = JSON.stringify({ kids: kids.map((k) => b64url(hex(k))), type: 'temporary' });
  const response = await fetch(url, { method: 'POST', body });
  expect(response.status).to.equal(200);
  return response.arrayBuffer();
}

describe('cdm: output requirements in a Clear Key license (secure-video extension)', () => {
  it('parses minHdcpVersion and gives such a key the status output-restricted', () => {
    const parsed = parseResponse(
      json({
        keys: [
          { kty: 'oct', kid: b64url(hex(KID.video)), k: b64url(hex(KEY)), minHdcpVersion: '2.2' },
          { kty: 'oct', kid: b64url(hex(KID.audio)), k: b64url(hex(KEY)) },
        ],
      }),
    );
    if (parsed.kind !== 'license') throw new Error('expected a license');
    expect(parsed.keys.map((k) => k.minHdcpVersion)).to.deep.equal(['2.2', undefined]);
    expect(parsed.keys.map(statusOfKey)).to.deep.equal(['output-restricted', 'usable']);
  });

  it('rejects a malformed minHdcpVersion rather than dropping the requirement', () => {
    for (const bad of [2.2, '', 'HDCP_V2', '2', null]) {
      const body = json({
        keys: [{ kty: 'oct', kid: b64url(hex(KID.video)), k: b64url(hex(KEY)), minHdcpVersion: bad }],
      });
      expect(() => parseResponse(body), String(bad)).to.throw(TypeError, /minHdcpVersion/);
    }
  });

  it('the license server adds it for restrict:KID only, to the named KID', async () => {
    const license = JSON.parse(new TextDecoder().decode(await serverLicense([KID.video, KID.audio], [KID.video]))) as {
      keys: { kid: string; minHdcpVersion?: string }[];
    };
    const byKid = Object.fromEntries(license.keys.map((k) => [k.kid, k.minHdcpVersion]));
    expect(byKid).to.deep.equal({ [b64url(hex(KID.video))]: '2.2', [b64url(hex(KID.audio))]: undefined });
  });

  for (const impl of implementations) {
    it(`${impl.name}: a session with that license reports the key ${impl.name === 'bundled' ? 'output-restricted, and it decrypts nothing' : 'usable (the member is ignored)'}`, async () => {
      const mediaKeys = await mediaKeysFor(impl);
      const session = mediaKeys.createSession();
      const message = next(session, 'message');
      await session.generateRequest('keyids', keyIdsInitData(KID.video, KID.audio));
      await message;
      const changed = next(session, 'keystatuseschange');
      await session.update(await serverLicense([KID.video, KID.audio], [KID.video]));
      await changed;
      const restricted = impl.name === 'bundled' ? 'output-restricted' : 'usable';
      expect(statuses(session.keyStatuses).sort()).to.deep.equal(
        [`${KID.video}=${restricted}`, `${KID.audio}=usable`].sort(),
      );
      if (impl.name === 'bundled') {
        const store = keyStoreOf(mediaKeys)!;
        expect(await store.lookup(hex(KID.video))).to.equal(undefined);
        expect(await store.lookup(hex(KID.audio))).to.be.instanceOf(Uint8Array);
        // A later license without the requirement makes the key usable again (EME 6.8.1.1: the new license's keys).
        const usable = next(session, 'keystatuseschange');
        await session.update(await serverLicense([KID.video], []));
        await usable;
        expect(statuses(session.keyStatuses)).to.include(`${KID.video}=usable`);
        expect(await store.lookup(hex(KID.video))).to.be.instanceOf(Uint8Array);
      }
      await session.close();
    });
  }
});
