// installClearKeyPolyfill() / uninstallClearKeyPolyfill(): when the polyfill acts, what it patches, that other key
// systems reach the platform untouched, and that uninstall restores every member exactly.
import { expect } from '@open-wc/testing';
import { isBundledMediaKeys } from '../../src/cdm/index.js';
import {
  clearKeyPolyfillDecryptThread,
  installClearKeyPolyfill,
  isClearKeyPolyfillInstalled,
  uninstallClearKeyPolyfill,
} from '../../src/polyfill/index.js';
import * as classicScript from '../../src/polyfill/global.js';
import { isWebKit, newVideo } from './helpers.js';

const VIDEO_TYPE = 'video/mp4; codecs="avc1.42c01e"';
const CONFIG: MediaKeySystemConfiguration = {
  initDataTypes: ['cenc'],
  videoCapabilities: [{ contentType: VIDEO_TYPE }],
};

const g = globalThis as Record<string, unknown> & { ManagedMediaSource?: typeof MediaSource };

/** Every member the polyfill may patch, as [owner, key]. */
function members(): [object, PropertyKey][] {
  const list: [object, PropertyKey][] = [
    // On the objects themselves, where players' own polyfills assign them (interceptMethod in patches.ts).
    [navigator, 'requestMediaKeySystemAccess'],
    [navigator.mediaCapabilities, 'decodingInfo'],
    [URL, 'createObjectURL'],
    [MediaSource.prototype, 'addSourceBuffer'],
    [MediaSource.prototype, 'removeSourceBuffer'],
    [MediaSource.prototype, 'endOfStream'],
    [MediaSource.prototype, 'duration'],
    ...['setMediaKeys', 'mediaKeys', 'onencrypted', 'onwaitingforkey'].map((k): [object, PropertyKey] => [
      HTMLMediaElement.prototype,
      k,
    ]),
    ...[
      'appendBuffer',
      'abort',
      'remove',
      'changeType',
      'updating',
      'timestampOffset',
      'appendWindowStart',
      'appendWindowEnd',
      'mode',
    ].map((k): [object, PropertyKey] => [SourceBuffer.prototype, k]),
    ...[
      'MediaKeys',
      'MediaKeySession',
      'MediaKeySystemAccess',
      'MediaKeyStatusMap',
      'MediaKeyMessageEvent',
      'MediaEncryptedEvent',
    ].map((k): [object, PropertyKey] => [globalThis, k]),
  ];
  if (g.ManagedMediaSource) {
    list.push(
      [g.ManagedMediaSource.prototype, 'addSourceBuffer'],
      [g.ManagedMediaSource.prototype, 'removeSourceBuffer'],
    );
  }
  return list;
}

function snapshot(): (PropertyDescriptor | undefined)[] {
  return members().map(([o, k]) => Object.getOwnPropertyDescriptor(o, k));
}

/** Same descriptor: the same value / getter / setter functions (identity) and the same flags. */
function sameDescriptor(a: PropertyDescriptor | undefined, b: PropertyDescriptor | undefined): boolean {
  if (!a || !b) return a === b;
  return (
    a.value === b.value &&
    a.get === b.get &&
    a.set === b.set &&
    a.writable === b.writable &&
    a.enumerable === b.enumerable &&
    a.configurable === b.configurable
  );
}

async function settle(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (e) {
    return `rejected:${(e as Error).name}`;
  }
}

