/// <reference types="node" />
/**
 * The demo's Clear Key license server: a Node middleware with no framework, mounted by the Vite dev and preview
 * servers (connect) and by the test runner (koa, through tools/test-runner/license-middleware.mjs).
 *
 * Routes, under `basePath` (default `/license`):
 * - `POST {base}` (and any sub-path, e.g. `{base}/video`): a Clear Key license request (EME 9.1.3) answered with a
 *   JWK Set (EME 9.1.4) holding the keys of the requested KIDs that the key file knows; or a license release message
 *   answered with its acknowledgement (see ./clear-key.ts). Query: `id` groups requests for /stats, `fault` selects
 *   fault switches (see ./faults.ts).
 * - `GET {base}/stats?id=ID`: the counters of one id as JSON ({@link RequestStats}). With `&settled=N` (or
 *   `&requests=N`) the answer waits until that many requests of the id have settled (or arrived), so a test waits for
 *   the server's side of an exchange without sleeping. The wait ends after 30 s with the counters as they are.
 * - `OPTIONS {base}...`: CORS preflight, so a page on another origin can use the server with custom headers.
 *
 * Logs never print keys: a line names the id, the fault switches, the KIDs (public) and the outcome.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { BadMessageError, base64urlToHex, hexToBase64url, parseClientMessage, wrongKeyHex } from './clear-key.js';
import type { ClearKeyLicense, ClientMessage } from './clear-key.js';
import { describeFaults, FaultSyntaxError, MAX_WAIT_MS, parseFaults, RESTRICTED_HDCP_VERSION } from './faults.js';
import type { Faults } from './faults.js';

export type { ClearKeyLicense } from './clear-key.js';
export type { Faults } from './faults.js';

/** connect / Node http style middleware: Vite's `server.middlewares.use(...)` takes it as it is. */
export type NodeMiddleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

export interface LicenseServerOptions {
  /** URL path the server answers under; other paths go to `next()`. Default `'/license'`. */
  basePath?: string;
  /** KID hex -> key hex. Default: the `keys` of `keysFile`. */
  keys?: Record<string, string>;
  /** JSON file with a `keys` map (KID hex -> key hex). Default: test/fixtures/keys.json of this repository. */
  keysFile?: string;
  /** When set, every request must carry `Authorization: Bearer <token>` (401 without, 403 with another). Default none. */
  token?: string;
  /** Where log lines go; `null` silences the server. Default `console.log`. */
  log?: ((line: string) => void) | null;
}

/** Counters of one request `id`, as GET {base}/stats answers them. */
export interface RequestStats {
  id: string;
  /** Requests received (license requests, releases, and those answered with an error). */
  requests: number;
  /** Licenses answered (200 with a JWK Set, including wrong-key and expiring ones). */
  licenses: number;
  /** License releases acknowledged. */
  releases: number;
  /** Requests answered with an HTTP error status. */
  errors: number;
  /** Requests whose client went away before the answer (aborted, timed out). */
  aborted: number;
  /** Requests finished one way or another: answered or aborted. */
  settled: number;
  /** Message type of each request in arrival order: 'license-request', 'license-release' or 'invalid'. */
  kinds: string[];
}

const DEFAULT_KEYS_FILE = fileURLToPath(new URL('../../test/fixtures/keys.json', import.meta.url));
const MAX_BODY_BYTES = 64 * 1024;
const MAX_STATS_IDS = 10_000;
const STATS_WAIT_MS = 30_000;

function loadKeys(file: string): Record<string, string> {
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { keys?: Record<string, string> };
  if (!parsed.keys || typeof parsed.keys !== 'object') throw new Error(`${file} has no "keys" map`);
  return parsed.keys;
}

