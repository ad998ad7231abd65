/**
 * Browser-side helpers for the demo license server that the test runner mounts at /license
 * (demo/server/license-server.ts): license URLs with fault switches, per-id counters, and init data built from the
 * public test keys.
 */

/** The KIDs of test/fixtures/keys.json by name (hex). */
export const KID = {
  video: 'a0a1a2a3a4a5a6a7a8a9aaabacadaeaf',
  audio: 'b0b1b2b3b4b5b6b7b8b9babbbcbdbebf',
  rotation1: 'c0c1c2c3c4c5c6c7c8c9cacbcccdcecf',
  rotation2: 'd0d1d2d3d4d5d6d7d8d9dadbdcdddedf',
  /** The second video variant of test/fixtures/multi-variant. */
  video2: 'f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff',
  /** A KID the server has no key for. */
  unknown: 'e0e1e2e3e4e5e6e7e8e9eaebecedeeef',
} as const;

export interface ServerStats {
  id: string;
  requests: number;
  licenses: number;
  releases: number;
  errors: number;
  aborted: number;
  settled: number;
  kinds: string[];
}

let counter = 0;

/** An id no other test uses, so counters and fail-times never mix between tests or browsers. */
export function uniqueId(prefix = 't'): string {
  counter += 1;
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}-${counter}`;
}

/** The license URL (absolute, this origin) for `id` with the given fault switches. */
export function licenseUrl(id: string, ...faults: string[]): string {
  const url = new URL('/license', location.origin);
  url.searchParams.set('id', id);
  for (const f of faults) url.searchParams.append('fault', f);
  return url.href;
}

/**
 * The server's counters for `id`. With `until`, the server answers once that many requests have arrived
 * (`requests`) or settled (`settled`): how a test waits for the server side of an exchange without sleeping.
 */
export async function licenseStats(
  id: string,
  until: { requests?: number; settled?: number } = {},
): Promise<ServerStats> {
  const url = new URL('/license/stats', location.origin);
  url.searchParams.set('id', id);
  if (until.requests) url.searchParams.set('requests', String(until.requests));
  if (until.settled) url.searchParams.set('settled', String(until.settled));
  const response = await fetch(url, { cache: 'no-store' });
  if (!response.ok) throw new Error(`stats: HTTP ${response.status}`);
  return (await response.json()) as ServerStats;
}

/** POSTs a body to the license server as a client would. */
export function postLicense(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body), headers });
}

export function hexToBytes(hex: string): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function bytesToHex(bytes: Uint8Array): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export function hexToBase64url(hex: string): string {
  let binary = '';
  for (const b of hexToBytes(hex)) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function base64urlToHex(text: string): string {
  const b64 = text.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
  return [...binary].map((c) => c.charCodeAt(0).toString(16).padStart(2, '0')).join('');
}

/** 'keyids' init data (W3C Keyids Initialization Data Format) naming the given KIDs. */
export function keyIdsInitData(...kidsHex: string[]): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(JSON.stringify({ kids: kidsHex.map(hexToBase64url) }));
}

/** A version 1 Clear Key pssh box (ISO/IEC 23001-7 8.1, system ID 1077efec-...) listing the KIDs: 'cenc' init data. */
export function clearKeyPssh(...kidsHex: string[]): Uint8Array<ArrayBuffer> {
  const size = 32 + 16 * kidsHex.length + 4;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, size);
  out.set([0x70, 0x73, 0x73, 0x68], 4); // 'pssh'
  view.setUint32(8, 0x01000000); // version 1, flags 0
  out.set(hexToBytes('1077efecc0b24d02ace33c1e52e2fb4b'), 12);
  view.setUint32(28, kidsHex.length);
  kidsHex.forEach((kid, i) => out.set(hexToBytes(kid), 32 + 16 * i));
  view.setUint32(32 + 16 * kidsHex.length, 0); // DataSize
  return out;
}

/** The test keys (KID hex -> key hex) from the fixture file. */
export async function testKeys(): Promise<Record<string, string>> {
  const json = (await (await fetch('/test/fixtures/keys.json')).json()) as { keys: Record<string, string> };
  return json.keys;
}