describe('polyfill: install and uninstall', () => {
  afterEach(() => uninstallClearKeyPolyfill());

  it('acts without force only where the platform has no working Clear Key (WebKitGTK here)', async () => {
    const before = snapshot();
    const installed = await installClearKeyPolyfill();
    expect(installed).to.equal(isWebKit);
    expect(isClearKeyPolyfillInstalled()).to.equal(isWebKit);
    if (!isWebKit) expect(snapshot().every((d, i) => sameDescriptor(d, before[i]))).to.equal(true);
  });

  it('patches the EME and MSE entry points, and uninstall restores every descriptor exactly', async () => {
    const before = snapshot();
    expect(await installClearKeyPolyfill({ force: true })).to.equal(true);
    const during = snapshot();
    const changed = members().filter((_, i) => !sameDescriptor(before[i], during[i]));
    const names = changed.map(([, k]) => String(k));
    expect(names).to.include.members([
      'requestMediaKeySystemAccess',
      'decodingInfo',
      'setMediaKeys',
      'mediaKeys',
      'appendBuffer',
      'abort',
      'updating',
      'addSourceBuffer',
      'removeSourceBuffer',
      'endOfStream',
      'duration',
    ]);
    // Where the platform has no EME, the interface names and handler attributes are added; elsewhere kept.
    if (isWebKit) expect(names).to.include.members(['MediaKeys', 'MediaEncryptedEvent', 'onencrypted']);
    else expect(names).to.not.include.members(['MediaKeys']);
    uninstallClearKeyPolyfill();
    const after = snapshot();
    members().forEach(([o, k], i) => {
      expect(sameDescriptor(after[i], before[i]), `${String(k)} of ${String(o)}`).to.equal(true);
    });
    expect(isClearKeyPolyfillInstalled()).to.equal(false);
  });

  it('is idempotent: a second install changes nothing, a second uninstall too', async () => {
    const before = snapshot();
    await installClearKeyPolyfill({ force: true });
    const once = snapshot();
    await installClearKeyPolyfill({ force: true });
    expect(snapshot().every((d, i) => sameDescriptor(d, once[i]))).to.equal(true);
    uninstallClearKeyPolyfill();
    uninstallClearKeyPolyfill();
    expect(snapshot().every((d, i) => sameDescriptor(d, before[i]))).to.equal(true);
  });
});

describe("polyfill: installed before or after a player's own EME polyfills", () => {
  // shaka.polyfill.installAll() assigns navigator.requestMediaKeySystemAccess and
  // navigator.mediaCapabilities.decodingInfo (wrappers that call what they read first, and that put that back on
  // their first call). Whichever comes first, Clear Key must stay with the bundled CDM and the rest reach the platform.
  type Request = typeof navigator.requestMediaKeySystemAccess;
  const rejection = (p: Promise<unknown>): Promise<string> =>
    p.then(
      () => 'resolved',
      (e: Error) => e.name,
    );
  let platform: string;
  before(async () => {
    platform = navigator.requestMediaKeySystemAccess
      ? await rejection(navigator.requestMediaKeySystemAccess('org.example.none', [CONFIG]))
      : 'NotSupportedError';
  });
  afterEach(() => {
    uninstallClearKeyPolyfill();
    delete (navigator as unknown as Record<string, unknown>).requestMediaKeySystemAccess;
    delete (navigator.mediaCapabilities as unknown as Record<string, unknown>).decodingInfo;
  });

  /** A wrapper as a player polyfill assigns it: records the key systems it sees, calls what it read. */
  function wrap(seen: string[]): Request {
    const read = navigator.requestMediaKeySystemAccess;
    const wrapper: Request = function (this: Navigator, keySystem, configurations) {
      seen.push(keySystem);
      return read
        ? read.call(this, keySystem, configurations)
        : Promise.reject(new DOMException('', 'NotSupportedError'));
    };
    navigator.requestMediaKeySystemAccess = wrapper;
    return read;
  }

  it('a wrapper assigned after install: Clear Key stays bundled, other key systems pass it to the platform', async () => {
    await installClearKeyPolyfill({ force: true });
    const seen: string[] = [];
    const read = wrap(seen);
    const access = await navigator.requestMediaKeySystemAccess('org.w3.clearkey', [CONFIG]);
    expect(isBundledMediaKeys(await access.createMediaKeys())).to.equal(true);
    // The wrapper calls the polyfill's method it read, which must not call the wrapper again.
    expect(await rejection(navigator.requestMediaKeySystemAccess('org.example.none', [CONFIG]))).to.equal(platform);
    expect(seen).to.deep.equal(['org.example.none']);
    // The wrapper puts back what it read: still the polyfill in front.
    navigator.requestMediaKeySystemAccess = read;
    const again = await navigator.requestMediaKeySystemAccess('org.w3.clearkey', [CONFIG]);
    expect(isBundledMediaKeys(await again.createMediaKeys())).to.equal(true);
  });

  it('a wrapper assigned before install: Clear Key is bundled, other key systems go through the wrapper', async () => {
    const seen: string[] = [];
    wrap(seen);
    await installClearKeyPolyfill({ force: true });
    const access = await navigator.requestMediaKeySystemAccess('org.w3.clearkey', [CONFIG]);
    expect(isBundledMediaKeys(await access.createMediaKeys())).to.equal(true);
    expect(await rejection(navigator.requestMediaKeySystemAccess('org.example.none', [CONFIG]))).to.equal(platform);
    expect(seen).to.deep.equal(['org.example.none']);
    // Uninstall leaves the wrapper as the page had it.
    uninstallClearKeyPolyfill();
    navigator.requestMediaKeySystemAccess('org.example.none', [CONFIG]).catch(() => undefined);
    expect(seen).to.deep.equal(['org.example.none', 'org.example.none']);
  });

  it('a decodingInfo wrapper assigned before install: a Clear Key keySystemConfiguration gets the bundled CDM', async () => {
    const read = navigator.mediaCapabilities.decodingInfo;
    navigator.mediaCapabilities.decodingInfo = function (this: MediaCapabilities, config) {
      return read.call(this, config);
    };
    await installClearKeyPolyfill({ force: true });
    const info = (await navigator.mediaCapabilities.decodingInfo({
      type: 'media-source',
      video: { contentType: VIDEO_TYPE, width: 320, height: 180, bitrate: 200000, framerate: 25 },
      keySystemConfiguration: { keySystem: 'org.w3.clearkey', initDataType: 'cenc' },
    })) as MediaCapabilitiesDecodingInfo;
    expect(info.supported).to.equal(true);
    expect(isBundledMediaKeys(await info.keySystemAccess!.createMediaKeys())).to.equal(true);
  });

  it('install() without force acts before it returns where the platform has no EME (WebKitGTK here)', async () => {
    // So a page may call it in one <script> and load hls.js, which reads EME entry points as it loads, in the next.
    const result = installClearKeyPolyfill();
    expect(isClearKeyPolyfillInstalled()).to.equal(isWebKit);
    expect(await result).to.equal(isWebKit);
  });
});

