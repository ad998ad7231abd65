// EmeController against the real license server, with the platform's Clear Key where it exists (Chromium, Firefox)
// and the bundled CDM everywhere.
import { expect } from '@open-wc/testing';
import { html, LitElement } from 'lit';
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import { decryptSegment } from '../../src/cenc/decrypt-segment.js';
import { findBox, findBoxes } from '../../src/mp4/box.js';
import { parseInit } from '../../src/mp4/init.js';
import { defaultBundledCdm } from '../../src/eme/bundled-cdm.js';
import { EmeController } from '../../src/eme/eme-controller.js';
import type { EmeControllerOptions } from '../../src/eme/eme-controller.js';
import { DrmErrorCode } from '../../src/eme/errors.js';
import type { DrmError } from '../../src/eme/errors.js';
import type { DrmEventMap, KeyStatusesDetail } from '../../src/eme/events.js';
import { DrmState } from '../../src/eme/key-status.js';
import type { KeyStatus } from '../../src/eme/key-status.js';
import type { ClearKeyOptions, DrmConfig, Fallback, RequestAccess } from '../../src/eme/key-system-config.js';
import { until } from '../helpers/events.js';
import {
  bytesToHex,
  clearKeyPssh,
  hexToBytes,
  KID,
  keyIdsInitData,
  licenseStats,
  licenseUrl,
  testKeys,
  uniqueId,
} from '../helpers/license-server.js';

/** The smallest ReactiveControllerHost: records render requests, drives the connect/disconnect hooks. */
class HostStub implements ReactiveControllerHost {
  readonly controllers: ReactiveController[] = [];
  updates = 0;
  addController(controller: ReactiveController): void {
    this.controllers.push(controller);
  }
  removeController(controller: ReactiveController): void {
    this.controllers.splice(this.controllers.indexOf(controller), 1);
  }
  requestUpdate(): void {
    this.updates++;
  }
  get updateComplete(): Promise<boolean> {
    return Promise.resolve(true);
  }
  connect(): void {
    for (const c of this.controllers) c.hostConnected?.();
  }
  disconnect(): void {
    for (const c of this.controllers) c.hostDisconnected?.();
  }
}

type Recorded = { [K in keyof DrmEventMap]: { type: K; detail: DrmEventMap[K]['detail'] } }[keyof DrmEventMap];

/** Wraps a requestMediaKeySystemAccess so the test sees every session the controller creates. */
function spying(request: RequestAccess, sessions: MediaKeySession[], wrap?: (s: MediaKeySession) => MediaKeySession) {
  return async (keySystem: string, configs: MediaKeySystemConfiguration[]) => {
    const access = await request(keySystem, configs);
    const createMediaKeys = access.createMediaKeys.bind(access);
    return {
      keySystem: access.keySystem,
      getConfiguration: () => access.getConfiguration(),
      createMediaKeys: async () => {
        const mediaKeys = await createMediaKeys();
        const createSession = mediaKeys.createSession.bind(mediaKeys);
        mediaKeys.createSession = (type?: MediaKeySessionType) => {
          const session = wrap ? wrap(createSession(type)) : createSession(type);
          sessions.push(session);
          return session;
        };
        return mediaKeys;
      },
    } satisfies MediaKeySystemAccess;
  };
}

interface Variant {
  name: 'native' | 'bundled';
  fallback: Fallback;
}

const platformEme = typeof navigator.requestMediaKeySystemAccess === 'function';
const variants: Variant[] = [
  ...(platformEme ? [{ name: 'native', fallback: 'never' } as const] : []),
  { name: 'bundled', fallback: 'always' },
];
const fast = { backoff: { baseMs: 5, maxMs: 20 } };

/** The pssh boxes of an init segment, whole, as EME 'cenc' init data carries them. */
function psshOf(init: Uint8Array): Uint8Array {
  const boxes = findBoxes(init, ['moov', 'pssh']);
  const out = new Uint8Array(boxes.reduce((n, b) => n + b.size, 0));
  let at = 0;
  for (const b of boxes) {
    out.set(init.subarray(b.start, b.start + b.size), at);
    at += b.size;
  }
  return out;
}

