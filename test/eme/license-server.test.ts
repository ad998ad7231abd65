// The demo license server (demo/server/license-server.ts) as the test runner mounts it: real HTTP from the browser.
import { expect } from '@open-wc/testing';
import {
  base64urlToHex,
  hexToBase64url,
  KID,
  licenseStats,
  licenseUrl,
  postLicense,
  testKeys,
  uniqueId,
} from '../helpers/license-server.js';

interface Jwks {
  keys: { kty: string; kid: string; k: string }[];
  type: string;
  expiration?: number;
}

const request = (...kids: string[]) => ({ kids: kids.map(hexToBase64url), type: 'temporary' });

describe('license server', () => {
  it('answers a Clear Key license request with a JWK Set of the known keys (EME 9.1.3 -> 9.1.4)', async () => {
    const keys = await testKeys();
    const response = await postLicense(licenseUrl(uniqueId()), request(KID.video, KID.audio, KID.unknown));
    expect(response.status).to.equal(200);
    expect(response.headers.get('content-type')).to.contain('application/json');
    const jwks = (await response.json()) as Jwks;
    expect(jwks.type).to.equal('temporary');
    expect(jwks.keys.map((k) => k.kty)).to.deep.equal(['oct', 'oct']);
    expect(jwks.keys.map((k) => base64urlToHex(k.kid))).to.deep.equal([KID.video, KID.audio]);
    expect(jwks.keys.map((k) => base64urlToHex(k.k))).to.deep.equal([keys[KID.video], keys[KID.audio]]);
    expect(jwks).not.to.have.property('expiration');
  });

  it('echoes the persistent-license session type', async () => {
    const body = { kids: [hexToBase64url(KID.video)], type: 'persistent-license' };
    const jwks = (await (await postLicense(licenseUrl(uniqueId()), body)).json()) as Jwks;
    expect(jwks.type).to.equal('persistent-license');
  });

  it('acknowledges a license release with the released KIDs and counts it', async () => {
    const id = uniqueId();
    const response = await postLicense(licenseUrl(id), { kids: [hexToBase64url(KID.video)] });
    expect(response.status).to.equal(200);
    expect(await response.json()).to.deep.equal({ kids: [hexToBase64url(KID.video)] });
    const stats = await licenseStats(id);
    expect(stats.releases).to.equal(1);
    expect(stats.licenses).to.equal(0);
    expect(stats.kinds).to.deep.equal(['license-release']);
  });

  it('rejects bodies that are not Clear Key messages with 400', async () => {
    for (const body of ['not json', '[]', '{"kids":[],"type":"temporary"}', '{"kids":["short"],"type":"temporary"}']) {
      const response = await postLicense(licenseUrl(uniqueId()), body);
      expect(response.status, body).to.equal(400);
    }
    const badType = await postLicense(licenseUrl(uniqueId()), { kids: [hexToBase64url(KID.video)], type: 'forever' });
    expect(badType.status).to.equal(400);
  });

  it('rejects unknown fault switches with 400 rather than ignoring a typo', async () => {
    const response = await postLicense(licenseUrl(uniqueId(), 'stauts:500'), request(KID.video));
    expect(response.status).to.equal(400);
    expect(((await response.json()) as { error: string }).error).to.contain('stauts:500');
  });

  it('answers status:N with that status and no keys', async () => {
    for (const status of [401, 403, 429, 500, 503]) {
      const response = await postLicense(licenseUrl(uniqueId(), `status:${status}`), request(KID.video));
      expect(response.status).to.equal(status);
      expect(await response.json()).not.to.have.property('keys');
    }
  });

  it('fails fail-times:N requests of one id with 500, then succeeds, counting per id', async () => {
    const id = uniqueId();
    const other = uniqueId();
    const url = licenseUrl(id, 'fail-times:2');
    expect((await postLicense(url, request(KID.video))).status).to.equal(500);
    // Another id has its own count: its first request fails too.
    expect((await postLicense(licenseUrl(other, 'fail-times:2'), request(KID.video))).status).to.equal(500);
    expect((await postLicense(url, request(KID.video))).status).to.equal(500);
    expect((await postLicense(url, request(KID.video))).status).to.equal(200);
    const stats = await licenseStats(id);
    expect(stats).to.include({ requests: 3, errors: 2, licenses: 1, settled: 3, aborted: 0 });
  });

  it('answers malformed with a 200 body that is not JSON', async () => {
    const response = await postLicense(licenseUrl(uniqueId(), 'malformed'), request(KID.video));
    expect(response.status).to.equal(200);
    const text = await response.text();
    expect(() => JSON.parse(text) as unknown).to.throw(SyntaxError);
  });

  it('answers wrong-key with well-formed 16-byte keys that are not the content keys', async () => {
    const keys = await testKeys();
    const response = await postLicense(licenseUrl(uniqueId(), 'wrong-key'), request(KID.video));
    const jwks = (await response.json()) as Jwks;
    expect(jwks.keys).to.have.length(1);
    const key = base64urlToHex(jwks.keys[0]!.k);
    expect(key).to.have.length(32);
    expect(key).not.to.equal(keys[KID.video]);
    expect(base64urlToHex(jwks.keys[0]!.kid)).to.equal(KID.video);
  });

  it('leaves the first requested KID out with drop-kid', async () => {
    const response = await postLicense(licenseUrl(uniqueId(), 'drop-kid'), request(KID.video, KID.audio));
    const jwks = (await response.json()) as Jwks;
    expect(jwks.keys.map((k) => base64urlToHex(k.kid))).to.deep.equal([KID.audio]);
  });

  it('adds an expiration (ms since the epoch) with expiry:MS', async () => {
    const before = Date.now();
    const response = await postLicense(licenseUrl(uniqueId(), 'expiry:60000'), request(KID.video));
    const jwks = (await response.json()) as Jwks;
    expect(jwks.expiration).to.be.a('number');
    // The server's clock is this machine's clock: the expiration lies a minute after the request was sent.
    expect(jwks.expiration! - before).to.be.within(60_000, 60_000 + 60_000);
    expect(jwks.keys).to.have.length(1);
  });

  it('requires the bearer token with auth:TOKEN (401 without, 403 with another, 200 with it)', async () => {
    const url = licenseUrl(uniqueId(), 'auth:s3cret');
    const none = await postLicense(url, request(KID.video));
    expect(none.status).to.equal(401);
    expect(none.headers.get('www-authenticate')).to.equal('Bearer');
    expect((await postLicense(url, request(KID.video), { Authorization: 'Bearer nope' })).status).to.equal(403);
    expect((await postLicense(url, request(KID.video), { Authorization: 'Bearer s3cret' })).status).to.equal(200);
  });

  it('delays its answer with delay:MS and still answers', async () => {
    const id = uniqueId();
    const response = await postLicense(licenseUrl(id, 'delay:50'), request(KID.video));
    expect(response.status).to.equal(200);
    expect((await licenseStats(id)).licenses).to.equal(1);
  });

  it('never answers with hang, and counts the request as aborted when the client gives up', async () => {
    const id = uniqueId();
    const abort = new AbortController();
    const pending = fetch(licenseUrl(id, 'hang'), {
      method: 'POST',
      body: JSON.stringify(request(KID.video)),
      signal: abort.signal,
    });
    // The server has the request once /stats says so; then the client gives up.
    await licenseStats(id, { requests: 1 });
    abort.abort();
    let failure: unknown;
    await pending.catch((e: unknown) => (failure = e));
    expect((failure as Error).name).to.equal('AbortError');
    const stats = await licenseStats(id, { settled: 1 });
    expect(stats).to.include({ requests: 1, aborted: 1, licenses: 0, errors: 0 });
  });

  it('answers CORS preflights and echoes the Origin', async () => {
    const response = await fetch(licenseUrl(uniqueId()), {
      method: 'OPTIONS',
      headers: { 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization' },
    });
    expect(response.status).to.equal(204);
    expect(response.headers.get('access-control-allow-methods')).to.contain('POST');
  });

  it('refuses other methods on the license path and passes other paths on', async () => {
    expect((await fetch(licenseUrl(uniqueId()))).status).to.equal(405);
    expect((await fetch('/test/fixtures/keys.json')).status).to.equal(200);
  });

  it('reports zero counters for an id it never saw', async () => {
    const stats = await licenseStats(uniqueId());
    expect(stats).to.include({ requests: 0, settled: 0, licenses: 0 });
  });
});
