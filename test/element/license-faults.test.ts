/**
 * License server faults at the element level (issue #9 item 1), with the real license server's fault switches: every
 * failure ends in a typed `drmError`, `drm-state="error"` and its overlay, after the configured retries (each attempt
 * is a `license-request` event, and the server counts them); a server that fails fewer times than the retries allow
 * recovers by itself; after a final failure, the overlay's retry button recovers once the server does. No unhandled
 * promise rejection in any test. DASH, so WebKit runs every case (with the bundled CDM).
 */
import { expect } from '@open-wc/testing';
import '../../src/define.js';
import { DrmErrorCode } from '../../src/index.js';
import type { DrmConfig, LicenseRequestDetail, SecureVideo } from '../../src/index.js';
import { playedPast, until } from '../helpers/events.js';
import { expectNoLeaks, leakCheckedTests } from '../helpers/leak-check.js';
import { licenseStats, licenseUrl, uniqueId } from '../helpers/license-server.js';

const CENC = '/test/fixtures/cenc/manifest.mpd';
const MODES = [
  { name: 'native where the browser has it', fallback: 'auto' },
  { name: 'bundled', fallback: 'always' },
] as const;
/** Retries and timeouts of these tests: small, so that failures come fast. */
const RETRIES = 2;
const TIMEOUT_MS = 400;
/** Nothing listens on port 9 (discard) here: connections are refused. */
const UNREACHABLE = 'http://127.0.0.1:9/license';

const tests = leakCheckedTests();
const { created } = tests;

function config(url: string, fallback: 'auto' | 'always', headers?: Record<string, string>): DrmConfig {
  return {
    keySystems: { 'org.w3.clearkey': { licenseUrl: url, ...(headers ? { headers } : {}) } },
    fallback,
    license: { retries: RETRIES, timeoutMs: TIMEOUT_MS, backoff: { baseMs: 20, jitter: 0 } },
  };
}

/** An element playing CENC with `drm`, and the attempt number of every license request it sends. */
function start(drm: DrmConfig): { el: SecureVideo; attempts: number[] } {
  const el = document.createElement('secure-video');
  el.muted = true;
  el.drm = drm;
  el.src = CENC;
  created.push(el);
  const attempts: number[] = [];
  el.addEventListener('license-request', (e) => attempts.push((e as CustomEvent<LicenseRequestDetail>).detail.attempt));
  document.body.append(el);
  return { el, attempts };
}

function drmFailed(el: SecureVideo): Promise<unknown> {
  return el.drmError ? Promise.resolve() : until(el, 'drmerror');
}

/** The overlay shown, checked the way a viewer and a screen reader meet it. */
async function expectOverlay(el: SecureVideo, name: string, retry: boolean): Promise<void> {
  await el.updateComplete;
  expect(el.overlay).to.equal(name);
  expect(el.getAttribute('overlay')).to.equal(name);
  expect(el.getAttribute('drm-state')).to.equal('error');
  const overlay = el.shadowRoot!.querySelector<HTMLElement>(`[part~="overlay"][part~="${name}"]`)!;
  expect(overlay.hidden).to.equal(false);
  expect(overlay.getAttribute('role')).to.equal('alert');
  expect(overlay.textContent!.trim()).to.not.equal('');
  expect(!!overlay.querySelector('[part="retry-button"]'), 'retry button').to.equal(retry);
}

interface Failure {
  name: string;
  url: (id: string) => string;
  headers?: Record<string, string>;
  code: DrmErrorCode;
  status?: number;
  overlay: string;
  retry: boolean;
  /** Attempts per license: 1 when the failure is not worth a retry (4xx), else 1 + retries. */
  attempts: number;
  /** Whether the server sees the requests (not when it cannot be reached). */
  reachesServer: boolean;
}

