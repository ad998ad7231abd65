/**
 * Shared pieces of the CDM conformance tests: the implementations under test (native Clear Key where the browser has
 * it, the bundled CDM everywhere), the test keys, Clear Key message builders and an event/settlement recorder. The
 * cases themselves are in test/cdm/cases.
 */
import { expect } from '@open-wc/testing';
import { requestClearKeyAccess } from '../../src/cdm/index.js';
import { fullBox } from '../../src/mp4/writer.js';

export type Browser = 'chromium' | 'firefox' | 'webkit';

export const browser: Browser = navigator.userAgent.includes('Firefox')
  ? 'firefox'
  : navigator.userAgent.includes('Chrome')
    ? 'chromium'
    : 'webkit';

export type AccessFn = (
  keySystem: string,
  configurations: MediaKeySystemConfiguration[],
) => Promise<MediaKeySystemAccess>;

export interface Implementation {
  name: 'native' | 'bundled';
  access: AccessFn;
}

/**
 * The same cases (test/cdm/cases, one describe function per interface) run against each. Native Clear Key exists in
 * Chromium and Firefox; WebKitGTK has no EME at all, so there the list holds the bundled CDM only (access.test.ts
 * asserts that absence explicitly). test/polyfill/conformance.test.ts calls the cases with its own implementation.
 */
export const implementations: readonly Implementation[] = [
  ...(typeof navigator.requestMediaKeySystemAccess === 'function'
    ? [
        {
          name: 'native' as const,
          access: (ks: string, cfg: MediaKeySystemConfiguration[]) => navigator.requestMediaKeySystemAccess(ks, cfg),
        },
      ]
    : []),
  { name: 'bundled', access: requestClearKeyAccess },
];

/**
 * What `impl` must do: the spec's outcome, or, for a native CDM, its documented deviation in this browser. Every
 * deviation passed here is a place where native Clear Key differs from the EME spec and the bundled CDM follows the
 * spec; the caller's comment says which spec step.
 */
export function expected<T>(impl: Implementation, spec: T, nativeDeviations: Partial<Record<Browser, T>> = {}): T {
  if (impl.name === 'native' && browser in nativeDeviations) return nativeDeviations[browser] as T;
  return spec;
}

export const KEY_SYSTEM = 'org.w3.clearkey';
export const VIDEO_TYPE = 'video/mp4; codecs="avc1.64000d"';
export const AUDIO_TYPE = 'audio/mp4; codecs="mp4a.40.2"';

export const BASIC_CONFIG: MediaKeySystemConfiguration = {
  initDataTypes: ['cenc', 'keyids', 'webm'],
  videoCapabilities: [{ contentType: VIDEO_TYPE }],
  audioCapabilities: [{ contentType: AUDIO_TYPE }],
};

export interface TestKeys {
  keys: Record<string, string>;
  names: Record<'video' | 'audio' | 'rotation-1' | 'rotation-2' | 'unknown', string>;
}

let keysPromise: Promise<TestKeys> | undefined;
export function testKeys(): Promise<TestKeys> {
  keysPromise ??= fetch('/test/fixtures/keys.json').then((r) => r.json() as Promise<TestKeys>);
  return keysPromise;
}

export type Bytes = Uint8Array<ArrayBuffer>;

export function hex(h: string): Bytes {
  return new Uint8Array(h.match(/../g)!.map((b) => parseInt(b, 16)));
}

export function toHexString(bytes: ArrayBuffer | Uint8Array): string {
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export function b64url(bytes: Uint8Array | string): string {
  const b = typeof bytes === 'string' ? hex(bytes) : bytes;
  return btoa(String.fromCharCode(...b))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

export function json(value: unknown): Bytes {
  return new TextEncoder().encode(JSON.stringify(value));
}

export function decodeJson(buffer: ArrayBuffer): any {
  return JSON.parse(new TextDecoder().decode(buffer));
}

/** 'keyids' init data (EME keyids format) for KIDs given in hex. */
export function keyIdsInitData(...kidsHex: string[]): Bytes {
  return json({ kids: kidsHex.map(b64url) });
}

export const CLEAR_KEY_SYSTEM_ID_HEX = '1077efecc0b24d02ace33c1e52e2fb4b';

/** A pssh box (ISO/IEC 23001-7 8.1): version 1 lists KIDs, version 0 does not. */
export function pssh(systemIdHex: string, kidsHex: string[], version: 0 | 1 = 1, data = new Uint8Array(0)): Bytes {
  const parts: Uint8Array[] = [hex(systemIdHex)];
  if (version === 1) {
    parts.push(u32(kidsHex.length), ...kidsHex.map(hex));
  }
  parts.push(u32(data.length), data);
  return new Uint8Array(fullBox('pssh', version, 0, ...parts));
}

function u32(n: number): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, n);
  return b;
}

