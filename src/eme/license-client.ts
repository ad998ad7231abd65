/**
 * License HTTP client: POSTs a CDM message to a license server and returns the answer for MediaKeySession.update().
 * Timeouts per attempt (AbortSignal), retries with exponential backoff and jitter on network errors, timeouts, 5xx and
 * 429 (never on other 4xx: those will not get better), Retry-After honoured, async request and response filters.
 * Every message type goes through here: license-request, license-renewal, license-release, individualization-request.
 */
import { describeReason, DrmError, DrmErrorCode } from './errors.js';
import type { BackoffOptions, LicenseOptions, LicenseRequestInfo, LicenseResponseInfo } from './key-system-config.js';

export interface LicenseExchange {
  url: string;
  keySystem: string;
  messageType: MediaKeyMessageType;
  sessionId: string;
  body: Uint8Array;
  /** Per key system headers (over `options.headers`). */
  headers?: Record<string, string>;
}

export interface LicenseClientHooks {
  /** Called as each attempt goes out, after the request filter. */
  onAttempt?: (request: Readonly<LicenseRequestInfo>) => void;
}

/** The result, with how many attempts it took. */
export interface LicenseResult extends LicenseResponseInfo {
  attempts: number;
}

const DEFAULTS = { timeoutMs: 15_000, retries: 2, credentials: 'same-origin' as RequestCredentials };
const BACKOFF: Required<BackoffOptions> = { baseMs: 250, factor: 2, maxMs: 5_000, jitter: 0.3 };

/** Delay before retry number `retry` (1-based): base * factor^(retry-1), capped, spread by +-jitter. */
export function backoffDelay(retry: number, options: BackoffOptions = {}, random: () => number = Math.random): number {
  const b = { ...BACKOFF, ...options };
  const raw = Math.min(b.maxMs, b.baseMs * b.factor ** (retry - 1));
  const spread = raw * b.jitter * (random() * 2 - 1);
  return Math.max(0, Math.round(raw + spread));
}

/** Retry-After (RFC 9110 10.2.3): seconds or an HTTP date; undefined when absent or unreadable. */
function retryAfterMs(headers: Headers): number | undefined {
  const value = headers.get('Retry-After');
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function abortError(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('The license exchange was aborted', 'AbortError');
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(abortError(signal));
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal));
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

async function runFilter(
  name: 'requestFilter' | 'responseFilter',
  call: () => void | Promise<void>,
  signal: AbortSignal,
) {
  try {
    await call();
  } catch (error) {
    if (signal.aborted) throw abortError(signal);
    throw new DrmError(DrmErrorCode.FILTER_FAILED, `license.${name} threw: ${describeReason(error)}`, {
      filter: name,
      reason: describeReason(error),
    });
  }
  if (signal.aborted) throw abortError(signal);
}

/**
 * Runs one license exchange. Rejects with a {@link DrmError} (LICENSE_HTTP_ERROR, LICENSE_NETWORK_ERROR,
 * LICENSE_TIMEOUT, FILTER_FAILED), or with the signal's reason when `signal` aborts (the caller drops it).
 */
export async function fetchLicense(
  exchange: LicenseExchange,
  options: LicenseOptions = {},
  signal: AbortSignal,
  hooks: LicenseClientHooks = {},
): Promise<LicenseResult> {
  const timeoutMs = options.timeoutMs ?? DEFAULTS.timeoutMs;
  const retries = Math.max(0, options.retries ?? DEFAULTS.retries);
  for (let attempt = 1; ; attempt++) {
    if (signal.aborted) throw abortError(signal);
    const request: LicenseRequestInfo = {
      url: exchange.url,
      method: 'POST',
      headers: { ...options.headers, ...exchange.headers },
      body: exchange.body,
      messageType: exchange.messageType,
      keySystem: exchange.keySystem,
      sessionId: exchange.sessionId,
      attempt,
    };
    const { requestFilter, responseFilter } = options;
    if (requestFilter) await runFilter('requestFilter', () => requestFilter(request), signal);
    hooks.onAttempt?.(request);

    // One controller per attempt: aborted by the caller's signal (teardown) or by the timeout, told apart below.
    const attemptAbort = new AbortController();
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      attemptAbort.abort(new DOMException(`No answer within ${timeoutMs} ms`, 'TimeoutError'));
    }, timeoutMs);
    const onAbort = () => attemptAbort.abort(abortError(signal));
    signal.addEventListener('abort', onAbort, { once: true });

    let failure: DrmError;
    let retryAfter: number | undefined;
    try {
      const response = await fetch(request.url, {
        method: request.method,
        headers: request.headers,
        body: request.body as Uint8Array<ArrayBuffer>,
        credentials: options.credentials ?? DEFAULTS.credentials,
        cache: 'no-store',
        signal: attemptAbort.signal,
      });
      if (response.ok) {
        const data = new Uint8Array(await response.arrayBuffer());
        const result: LicenseResult = {
          url: response.url || request.url,
          status: response.status,
          headers: response.headers,
          data,
          request,
          attempts: attempt,
        };
        if (responseFilter) await runFilter('responseFilter', () => responseFilter(result), signal);
        return result;
      }
      // The body of an error answer is not read: it is of no use to the CDM, and never logged.
      void response.body?.cancel().catch(() => {});
      failure = new DrmError(DrmErrorCode.LICENSE_HTTP_ERROR, `License server answered HTTP ${response.status}`, {
        url: request.url,
        status: response.status,
        messageType: request.messageType,
        attempts: attempt,
      });
      if (response.status < 500 && response.status !== 429) throw failure;
      retryAfter = retryAfterMs(response.headers);
    } catch (error) {
      if (signal.aborted) throw abortError(signal);
      if (error instanceof DrmError) throw error;
      failure = timedOut
        ? new DrmError(DrmErrorCode.LICENSE_TIMEOUT, `License server did not answer within ${timeoutMs} ms`, {
            url: request.url,
            messageType: request.messageType,
            attempts: attempt,
            timeoutMs,
          })
        : new DrmError(DrmErrorCode.LICENSE_NETWORK_ERROR, `License request failed: ${describeReason(error)}`, {
            url: request.url,
            messageType: request.messageType,
            attempts: attempt,
            reason: describeReason(error),
          });
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    }
    if (attempt > retries) throw failure;
    const delay = backoffDelay(attempt, options.backoff);
    const cap = options.backoff?.maxMs ?? BACKOFF.maxMs;
    await sleep(retryAfter === undefined ? delay : Math.min(cap, Math.max(delay, retryAfter)), signal);
  }
}