/** A pssh box (ISO/IEC 23001-7 8.1) of any system: version 1 lists `kidsHex`. */
function pssh(systemIdHex: string, version: 0 | 1, kidsHex: string[], data: number[]): Uint8Array {
  const size = 32 + (version === 1 ? 4 + 16 * kidsHex.length : 0) + data.length;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, size);
  out.set([0x70, 0x73, 0x73, 0x68], 4); // 'pssh'
  view.setUint32(8, version << 24);
  out.set(hexToBytes(systemIdHex), 12);
  let at = 28;
  if (version === 1) {
    view.setUint32(at, kidsHex.length);
    at += 4;
    for (const kid of kidsHex) {
      out.set(hexToBytes(kid), at);
      at += 16;
    }
  }
  view.setUint32(at, data.length);
  out.set(data, at + 4);
  return out;
}

function concatBytes(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A real LitElement using the controller as an element would: the host is the event target. */
class EmeTestHost extends LitElement {
  readonly eme = new EmeController(this);
  override render() {
    return html`${this.eme.state}`;
  }
}
if (!customElements.get('eme-test-host')) customElements.define('eme-test-host', EmeTestHost);

let live: EmeController[] = [];

function setup(
  variant: Variant,
  clearKey: ClearKeyOptions,
  extra: Partial<DrmConfig> = {},
  options: Partial<EmeControllerOptions> & { wrap?: (s: MediaKeySession) => MediaKeySession } = {},
) {
  const host = new HostStub();
  const target = new EventTarget();
  const sessions: MediaKeySession[] = [];
  const events: Recorded[] = [];
  for (const type of ['license-request', 'license-response', 'keystatuseschange', 'drmstatechange', 'drmerror']) {
    target.addEventListener(type, (e) => events.push({ type, detail: (e as CustomEvent).detail } as Recorded));
  }
  const native = navigator.requestMediaKeySystemAccess?.bind(navigator);
  const ctrl = new EmeController(host, {
    target,
    bundledCdm: {
      ...defaultBundledCdm,
      requestClearKeyAccess: spying(defaultBundledCdm.requestClearKeyAccess, sessions, options.wrap),
    },
    requestNativeAccess: native ? spying(native, sessions, options.wrap) : null,
    ...options,
  });
  ctrl.config = {
    keySystems: { 'org.w3.clearkey': clearKey },
    fallback: variant.fallback,
    ...extra,
    license: { ...fast, ...extra.license },
  };
  host.connect();
  live.push(ctrl);
  const of = <K extends keyof DrmEventMap>(type: K) =>
    events.filter((e) => e.type === type).map((e) => e.detail as DrmEventMap[K]['detail']);
  return { host, target, ctrl, sessions, events, of };
}

function untilState(ctrl: EmeController, target: EventTarget, state: DrmState): Promise<unknown> {
  if (ctrl.state === state) return Promise.resolve();
  return until<CustomEvent>(target, 'drmstatechange', (e) => e.detail.state === state);
}

async function untilError(target: EventTarget): Promise<DrmError> {
  return (await until<CustomEvent>(target, 'drmerror')).detail.error as DrmError;
}

afterEach(async () => {
  await Promise.all(live.map((c) => c.reset()));
  await Promise.all(live.map((c) => c.idle()));
  live = [];
});

describe('EmeController', () => {
  it('registers itself with its host and needs an event target', () => {
    const host = new HostStub();
    const ctrl = new EmeController(host, { target: new EventTarget() });
    expect(host.controllers).to.deep.equal([ctrl]);
    expect(() => new EmeController(new HostStub())).to.throw(TypeError);
    expect(ctrl.state).to.equal('none');
    expect(ctrl.cdm).to.equal(null);
  });

  it(`picks ${platformEme ? 'the native' : 'the bundled'} Clear Key with fallback 'auto' here`, async () => {
    const id = uniqueId();
    const { ctrl, target } = setup({ name: 'bundled', fallback: 'auto' }, { licenseUrl: licenseUrl(id) });
    await ctrl.handleInitData('keyids', keyIdsInitData(KID.video));
    await untilState(ctrl, target, DrmState.USABLE);
    expect(ctrl.cdm).to.equal(platformEme ? 'native' : 'bundled');
    expect(ctrl.keySystem).to.equal('org.w3.clearkey');
  });

  if (!platformEme) {
    it("fails with NO_KEY_SYSTEM for fallback 'never' where the platform has no EME (WebKitGTK here)", async () => {
      expect(navigator.requestMediaKeySystemAccess).to.equal(undefined);
      const { ctrl, target } = setup({ name: 'native', fallback: 'never' }, { licenseUrl: licenseUrl(uniqueId()) });
      const error = untilError(target);
      await ctrl.handleInitData('keyids', keyIdsInitData(KID.video));
      expect((await error).code).to.equal(DrmErrorCode.NO_KEY_SYSTEM);
      expect(ctrl.state).to.equal('error');
    });
  }

  it('tries preferredKeySystems first and falls through to one that grants access, listing what failed', async () => {
    const { ctrl, target } = setup(
      { name: 'bundled', fallback: 'auto' },
      { licenseUrl: licenseUrl(uniqueId()) },
      { preferredKeySystems: ['com.example.nothing', 'org.w3.clearkey'] },
    );
    ctrl.config = {
      ...ctrl.config!,
      keySystems: { 'org.w3.clearkey': ctrl.config!.keySystems['org.w3.clearkey'], 'com.example.nothing': {} },
    };
    await ctrl.handleInitData('keyids', keyIdsInitData(KID.video));
    await untilState(ctrl, target, DrmState.USABLE);
    expect(ctrl.keySystem).to.equal('org.w3.clearkey');
  });

  it('reports NO_KEY_SYSTEM with every trial when nothing grants access', async () => {
    const { ctrl, target } = setup({ name: 'bundled', fallback: 'auto' }, {});
    ctrl.config = { keySystems: { 'com.example.nothing': { licenseUrl: '/license' } }, fallback: 'auto' };
    const error = untilError(target);
    await ctrl.handleInitData('keyids', keyIdsInitData(KID.video));
    const e = await error;
    expect(e.code).to.equal(DrmErrorCode.NO_KEY_SYSTEM);
    expect(e.category).to.equal('key-system');
    const tried = e.data['tried'] as { keySystem: string }[];
    expect(tried.map((t) => t.keySystem)).to.deep.equal(platformEme ? ['com.example.nothing'] : []);
  });

  it('reports INVALID_CONFIG for encrypted content without a drm config', async () => {
    const host = new HostStub();
    const target = new EventTarget();
    const ctrl = new EmeController(host, { target });
    live.push(ctrl);
    const error = untilError(target);
    await ctrl.handleInitData('keyids', keyIdsInitData(KID.video));
    expect((await error).code).to.equal(DrmErrorCode.INVALID_CONFIG);
  });

  it('rejects a malformed inline key with INVALID_CONFIG that names the KID, never the key', async () => {
    const { ctrl, target } = setup(variants[0]!, { clearKeys: { [KID.video]: 'zz-not-a-key-zz-secretish' } });
    const error = untilError(target);
    await ctrl.handleInitData('keyids', keyIdsInitData(KID.video));
    const e = await error;
    expect(e.code).to.equal(DrmErrorCode.INVALID_CONFIG);
    expect(e.data).to.include({ kid: KID.video });
    expect(e.message + JSON.stringify(e.data)).not.to.contain('secretish');
  });

  it('drives a real LitElement host: renders its state and tears down when removed from the document', async () => {
    const id = uniqueId();
    const el = document.createElement('eme-test-host') as EmeTestHost;
    el.eme.config = {
      keySystems: { 'org.w3.clearkey': { licenseUrl: licenseUrl(id) } },
      fallback: 'always',
      license: fast,
    };
    document.body.append(el);
    await el.eme.handleInitData('keyids', keyIdsInitData(KID.video));
    await untilState(el.eme, el, DrmState.USABLE);
    await el.updateComplete;
    expect(el.shadowRoot!.textContent).to.equal('usable');
    const none = untilState(el.eme, el, DrmState.NONE);
    el.remove();
    await none;
    await el.updateComplete;
    expect(el.shadowRoot!.textContent).to.equal('none');
    expect(el.eme.mediaKeys).to.equal(null);
  });

  for (const variant of variants) {
    describe(`with the ${variant.name} CDM`, () => {
      it('gets a license from the server and reports every key usable', async () => {
        const id = uniqueId();
        const keys = await testKeys();
        const { ctrl, target, host, of } = setup(variant, { licenseUrl: licenseUrl(id) });
        await ctrl.handleInitData('keyids', keyIdsInitData(KID.video, KID.audio));
        await untilState(ctrl, target, DrmState.USABLE);
        expect(ctrl.cdm).to.equal(variant.name);
        expect(ctrl.mediaKeys).not.to.equal(null);
        expect([...ctrl.keyStatuses]).to.have.deep.members([
          [KID.video, 'usable'],
          [KID.audio, 'usable'],
        ]);
        expect(of('license-request')).to.have.length(1);
        expect(of('license-request')[0]).to.include({
          keySystem: 'org.w3.clearkey',
          messageType: 'license-request',
          url: licenseUrl(id),
          attempt: 1,
        });
        expect(of('license-response')).to.have.length(1);
        expect(of('license-response')[0]).to.include({ status: 200, attempts: 1, messageType: 'license-request' });
        expect(of('drmstatechange').map((d) => d.state)).to.deep.equal(['pending', 'usable']);
        expect(of('keystatuseschange').at(-1)!.usable).to.have.members([KID.video, KID.audio]);
        expect(host.updates).to.be.greaterThan(0);
        expect(await licenseStats(id)).to.include({ requests: 1, licenses: 1 });
        const store = ctrl.keyStore();
        if (variant.name === 'bundled') {
          expect(bytesToHex((await store!.lookup(hexToBytes(KID.video)))!)).to.equal(keys[KID.video]);
        } else {
          expect(store).to.equal(undefined);
        }
      });

      it("answers 'cenc' init data (a Clear Key pssh)", async () => {
        const id = uniqueId();
        const { ctrl, target } = setup(variant, { licenseUrl: licenseUrl(id) });
        await ctrl.handleInitData('cenc', clearKeyPssh(KID.video));
        await untilState(ctrl, target, DrmState.USABLE);
        expect(ctrl.keyStatuses.get(KID.video)).to.equal('usable');
      });

      it("leaves 'cenc' init data with only other systems' pssh boxes alone, and plays from 'keyids' (EME 9.1.3)", async () => {
        // Multi-DRM content: a Widevine v0 box and a PlayReady v1 box listing the KID, no Clear Key box. A Clear Key
        // CDM reads none of them: no session, no error, and the KID the PlayReady box lists is not taken as covered.
        const id = uniqueId();
        const { ctrl, target, sessions, of } = setup(variant, { licenseUrl: licenseUrl(id) });
        const otherSystems = concatBytes(
          pssh('edef8ba979d64acea3c827dcd51d21ed', 0, [], [0x12, 0x10]),
          pssh('9a04f07998404286ab92e65be0885f95', 1, [KID.video], []),
        );
        await ctrl.handleInitData('cenc', otherSystems);
        await ctrl.idle();
        expect(of('drmerror')).to.deep.equal([]);
        expect(sessions).to.have.length(0);
        await ctrl.handleInitData('keyids', keyIdsInitData(KID.video));
        await untilState(ctrl, target, DrmState.USABLE);
        expect(ctrl.keyStatuses.get(KID.video)).to.equal('usable');
        expect(sessions).to.have.length(1);
        expect(of('drmerror')).to.deep.equal([]);
      });

      it('opens one session for init data given twice at once, or naming KIDs a session already covers', async () => {
        const id = uniqueId();
        const { ctrl, target, sessions } = setup(variant, { licenseUrl: licenseUrl(id) });
        const a = ctrl.handleInitData('keyids', keyIdsInitData(KID.video, KID.audio));
        const b = ctrl.handleInitData('keyids', keyIdsInitData(KID.video, KID.audio));
        const c = ctrl.handleInitData('cenc', clearKeyPssh(KID.audio, KID.video));
        await Promise.all([a, b, c]);
        await untilState(ctrl, target, DrmState.USABLE);
        await ctrl.idle();
        expect(sessions).to.have.length(1);
        expect((await licenseStats(id)).requests).to.equal(1);
      });

      it('answers from inline clearKeys without any server', async () => {
        const keys = await testKeys();
        const { ctrl, target, of } = setup(variant, { clearKeys: { [KID.video]: keys[KID.video]! } });
        await ctrl.handleInitData('keyids', keyIdsInitData(KID.video));
        await untilState(ctrl, target, DrmState.USABLE);
        expect(of('license-request')[0]).to.include({ url: null, messageType: 'license-request' });
        expect(of('license-response')[0]).to.include({ url: null, status: null });
      });

      it('reports INLINE_KEYS_MISSING when inline clearKeys lack every requested KID', async () => {
        const keys = await testKeys();
        const { ctrl, target } = setup(variant, { clearKeys: { [KID.audio]: keys[KID.audio]! } });
        const error = untilError(target);
        await ctrl.handleInitData('keyids', keyIdsInitData(KID.video));
        expect((await error).data).to.deep.equal({ kids: [KID.video] });
        expect(ctrl.state).to.equal('error');
      });

      for (const status of [401, 403]) {
        it(`fails with LICENSE_HTTP_ERROR on ${status}, without retrying`, async () => {
          const id = uniqueId();
          const { ctrl, target } = setup(variant, { licenseUrl: licenseUrl(id, `status:${status}`) });
          const error = untilError(target);
          await ctrl.handleInitData('keyids', keyIdsInitData(KID.video));
          const e = await error;
          expect(e.code).to.equal(DrmErrorCode.LICENSE_HTTP_ERROR);
          expect(e.data).to.include({ status, attempts: 1 });
          expect(ctrl.state).to.equal('error');
          expect(ctrl.error).to.equal(e);
          expect((await licenseStats(id)).requests).to.equal(1);
        });
      }

      it('retries a 500 twice and then plays (the server saw three requests)', async () => {
        const id = uniqueId();
        const { ctrl, target, of } = setup(
          variant,
          { licenseUrl: licenseUrl(id, 'fail-times:2') },
          { license: { retries: 2 } },
        );
        await ctrl.handleInitData('keyids', keyIdsInitData(KID.video));
        await untilState(ctrl, target, DrmState.USABLE);
        expect(of('license-request').map((d) => d.attempt)).to.deep.equal([1, 2, 3]);
        expect(of('license-response')[0]).to.include({ attempts: 3 });
        expect(await licenseStats(id)).to.include({ requests: 3, errors: 2, licenses: 1 });
      });

      it('times out a license server that never answers', async () => {
        const id = uniqueId();
        const { ctrl, target } = setup(
          variant,
          { licenseUrl: licenseUrl(id, 'hang') },
          { license: { timeoutMs: 250, retries: 1 } },
        );
        const error = untilError(target);
        await ctrl.handleInitData('keyids', keyIdsInitData(KID.video));
        const e = await error;
        expect(e.code).to.equal(DrmErrorCode.LICENSE_TIMEOUT);
        expect(e.data).to.include({ timeoutMs: 250, attempts: 2 });
        expect(await licenseStats(id, { settled: 2 })).to.include({ requests: 2, aborted: 2 });
      });

      it('reports LICENSE_REJECTED when the CDM refuses a malformed license', async () => {
        const { ctrl, target } = setup(variant, { licenseUrl: licenseUrl(uniqueId(), 'malformed') });
        const error = untilError(target);
        await ctrl.handleInitData('keyids', keyIdsInitData(KID.video));
        const e = await error;
        expect(e.code).to.equal(DrmErrorCode.LICENSE_REJECTED);
        expect(e.category).to.equal('license');
        expect(ctrl.state).to.equal('error');
      });

      it('accepts a license with the wrong key: Clear Key reports it usable (only decryption would tell)', async () => {
        const id = uniqueId();
        const keys = await testKeys();
        const { ctrl, target } = setup(variant, { licenseUrl: licenseUrl(id, 'wrong-key') });
        await ctrl.handleInitData('keyids', keyIdsInitData(KID.video));
        await untilState(ctrl, target, DrmState.USABLE);
        expect(ctrl.keyStatuses.get(KID.video)).to.equal('usable');
        expect((await licenseStats(id)).licenses).to.equal(1);
        if (variant.name === 'bundled') {
          // What the decryption layer gets is not the content key.
          const key = await ctrl.keyStore()!.lookup(hexToBytes(KID.video));
          expect(key).to.have.length(16);
          expect(bytesToHex(key!)).not.to.equal(keys[KID.video]);
        }
      });

      it('reports only the keys a license holds (drop-kid)', async () => {
        const { ctrl, target } = setup(variant, { licenseUrl: licenseUrl(uniqueId(), 'drop-kid') });
        await ctrl.handleInitData('keyids', keyIdsInitData(KID.video, KID.audio));
        await untilState(ctrl, target, DrmState.USABLE);
        expect(ctrl.keyStatuses.get(KID.audio)).to.equal('usable');
        expect(ctrl.keyStatuses.get(KID.video)).not.to.equal('usable');
      });

      it('aborts an in-flight license request on reset: the server sees the abort, nothing is applied', async () => {
        const id = uniqueId();
        const { ctrl, target, sessions, of } = setup(variant, { licenseUrl: licenseUrl(id, 'delay:5000') });
        const requested = until(target, 'license-request');
        await ctrl.handleInitData('keyids', keyIdsInitData(KID.video));
        await requested;
        await licenseStats(id, { requests: 1 });
        await ctrl.reset();
        expect(await licenseStats(id, { settled: 1 })).to.include({ aborted: 1, licenses: 0 });
        await ctrl.idle();
        expect(of('license-response')).to.deep.equal([]);
        expect(ctrl.state).to.equal('none');
        expect(ctrl.keyStatuses.size).to.equal(0);
        expect(sessions).to.have.length(1);
        expect(sessions[0]!.keyStatuses.size).to.equal(0);
        // reset() closed the session; closed resolves (never rejects).
        await sessions[0]!.closed;
      });

      it('drops a license that arrives after reset: the superseded session never becomes usable', async () => {
        const id = uniqueId();
        let release!: () => void;
        let reached!: () => void;
        const held = new Promise<void>((resolve) => (release = resolve));
        const inFilter = new Promise<void>((resolve) => (reached = resolve));
        const { ctrl, target, sessions, of } = setup(
          variant,
          { licenseUrl: licenseUrl(id) },
          {
            license: {
              responseFilter: async () => {
                reached();
                await held;
              },
            },
          },
        );
        await ctrl.handleInitData('keyids', keyIdsInitData(KID.video));
        await inFilter; // the license is in the browser now, on its way to update()
        const resetDone = ctrl.reset();
        release();
        await resetDone;
        await ctrl.idle();
        expect((await licenseStats(id)).licenses).to.equal(1);
        expect(of('license-response')).to.deep.equal([]);
        expect(of('keystatuseschange').some((d) => d.usable.length > 0)).to.equal(false);
        expect(sessions[0]!.keyStatuses.size).to.equal(0);
        expect(ctrl.state).to.equal('none');
        // The next run works as usual.
        ctrl.config = { ...ctrl.config!, license: fast };
        await ctrl.reset();
        await ctrl.handleInitData('keyids', keyIdsInitData(KID.video));
        await untilState(ctrl, target, DrmState.USABLE);
      });

      it('closes every session and goes back to none when the host disconnects', async () => {
        const { ctrl, target, host, sessions } = setup(variant, { licenseUrl: licenseUrl(uniqueId()) });
        await ctrl.handleInitData('keyids', keyIdsInitData(KID.video));
        await ctrl.handleInitData('keyids', keyIdsInitData(KID.audio));
        await untilState(ctrl, target, DrmState.USABLE);
        await ctrl.idle();
        expect(sessions).to.have.length(2);
        const none = untilState(ctrl, target, DrmState.NONE);
        host.disconnect();
        await none;
        await Promise.all(sessions.map((s) => s.closed));
        expect(ctrl.keyStatuses.size).to.equal(0);
        expect(ctrl.mediaKeys).to.equal(null);
      });

      it('enforces a license expiration: expired, then renewed with a license-renewal, then usable again', async () => {
        const id = uniqueId();
        const { ctrl, target, of } = setup(
          variant,
          { licenseUrl: licenseUrl(id, 'expiry:300') },
          {
            license: {
              // The renewal asks for a license without expiry, so the test sees exactly one expiry.
              requestFilter: (request) => {
                if (request.messageType === 'license-renewal') request.url = licenseUrl(id);
              },
            },
          },
        );
        await ctrl.handleInitData('keyids', keyIdsInitData(KID.video));
        await untilState(ctrl, target, DrmState.USABLE);
        expect(ctrl.expiration).to.be.a('number').and.satisfy(Number.isFinite);
        await untilState(ctrl, target, DrmState.EXPIRED);
        expect(ctrl.keyStatuses.get(KID.video)).to.equal('expired');
        await untilState(ctrl, target, DrmState.USABLE);
        expect(of('license-request').map((d) => d.messageType)).to.deep.equal(['license-request', 'license-renewal']);
        expect(of('drmstatechange').map((d) => d.state)).to.include.ordered.members(['pending', 'usable', 'expired']);
        expect(ctrl.keyStatuses.get(KID.video)).to.equal('usable');
        expect(Number.isNaN(ctrl.expiration)).to.equal(true);
        expect(await licenseStats(id)).to.include({ licenses: 2 });
      });

      it('reports RENEWAL_FAILED when renewing an expired license fails', async () => {
        const id = uniqueId();
        const { ctrl, target } = setup(
          variant,
          { licenseUrl: licenseUrl(id, 'expiry:200') },
          {
            license: {
              retries: 0,
              requestFilter: (request) => {
                if (request.messageType === 'license-renewal') request.url = licenseUrl(id, 'status:403');
              },
            },
          },
        );
        const error = untilError(target);
        await ctrl.handleInitData('keyids', keyIdsInitData(KID.video));
        const e = await error;
        expect(e.code).to.equal(DrmErrorCode.RENEWAL_FAILED);
        expect(e.data).to.deep.include({ kids: [KID.video] });
        expect((e.cause as DrmError).code).to.equal(DrmErrorCode.LICENSE_HTTP_ERROR);
        expect(ctrl.state).to.equal('error');
      });

      it(`${variant.name === 'native' ? 'sets' : 'never sets'} MediaKeys on the media element`, async () => {
        const video = document.createElement('video');
        const { ctrl, target } = setup(variant, { licenseUrl: licenseUrl(uniqueId()) }, {}, { media: video });
        await ctrl.handleInitData('keyids', keyIdsInitData(KID.video));
        await untilState(ctrl, target, DrmState.USABLE);
        if (variant.name === 'native') {
          expect(video.mediaKeys).to.equal(ctrl.mediaKeys);
          await ctrl.reset();
          expect(video.mediaKeys).to.equal(null);
        } else {
          // The bundled path decrypts before MSE: the element never sees encryption.
          expect(video.mediaKeys ?? null).to.equal(null);
        }
      });

      it('reports restricted KIDs so the streaming layer can drop their variants; error only when none is left', async () => {
        // Clear Key never restricts output: the session's reported statuses are replaced by the test.
        let fake: [KeyStatus, string][] | null = null;
        const wrap = (session: MediaKeySession) =>
          new Proxy(session, {
            get(target, prop) {
              if (prop === 'keyStatuses' && fake) {
                const entries = fake;
                return {
                  forEach: (cb: (s: KeyStatus, k: ArrayBuffer) => void) =>
                    entries.forEach(([s, k]) => cb(s, hexToBytes(k).buffer)),
                };
              }
              const value = Reflect.get(target, prop, target) as unknown;
              return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
            },
          });
        const { ctrl, target, sessions } = setup(variant, { licenseUrl: licenseUrl(uniqueId()) }, {}, { wrap });
        await ctrl.handleInitData('keyids', keyIdsInitData(KID.video, KID.audio));
        await untilState(ctrl, target, DrmState.USABLE);
        const report = async (entries: [KeyStatus, string][]) => {
          fake = entries;
          const changed = until<CustomEvent<KeyStatusesDetail>>(target, 'keystatuseschange');
          sessions[0]!.dispatchEvent(new Event('keystatuseschange'));
          return (await changed).detail;
        };
        const one = await report([
          ['output-restricted', KID.video],
          ['usable', KID.audio],
        ]);
        expect(one.restricted).to.deep.equal([KID.video]);
        expect(one.usable).to.deep.equal([KID.audio]);
        expect(ctrl.state).to.equal('usable');
        await report([
          ['output-restricted', KID.video],
          ['output-restricted', KID.audio],
        ]);
        expect(ctrl.state).to.equal('output-restricted');
        const last = await report([
          ['internal-error', KID.video],
          ['output-restricted', KID.audio],
        ]);
        expect(last.restricted).to.have.members([KID.video, KID.audio]);
        expect(ctrl.state).to.equal('error');
      });

      if (variant.name === 'native') {
        it('moves the native MediaKeys when the media element changes', async () => {
          const first = document.createElement('video');
          const second = document.createElement('video');
          const { ctrl, target } = setup(variant, { licenseUrl: licenseUrl(uniqueId()) }, {}, { media: first });
          await ctrl.handleInitData('keyids', keyIdsInitData(KID.video));
          await untilState(ctrl, target, DrmState.USABLE);
          expect(first.mediaKeys).to.equal(ctrl.mediaKeys);
          ctrl.media = second;
          await ctrl.idle();
          expect(second.mediaKeys).to.equal(ctrl.mediaKeys);
          expect(first.mediaKeys).to.equal(null);
        });

        it("starts a session from the media element's 'encrypted' event", async () => {
          const video = document.createElement('video');
          const id = uniqueId();
          const { ctrl, target } = setup(variant, { licenseUrl: licenseUrl(id) }, {}, { media: video });
          const initData = keyIdsInitData(KID.video).buffer;
          video.dispatchEvent(new MediaEncryptedEvent('encrypted', { initDataType: 'keyids', initData }));
          // The same init data again (a second SourceBuffer) opens no second session.
          video.dispatchEvent(new MediaEncryptedEvent('encrypted', { initDataType: 'keyids', initData }));
          await untilState(ctrl, target, DrmState.USABLE);
          await ctrl.idle();
          expect(video.mediaKeys).to.equal(ctrl.mediaKeys);
          expect((await licenseStats(id)).requests).to.equal(1);
        });
      }

      if (variant.name === 'bundled') {
        it('stores a persistent license, loads it back without a server round trip, and removes it', async () => {
          const id = uniqueId();
          const config = { licenseUrl: licenseUrl(id) };
          const { ctrl, target, of } = setup(variant, config, { sessionType: 'persistent-license' });
          await ctrl.handleInitData('keyids', keyIdsInitData(KID.video));
          await untilState(ctrl, target, DrmState.USABLE);
          await ctrl.idle();
          const [sessionId] = ctrl.sessionIds;
          expect(sessionId).to.be.a('string').and.not.equal('');
          await ctrl.reset();
          expect(ctrl.state).to.equal('none');

          expect(await ctrl.loadSession(sessionId!)).to.equal(true);
          await untilState(ctrl, target, DrmState.USABLE);
          expect(ctrl.keyStatuses.get(KID.video)).to.equal('usable');
          expect((await licenseStats(id)).licenses).to.equal(1);

          await ctrl.removeSession(sessionId!);
          expect(of('license-request').map((d) => d.messageType)).to.include('license-release');
          expect(await licenseStats(id)).to.include({ releases: 1, licenses: 1 });
          await ctrl.reset();
          expect(await ctrl.loadSession(sessionId!)).to.equal(false);
        });

        for (const wrongKey of [false, true]) {
          it(`decrypts real cenc media to the clear media ${wrongKey ? 'NOT ' : ''}with a ${wrongKey ? 'wrong' : 'right'} key`, async () => {
            const bytes = async (path: string) => new Uint8Array(await (await fetch(path)).arrayBuffer());
            const [init, segment, clear] = await Promise.all([
              bytes('/test/fixtures/cenc/init-0.mp4'),
              bytes('/test/fixtures/cenc/seg-0-1.m4s'),
              bytes('/test/fixtures/clear/seg-0-1.m4s'),
            ]);
            const faults = wrongKey ? ['wrong-key'] : [];
            const { ctrl, target } = setup(variant, { licenseUrl: licenseUrl(uniqueId(), ...faults) });
            // Init data as the streaming layer finds it: the init segment's pssh boxes.
            await ctrl.handleInitData('cenc', psshOf(init));
            await untilState(ctrl, target, DrmState.USABLE);
            // Clear Key has no way to know a key is wrong: usable either way.
            expect(ctrl.keyStatuses.get(KID.video)).to.equal('usable');
            const out = await decryptSegment(segment, parseInit(init), ctrl.keyStore()!.lookup);
            const mdat = (b: Uint8Array) => bytesToHex(findBox(b, ['mdat'])!.payload);
            if (wrongKey) expect(mdat(out)).not.to.equal(mdat(clear));
            else expect(mdat(out)).to.equal(mdat(clear));
          });
        }

        it('recreates a session closed with hardware-context-reset and fails on internal-error', async () => {
          const id = uniqueId();
          const closers: ((reason: MediaKeySessionClosedReason) => void)[] = [];
          // Real sessions whose `closed` the test controls: no real CDM produces these reasons on demand.
          const wrap = (session: MediaKeySession) => {
            const closed = new Promise<MediaKeySessionClosedReason>((resolve) => closers.push(resolve));
            return new Proxy(session, {
              get(target, prop) {
                if (prop === 'closed') return closed;
                const value = Reflect.get(target, prop, target) as unknown;
                return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
              },
            });
          };
          const { ctrl, target, sessions } = setup(variant, { licenseUrl: licenseUrl(id) }, {}, { wrap });
          await ctrl.handleInitData('keyids', keyIdsInitData(KID.video));
          await untilState(ctrl, target, DrmState.USABLE);
          await ctrl.idle();
          closers[0]!('hardware-context-reset');
          await until(target, 'license-response');
          await untilState(ctrl, target, DrmState.USABLE);
          await ctrl.idle();
          expect(sessions).to.have.length(2);
          expect((await licenseStats(id)).licenses).to.equal(2);

          const error = untilError(target);
          closers[1]!('internal-error');
          const e = await error;
          expect(e.code).to.equal(DrmErrorCode.SESSION_INTERNAL_ERROR);
          expect(e.category).to.equal('session');
          expect(ctrl.state).to.equal('error');
        });
      }
    });
  }
});