/** A Clear Key license (EME 9.1.4 JWK Set) for the given KIDs, keys from keys.json. */
export function license(keys: TestKeys, kidsHex: string[], type?: MediaKeySessionType): Bytes {
  return json({
    keys: kidsHex.map((kid) => ({ kty: 'oct', kid: b64url(kid), k: b64url(keys.keys[kid]!) })),
    ...(type ? { type } : {}),
  });
}

/**
 * Shared memory in the two forms a BufferSource argument could be given it: a SharedArrayBuffer and a view onto one.
 * A shared WebAssembly.Memory gives one without cross-origin isolation (the SharedArrayBuffer constructor is hidden
 * then). No EME BufferSource argument is [AllowShared], so every one of them must throw TypeError for these.
 */
export function sharedBuffers(): [string, BufferSource][] {
  const shared = new WebAssembly.Memory({ shared: true, initial: 1, maximum: 1 }).buffer;
  const view = new Uint8Array(shared);
  view.set([0x7b, 0x7d]);
  return [
    ['SharedArrayBuffer', shared as unknown as BufferSource],
    ['Uint8Array(SharedArrayBuffer)', view as unknown as BufferSource],
  ];
}

/** Resolves with the next `type` event at `target`. */
export function next<E extends Event = Event>(target: EventTarget, type: string): Promise<E> {
  return new Promise((resolve) => target.addEventListener(type, (e) => resolve(e as E), { once: true }));
}

/** The outcome of a promise as a comparable string: 'resolved:<json>' or 'rejected:<error name>'. */
export async function settle(p: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    const value = await (typeof p === 'function' ? p() : p);
    return `resolved:${JSON.stringify(value)}`;
  } catch (e) {
    return `rejected:${(e as Error).name}`;
  }
}

/** The statuses in a MediaKeyStatusMap, in iteration order, as 'kidhex=status'. */
export function statuses(map: MediaKeyStatusMap): string[] {
  const out: string[] = [];
  map.forEach((status, kid) => out.push(`${toHexString(kid as ArrayBuffer)}=${status}`));
  return out;
}

/**
 * Records, in order, a session's events and the settlement of the promises given to `track`, so tests can compare
 * the interleaving the spec's queued tasks prescribe.
 */
export class Recorder {
  readonly log: string[] = [];
  constructor(readonly session: MediaKeySession) {
    session.addEventListener('message', (e) => this.log.push(`message:${(e as MediaKeyMessageEvent).messageType}`));
    session.addEventListener('keystatuseschange', () => this.log.push(`keystatuseschange:${session.keyStatuses.size}`));
    void session.closed.then((reason) => this.log.push(`closed:${reason}`));
  }
  track<T>(label: string, p: Promise<T>): Promise<T> {
    return p.then(
      (v) => {
        this.log.push(`${label}:resolved`);
        return v;
      },
      (e: Error) => {
        this.log.push(`${label}:rejected:${e.name}`);
        throw e;
      },
    );
  }
}

/**
 * Asserts a Recorder log. Native Firefox runs its CDM in another process and its event/promise interleaving varies
 * from run to run (e.g. 'keystatuseschange' sometimes before update() resolves), so for it only the entries are
 * compared, not their order; the spec's order is pinned for every other implementation, the bundled CDM included.
 */
export function expectLog(impl: Implementation, log: string[], spec: string[]): void {
  if (impl.name === 'native' && browser === 'firefox') expect([...log].sort()).to.deep.equal([...spec].sort());
  else expect(log).to.deep.equal(spec);
}

/** A MediaKeys from `impl` for `config` (BASIC_CONFIG by default). */
export async function mediaKeysFor(
  impl: Implementation,
  config: MediaKeySystemConfiguration = BASIC_CONFIG,
): Promise<MediaKeys> {
  const access = await impl.access(KEY_SYSTEM, [config]);
  return access.createMediaKeys();
}
