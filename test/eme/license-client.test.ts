// fetchLicense against the real license server: retries, timeouts, filters, abort.
import { expect } from '@open-wc/testing';
import { DrmError, DrmErrorCode } from '../../src/eme/errors.js';
import { backoffDelay, fetchLicense } from '../../src/eme/license-client.js';
import type { LicenseExchange } from '../../src/eme/license-client.js';
import type { LicenseOptions } from '../../src/eme/key-system-config.js';
import { base64urlToHex, hexToBase64url, KID, licenseStats, licenseUrl, uniqueId } from '../helpers/license-server.js';

const body = new TextEncoder().encode(JSON.stringify({ kids: [hexToBase64url(KID.video)], type: 'temporary' }));
const fast: LicenseOptions = { backoff: { baseMs: 5, maxMs: 20 } };

function exchange(url: string, extra: Partial<LicenseExchange> = {}): LicenseExchange {
  return { url, keySystem: 'org.w3.clearkey', messageType: 'license-request', sessionId: 's1', body, ...extra };
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

const kidsOf = (data: Uint8Array) =>
  (JSON.parse(new TextDecoder().decode(data)) as { keys: { kid: string }[] }).keys.map((k) => base64urlToHex(k.kid));

describe('fetchLicense', () => {
  it('POSTs the CDM message and returns the license bytes', async () => {
    const id = uniqueId();
    const result = await fetchLicense(exchange(licenseUrl(id)), fast, new AbortController().signal);
    expect(result.status).to.equal(200);
    expect(result.attempts).to.equal(1);
    expect(kidsOf(result.data)).to.deep.equal([KID.video]);
    expect((await licenseStats(id)).requests).to.equal(1);
  });

  it('retries 5xx with backoff until it succeeds (server saw every attempt)', async () => {
    const id = uniqueId();
    const attempts: number[] = [];
    const result = await fetchLicense(
      exchange(licenseUrl(id, 'fail-times:2')),
      { ...fast, retries: 2 },
      new AbortController().signal,
      { onAttempt: (r) => attempts.push(r.attempt) },
    );
    expect(result.attempts).to.equal(3);
    expect(attempts).to.deep.equal([1, 2, 3]);
    expect(await licenseStats(id)).to.include({ requests: 3, errors: 2, licenses: 1 });
  });

  it('gives up after `retries` with LICENSE_HTTP_ERROR carrying the last status', async () => {
    const id = uniqueId();
    const error = await failure(
      fetchLicense(exchange(licenseUrl(id, 'status:503')), { ...fast, retries: 1 }, new AbortController().signal),
    );
    expect(error).to.be.instanceOf(DrmError);
    expect((error as DrmError).code).to.equal(DrmErrorCode.LICENSE_HTTP_ERROR);
    expect((error as DrmError).category).to.equal('license');
    expect((error as DrmError).data).to.include({ status: 503, attempts: 2, messageType: 'license-request' });
    expect((await licenseStats(id)).requests).to.equal(2);
  });

  it('retries 429', async () => {
    const id = uniqueId();
    await failure(
      fetchLicense(exchange(licenseUrl(id, 'status:429')), { ...fast, retries: 2 }, new AbortController().signal),
    );
    expect((await licenseStats(id)).requests).to.equal(3);
  });

  for (const status of [401, 403, 404]) {
    it(`does not retry ${status}`, async () => {
      const id = uniqueId();
      const error = await failure(
        fetchLicense(
          exchange(licenseUrl(id, `status:${status}`)),
          { ...fast, retries: 3 },
          new AbortController().signal,
        ),
      );
      expect((error as DrmError).code).to.equal(DrmErrorCode.LICENSE_HTTP_ERROR);
      expect((error as DrmError).data).to.include({ status, attempts: 1 });
      expect((await licenseStats(id)).requests).to.equal(1);
    });
  }

  it('times out each attempt after timeoutMs, retries, then fails with LICENSE_TIMEOUT', async () => {
    const id = uniqueId();
    const error = await failure(
      fetchLicense(
        exchange(licenseUrl(id, 'hang')),
        { ...fast, retries: 1, timeoutMs: 200 },
        new AbortController().signal,
      ),
    );
    expect((error as DrmError).code).to.equal(DrmErrorCode.LICENSE_TIMEOUT);
    expect((error as DrmError).data).to.include({ timeoutMs: 200, attempts: 2 });
    // Both attempts reached the server, and both were abandoned by the client.
    expect(await licenseStats(id, { settled: 2 })).to.include({ requests: 2, aborted: 2, licenses: 0 });
  });

  it('fails with LICENSE_NETWORK_ERROR when the server cannot be reached', async () => {
    // Port 9 (discard) on this machine refuses connections: a real network failure, no server involved.
    const error = await failure(
      fetchLicense(exchange('http://127.0.0.1:9/license'), { ...fast, retries: 1 }, new AbortController().signal),
    );
    expect((error as DrmError).code).to.equal(DrmErrorCode.LICENSE_NETWORK_ERROR);
    expect((error as DrmError).data).to.include({ attempts: 2 });
  });

  it('rejects with the abort reason, not a DrmError, when the caller aborts, and the server sees the abort', async () => {
    const id = uniqueId();
    const abort = new AbortController();
    const pending = fetchLicense(exchange(licenseUrl(id, 'hang')), fast, abort.signal);
    await licenseStats(id, { requests: 1 });
    abort.abort(new DOMException('teardown', 'AbortError'));
    const error = await failure(pending);
    expect(error).not.to.be.instanceOf(DrmError);
    expect((error as DOMException).name).to.equal('AbortError');
    expect(await licenseStats(id, { settled: 1 })).to.include({ aborted: 1, requests: 1 });
  });

  it('lets an async requestFilter rewrite url and headers on every attempt', async () => {
    const id = uniqueId();
    const seen: number[] = [];
    const result = await fetchLicense(
      exchange(licenseUrl('unused', 'status:500')),
      {
        ...fast,
        retries: 1,
        requestFilter: async (request) => {
          await Promise.resolve();
          seen.push(request.attempt);
          request.url = licenseUrl(id, 'auth:tok', 'fail-times:1');
          request.headers['Authorization'] = 'Bearer tok';
        },
      },
      new AbortController().signal,
    );
    expect(seen).to.deep.equal([1, 2]);
    expect(result.status).to.equal(200);
    expect(await licenseStats(id)).to.include({ requests: 2, licenses: 1 });
  });

  it('sends headers from options and the key system (the latter win)', async () => {
    const id = uniqueId();
    const result = await fetchLicense(
      exchange(licenseUrl(id, 'auth:right'), { headers: { Authorization: 'Bearer right' } }),
      { ...fast, headers: { Authorization: 'Bearer wrong' } },
      new AbortController().signal,
    );
    expect(result.status).to.equal(200);
  });

  it('lets an async responseFilter replace the data (unwrapping a wrapped license)', async () => {
    const result = await fetchLicense(
      exchange(licenseUrl(uniqueId())),
      {
        ...fast,
        responseFilter: async (response) => {
          await Promise.resolve();
          const wrapped = { license: new TextDecoder().decode(response.data) };
          response.data = new TextEncoder().encode(wrapped.license.replace('"temporary"', '"persistent-license"'));
        },
      },
      new AbortController().signal,
    );
    expect(new TextDecoder().decode(result.data)).to.contain('persistent-license');
  });

  it('reports a throwing filter as FILTER_FAILED and does not retry it', async () => {
    const id = uniqueId();
    const error = await failure(
      fetchLicense(
        exchange(licenseUrl(id)),
        {
          ...fast,
          retries: 3,
          responseFilter: () => {
            throw new Error('cannot unwrap');
          },
        },
        new AbortController().signal,
      ),
    );
    expect((error as DrmError).code).to.equal(DrmErrorCode.FILTER_FAILED);
    expect((error as DrmError).data).to.include({ filter: 'responseFilter' });
    expect((error as DrmError).message).to.contain('cannot unwrap');
    expect((await licenseStats(id)).requests).to.equal(1);
  });

  it('never puts the license body into an error', async () => {
    const error = await failure(
      fetchLicense(
        exchange(licenseUrl(uniqueId())),
        {
          ...fast,
          responseFilter: () => {
            throw new Error('x');
          },
        },
        new AbortController().signal,
      ),
    );
    expect(JSON.stringify((error as DrmError).data) + (error as DrmError).message).not.to.contain('"k"');
  });
});

describe('backoffDelay', () => {
  it('grows exponentially from baseMs and stops at maxMs', () => {
    const mid = () => 0.5; // no jitter
    expect([1, 2, 3, 4, 5].map((n) => backoffDelay(n, { baseMs: 100, factor: 2, maxMs: 500 }, mid))).to.deep.equal([
      100, 200, 400, 500, 500,
    ]);
  });

  it('spreads each delay by +-jitter', () => {
    const options = { baseMs: 1000, factor: 2, maxMs: 10_000, jitter: 0.25 };
    expect(backoffDelay(1, options, () => 0)).to.equal(750);
    expect(backoffDelay(1, options, () => 1)).to.equal(1250);
  });
});