const FAILURES: Failure[] = [
  {
    name: '401 (no bearer token)',
    url: (id) => licenseUrl(id, 'auth:letmein'),
    code: DrmErrorCode.LICENSE_HTTP_ERROR,
    status: 401,
    overlay: 'unauthorized',
    retry: false,
    attempts: 1,
    reachesServer: true,
  },
  {
    name: '403 (a token the server refuses)',
    url: (id) => licenseUrl(id, 'auth:letmein'),
    headers: { Authorization: 'Bearer wrong' },
    code: DrmErrorCode.LICENSE_HTTP_ERROR,
    status: 403,
    overlay: 'unauthorized',
    retry: false,
    attempts: 1,
    reachesServer: true,
  },
  {
    name: '500',
    url: (id) => licenseUrl(id, 'status:500'),
    code: DrmErrorCode.LICENSE_HTTP_ERROR,
    status: 500,
    overlay: 'unreachable',
    retry: true,
    attempts: 1 + RETRIES,
    reachesServer: true,
  },
  {
    name: 'timeout (the server hangs)',
    url: (id) => licenseUrl(id, 'hang'),
    code: DrmErrorCode.LICENSE_TIMEOUT,
    overlay: 'unreachable',
    retry: true,
    attempts: 1 + RETRIES,
    reachesServer: true,
  },
  {
    name: 'unreachable (connection refused)',
    url: () => UNREACHABLE,
    code: DrmErrorCode.LICENSE_NETWORK_ERROR,
    overlay: 'unreachable',
    retry: true,
    attempts: 1 + RETRIES,
    reachesServer: false,
  },
  {
    name: 'malformed license',
    url: (id) => licenseUrl(id, 'malformed'),
    code: DrmErrorCode.LICENSE_REJECTED,
    overlay: 'error',
    retry: false,
    attempts: 1,
    reachesServer: true,
  },
];

for (const mode of MODES) {
  describe(`<secure-video> license server faults (${mode.name})`, () => {
    for (const f of FAILURES) {
      it(`${f.name}: a typed error and its overlay after ${f.attempts} attempt(s)`, async () => {
        const id = uniqueId('fault');
        const { el, attempts } = start(config(f.url(id), mode.fallback, f.headers));
        await drmFailed(el);
        const error = el.drmError!;
        expect(error.code, error.message).to.equal(f.code);
        // The license client's errors say how many attempts they took; the CDM's refusal comes after one answer.
        if (f.code !== DrmErrorCode.LICENSE_REJECTED) expect(error.data['attempts']).to.equal(f.attempts);
        if (f.status) expect(error.data['status']).to.equal(f.status);
        if (f.code === DrmErrorCode.LICENSE_TIMEOUT) expect(error.data['timeoutMs']).to.equal(TIMEOUT_MS);
        // The license that failed went out once per attempt, numbered 1..n.
        for (let n = 1; n <= f.attempts; n++) expect(attempts).to.include(n);
        expect(Math.max(...attempts)).to.equal(f.attempts);
        await expectOverlay(el, f.overlay, f.retry);
        if (f.reachesServer) {
          const stats = await licenseStats(id, { requests: f.attempts });
          expect(stats.requests).to.be.at.least(f.attempts);
          expect(stats.licenses).to.equal(0);
        }
        el.remove();
        await expectNoLeaks([el], { bundled: tests.spy, licenseIds: f.reachesServer ? [id] : [] });
      });
    }

    it('a server failing fewer times than the retries allow recovers by itself', async () => {
      const id = uniqueId('flaky');
      const { el, attempts } = start(config(licenseUrl(id, `fail-times:${RETRIES}`), mode.fallback));
      await until(el, 'statuschange', () => el.status === 'loaded');
      await el.play();
      await playedPast(el, 1);
      expect(el.drmError).to.equal(null);
      expect(el.drmState).to.equal('usable');
      expect(el.overlay).to.equal('none');
      expect(Math.max(...attempts), 'a retry was needed').to.be.greaterThan(1);
      const stats = await licenseStats(id);
      expect(stats.errors).to.equal(RETRIES);
      expect(stats.licenses).to.be.greaterThan(0);
      el.remove();
      await expectNoLeaks([el], { bundled: tests.spy, licenseIds: [id] });
    });

    it('after a final failure, the retry button recovers once the server does', async () => {
      const down = uniqueId('outage');
      const up = uniqueId('recovered');
      // The server is down (503) until the test says it is back; a request filter (public config) then sends each
      // request to a healthy id: the same page, the same config, a server that recovered.
      let recovered = false;
      const drm = config(licenseUrl(down, 'status:503'), mode.fallback);
      drm.license!.requestFilter = (request) => {
        if (recovered) request.url = licenseUrl(up);
      };
      const { el } = start(drm);
      await drmFailed(el);
      expect(el.drmError!.data['status']).to.equal(503);
      await expectOverlay(el, 'unreachable', true);
      recovered = true;
      const button = el.shadowRoot!.querySelector<HTMLButtonElement>('[part~="unreachable"] [part="retry-button"]')!;
      button.click();
      await until(el, 'statuschange', () => el.status === 'loaded');
      await el.play();
      await playedPast(el, 1);
      await el.updateComplete;
      expect(el.drmError).to.equal(null);
      expect(el.drmState).to.equal('usable');
      expect(el.overlay).to.equal('none');
      el.remove();
      expect((await licenseStats(up)).licenses).to.be.greaterThan(0);
      await expectNoLeaks([el], { bundled: tests.spy, licenseIds: [down, up] });
    });
  });
}