describe('polyfill: the classic-script entry (global SecureVideoClearKey in dist/clearkey-polyfill.iife.js)', () => {
  it('exposes install, uninstall, isInstalled and decryptThread, the module functions themselves', () => {
    expect(Object.keys(classicScript).sort()).to.deep.equal(['decryptThread', 'install', 'isInstalled', 'uninstall']);
    expect(classicScript.decryptThread).to.equal(clearKeyPolyfillDecryptThread);
    expect(classicScript.install).to.equal(installClearKeyPolyfill);
    expect(classicScript.uninstall).to.equal(uninstallClearKeyPolyfill);
    expect(classicScript.isInstalled).to.equal(isClearKeyPolyfillInstalled);
  });
});

describe('polyfill: key system entry points', () => {
  let nativeRequest: typeof navigator.requestMediaKeySystemAccess | undefined;
  let nativeDecodingInfo: MediaCapabilities['decodingInfo'];
  before(async () => {
    nativeRequest = navigator.requestMediaKeySystemAccess?.bind(navigator);
    nativeDecodingInfo = navigator.mediaCapabilities.decodingInfo.bind(navigator.mediaCapabilities);
    await installClearKeyPolyfill({ force: true });
  });
  after(() => uninstallClearKeyPolyfill());

  it('requestMediaKeySystemAccess(org.w3.clearkey) gives the bundled CDM', async () => {
    const access = await navigator.requestMediaKeySystemAccess('org.w3.clearkey', [CONFIG]);
    expect(access.keySystem).to.equal('org.w3.clearkey');
    expect(isBundledMediaKeys(await access.createMediaKeys())).to.equal(true);
  });

  it('passes other key systems to the platform untouched', async () => {
    // An unknown key system settles at once everywhere (Widevine would make Firefox fetch its CDM first); the
    // platform's own rejection message shows the call reached the platform.
    const message = (p: Promise<unknown>): Promise<string> =>
      p.then(
        () => 'resolved',
        (e: Error) => `${e.name}: ${e.message}`,
      );
    const outcome = await message(navigator.requestMediaKeySystemAccess('org.example.none', [CONFIG]));
    if (nativeRequest) {
      expect(outcome).to.equal(await message(nativeRequest('org.example.none', [CONFIG])));
    } else {
      // WebKitGTK has no EME: no platform to ask, so the bundled CDM answers that only Clear Key exists.
      expect(outcome).to.match(/^NotSupportedError: /);
    }
  });

  it('decodingInfo() with a Clear Key keySystemConfiguration answers with the bundled keySystemAccess', async () => {
    const info = (await navigator.mediaCapabilities.decodingInfo({
      type: 'media-source',
      video: { contentType: VIDEO_TYPE, width: 320, height: 180, bitrate: 200000, framerate: 25 },
      keySystemConfiguration: { keySystem: 'org.w3.clearkey', initDataType: 'cenc', video: { robustness: '' } },
    })) as MediaCapabilitiesDecodingInfo;
    expect(info.supported).to.equal(true);
    expect(info.keySystemAccess?.keySystem).to.equal('org.w3.clearkey');
    expect(isBundledMediaKeys(await info.keySystemAccess!.createMediaKeys())).to.equal(true);
    expect(info.keySystemAccess!.getConfiguration().videoCapabilities).to.deep.equal([
      { contentType: VIDEO_TYPE, encryptionScheme: null, robustness: '' },
    ]);
  });

  it('decodingInfo() says unsupported for a Clear Key configuration the CDM cannot meet', async () => {
    const info = (await navigator.mediaCapabilities.decodingInfo({
      type: 'media-source',
      video: { contentType: VIDEO_TYPE, width: 320, height: 180, bitrate: 200000, framerate: 25 },
      keySystemConfiguration: { keySystem: 'org.w3.clearkey', video: { robustness: 'HW_SECURE_ALL' } },
    })) as MediaCapabilitiesDecodingInfo;
    expect(info.supported).to.equal(false);
    expect(info.keySystemAccess).to.equal(null);
  });

  it('decodingInfo() without a Clear Key keySystemConfiguration is the platform answer', async () => {
    const config: MediaDecodingConfiguration = {
      type: 'media-source',
      video: { contentType: VIDEO_TYPE, width: 320, height: 180, bitrate: 200000, framerate: 25 },
    };
    const ours = await navigator.mediaCapabilities.decodingInfo(config);
    const platform = await nativeDecodingInfo(config);
    expect(ours.supported).to.equal(platform.supported);
    expect(ours.smooth).to.equal(platform.smooth);
  });

  it('setMediaKeys() accepts a bundled MediaKeys; mediaKeys returns it, on each element given it (EME 7.2)', async () => {
    const a = newVideo();
    const b = newVideo();
    try {
      const access = await navigator.requestMediaKeySystemAccess('org.w3.clearkey', [CONFIG]);
      const mediaKeys = await access.createMediaKeys();
      expect(a.mediaKeys).to.equal(null);
      await a.setMediaKeys(mediaKeys);
      expect(a.mediaKeys).to.equal(mediaKeys);
      // A second element may share it (test/polyfill/platform-errors.test.ts plays both).
      expect(await settle(b.setMediaKeys(mediaKeys))).to.equal('resolved');
      expect(b.mediaKeys).to.equal(mediaKeys);
      await a.setMediaKeys(null);
      expect(a.mediaKeys).to.equal(null);
      expect(b.mediaKeys).to.equal(mediaKeys);
    } finally {
      a.remove();
      b.remove();
    }
  });

  it('gives elements onencrypted where the platform has none, firing for the polyfill events', async () => {
    const video = newVideo();
    try {
      const seen: string[] = [];
      video.onencrypted = (e) => seen.push(e.type);
      video.dispatchEvent(new Event('encrypted'));
      video.onencrypted = null;
      video.dispatchEvent(new Event('encrypted'));
      expect(seen).to.deep.equal(['encrypted']);
    } finally {
      video.remove();
    }
  });
});