function readBody(req: IncomingMessage): Promise<Buffer | null> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      // Stop buffering past the limit rather than growing with whatever a client sends.
      if (size > MAX_BODY_BYTES) resolve(null);
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Creates the license server middleware. */
export function createLicenseServer(options: LicenseServerOptions = {}): NodeMiddleware {
  const base = (options.basePath ?? '/license').replace(/\/+$/, '');
  const keys = new Map(
    Object.entries(options.keys ?? loadKeys(options.keysFile ?? DEFAULT_KEYS_FILE)).map(([k, v]) => [
      k.toLowerCase(),
      v.toLowerCase(),
    ]),
  );
  const log = options.log === undefined ? (line: string) => console.log(line) : options.log;
  const stats = new Map<string, RequestStats>();
  const waiters = new Set<() => void>();

  function statsOf(id: string): RequestStats {
    let s = stats.get(id);
    if (!s) {
      if (stats.size >= MAX_STATS_IDS) stats.delete(stats.keys().next().value as string);
      s = { id, requests: 0, licenses: 0, releases: 0, errors: 0, aborted: 0, settled: 0, kinds: [] };
      stats.set(id, s);
    }
    return s;
  }

  function changed(): void {
    for (const wake of [...waiters]) wake();
  }

  function corsHeaders(req: IncomingMessage, res: ServerResponse): void {
    const origin = req.headers.origin;
    if (!origin) return;
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Access-Control-Allow-Credentials', 'true');
    res.setHeader('Vary', 'Origin');
  }

  function send(res: ServerResponse, status: number, body: string, type = 'application/json'): void {
    if (res.writableEnded || res.destroyed) return;
    res.statusCode = status;
    res.setHeader('Content-Type', type);
    res.setHeader('Cache-Control', 'no-store');
    res.end(body);
  }

  function answerStats(req: IncomingMessage, res: ServerResponse, params: URLSearchParams): void {
    const id = params.get('id') ?? '';
    const want = (name: 'settled' | 'requests'): number => Number(params.get(name) ?? 0) || 0;
    const ready = () => {
      const s = stats.get(id);
      return (s?.settled ?? 0) >= want('settled') && (s?.requests ?? 0) >= want('requests');
    };
    const reply = () => {
      waiters.delete(wake);
      clearTimeout(timer);
      send(res, 200, JSON.stringify(stats.get(id) ?? { ...statsOf(id) }));
    };
    const wake = () => {
      if (ready()) reply();
    };
    const timer = setTimeout(reply, STATS_WAIT_MS);
    res.on('close', () => {
      waiters.delete(wake);
      clearTimeout(timer);
    });
    waiters.add(wake);
    wake();
  }

  function license(message: Extract<ClientMessage, { kind: 'license-request' }>, faults: Faults): ClearKeyLicense {
    const kids = faults.dropKid ? message.kids.slice(1) : message.kids;
    const out: ClearKeyLicense = { keys: [], type: message.type };
    for (const kid of kids) {
      const key = keys.get(base64urlToHex(kid));
      if (!key) continue;
      const restricted = faults.restrictKids?.includes(base64urlToHex(kid));
      out.keys.push({
        kty: 'oct',
        kid,
        k: hexToBase64url(faults.wrongKey ? wrongKeyHex(key) : key),
        ...(restricted ? { minHdcpVersion: RESTRICTED_HDCP_VERSION } : {}),
      });
    }
    if (faults.expiryMs !== undefined) out.expiration = Date.now() + faults.expiryMs;
    return out;
  }

  async function handleLicense(req: IncomingMessage, res: ServerResponse, params: URLSearchParams, path: string) {
    const started = Date.now();
    const id = params.get('id') ?? '';
    const s = id ? statsOf(id) : undefined;
    let outcome = '';
    let kind = 'invalid';
    let kidsHex = '';
    let settled = false;
    const settle = (how: 'answered' | 'aborted') => {
      if (settled) return;
      settled = true;
      if (s) {
        s.settled++;
        if (how === 'aborted') s.aborted++;
      }
      log?.(
        `license ${req.method} ${path} id=${id || '-'} fault=${describeFaults(params) || '-'} ${kind} ` +
          `kids=[${kidsHex}] -> ${how === 'aborted' ? 'client went away' : outcome} (${Date.now() - started} ms)`,
      );
      changed();
    };
    const fail = (status: number, error: string) => {
      if (s) s.errors++;
      outcome = `${status} ${error}`;
      send(res, status, JSON.stringify({ error }));
      settle('answered');
    };
    res.on('close', () => settle(res.writableFinished ? 'answered' : 'aborted'));
    if (s) s.requests++;
    changed();

    let faults: Faults;
    try {
      faults = parseFaults(params);
    } catch (e) {
      if (s) s.kinds.push(kind);
      if (e instanceof FaultSyntaxError) return fail(400, e.message);
      throw e;
    }

    const body = await readBody(req);
    let message: ClientMessage | undefined;
    let badMessage = '';
    if (body === null) badMessage = 'body too large';
    else {
      try {
        message = parseClientMessage(body);
        kind = message.kind;
        kidsHex = message.kids.map(base64urlToHex).join(',');
      } catch (e) {
        if (!(e instanceof BadMessageError)) throw e;
        badMessage = e.message;
      }
    }
    if (s) s.kinds.push(kind);

    // Waiting comes first so that a delay also applies to the error answers below.
    if (faults.hang || faults.delayMs) {
      const wait = faults.hang ? MAX_WAIT_MS : (faults.delayMs ?? 0);
      const gone = await new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => resolve(false), wait);
        res.on('close', () => {
          clearTimeout(timer);
          resolve(true);
        });
      });
      if (gone) return;
      if (faults.hang) return fail(504, 'hang: gave up waiting for the client to abort');
    }

    const token = faults.authToken ?? options.token;
    if (token !== undefined) {
      const auth = req.headers.authorization;
      if (!auth?.startsWith('Bearer ')) {
        res.setHeader('WWW-Authenticate', 'Bearer');
        return fail(401, 'missing bearer token');
      }
      if (auth.slice(7) !== token) return fail(403, 'token not accepted');
    }
    if (faults.failTimes !== undefined && s && s.kinds.length <= faults.failTimes) {
      return fail(500, `fail-times: failure ${s.kinds.length} of ${faults.failTimes}`);
    }
    if (faults.status !== undefined) return fail(faults.status, `fault status ${faults.status}`);

    if (!message) return fail(400, badMessage);
    if (faults.malformed) {
      outcome = '200 malformed';
      send(res, 200, '{"keys":[{"kty":"oct",', 'application/json');
      return settle('answered');
    }
    if (message.kind === 'license-release') {
      if (s) s.releases++;
      outcome = '200 release acknowledged';
      send(res, 200, JSON.stringify({ kids: message.kids }));
      return settle('answered');
    }
    const answer = license(message, faults);
    if (s) s.licenses++;
    outcome = `200 license with ${answer.keys.length} key(s)${faults.wrongKey ? ' (wrong keys)' : ''}`;
    send(res, 200, JSON.stringify(answer));
    settle('answered');
  }

  return (req, res, next) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const path = url.pathname;
    if (path !== base && !path.startsWith(`${base}/`)) return next();
    corsHeaders(req, res);
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'POST, GET, OPTIONS');
      const asked = req.headers['access-control-request-headers'];
      if (asked) res.setHeader('Access-Control-Allow-Headers', asked);
      res.setHeader('Access-Control-Max-Age', '600');
      res.statusCode = 204;
      res.end();
      return;
    }
    if (path === `${base}/stats`) {
      if (req.method !== 'GET') return send(res, 405, JSON.stringify({ error: 'use GET' }));
      return answerStats(req, res, url.searchParams);
    }
    if (req.method !== 'POST') return send(res, 405, JSON.stringify({ error: 'use POST' }));
    handleLicense(req, res, url.searchParams, path).catch((error: unknown) => {
      // The answer is ours to give: report the failure instead of passing a half-handled request on.
      log?.(`license ${req.method} ${path}: internal error: ${error instanceof Error ? error.name : 'unknown'}`);
      send(res, 500, JSON.stringify({ error: 'internal error' }));
    });
  };
}
