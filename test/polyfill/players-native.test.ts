// The player cases of players.test.ts that need configuration, with native Clear Key and no polyfill: what the
// polyfill does there is what the platform does. Chromium and Firefox have native Clear Key; WebKitGTK has no EME
// at all, so there only the bundled CDM's answer is checked (and players.test.ts plays through the polyfill).
import { expect } from '@open-wc/testing';
import { requestClearKeyAccess } from '../../src/cdm/index.js';
import { parseInit } from '../../src/mp4/init.js';
import { fixtures } from '../helpers/fixtures.js';
import { keyIdsInitData, KID } from '../helpers/license-server.js';
import { isWebKit, newVideo } from './helpers.js';
import { dashJsKeyRotation, dashJsWithPssh, playHlsJs } from './players.js';

const all = await fixtures();
const cenc = all.find((f) => f.name === 'cenc')!;
const clearLead = all.find((f) => f.name === 'clear-lead')!;
const rotation = all.find((f) => f.keyRotation)!;
const hasNative = typeof navigator.requestMediaKeySystemAccess === 'function';

const CONFIG: MediaKeySystemConfiguration[] = [
  { initDataTypes: ['cenc', 'keyids'], videoCapabilities: [{ contentType: 'video/mp4; codecs="avc1.42c01e"' }] },
];

/** generateRequest(initDataType, initData) on a fresh session: 'resolved' or the rejection's name. */
async function generate(
  access: Promise<MediaKeySystemAccess>,
  initDataType: string,
  initData: Uint8Array<ArrayBuffer>,
): Promise<string> {
  const session = (await (await access).createMediaKeys()).createSession();
  return session.generateRequest(initDataType, initData).then(
    () => 'resolved',
    (e: Error) => e.name,
  );
}

describe('polyfill players, natively: the platform these runs compare with', () => {
  it('has native Clear Key in Chromium and Firefox, no EME in WebKitGTK', () => {
    expect(hasNative).to.equal(!isWebKit);
  });

  it("generateRequest('keyids', <a pssh box>), as dash.js sends for cenc:pssh: TypeError, native and bundled", async () => {
    const init = new Uint8Array(await (await fetch(cenc.path + 'init-0.mp4')).arrayBuffer());
    const pssh = parseInit(init).pssh[0]!.bytes.slice();
    const implementations: Promise<MediaKeySystemAccess>[] = [requestClearKeyAccess('org.w3.clearkey', CONFIG)];
    if (hasNative) implementations.push(navigator.requestMediaKeySystemAccess('org.w3.clearkey', CONFIG));
    for (const access of implementations) {
      expect(await generate(access, 'keyids', pssh)).to.equal('TypeError');
      // The same box as 'cenc', and keyids JSON as 'keyids', are what Clear Key takes.
      expect(await generate(access, 'cenc', pssh)).to.equal('resolved');
      expect(await generate(access, 'keyids', keyIdsInitData(KID.video))).to.equal('resolved');
    }
  });

  if (!hasNative) return;

  it('hls.js: clear-lead plays with native Clear Key given the generateRequest filter of hlsConfig()', async () => {
    const { default: Hls } = await import('hls.js');
    const video = newVideo();
    let destroy: (() => void) | undefined;
    try {
      destroy = await playHlsJs(Hls, clearLead, video);
      expect(video.mediaKeys).to.not.equal(null);
    } finally {
      destroy?.();
      video.remove();
    }
  });

  it('dash.js: cenc with cenc:pssh fails with error 113 (TypeError), as through the polyfill', async () => {
    const dashjs = await import('dashjs');
    const video = newVideo();
    try {
      const outcome = await dashJsWithPssh(dashjs, cenc, video);
      expect(outcome).to.match(/^dash\.js 113: .*TypeError/);
    } finally {
      video.remove();
    }
  });

  it('dash.js: key-rotation: no license request for the rotated-in key, the CDM waits for it (as through the polyfill)', async () => {
    const video = newVideo();
    try {
      const mediaKeys = await dashJsKeyRotation(await import('dashjs'), rotation, video, false);
      expect(mediaKeys).to.be.instanceOf(MediaKeys);
    } finally {
      video.remove();
    }
  });

  it('dash.js: key-rotation plays through the key change when the page answers the rotation pssh itself', async () => {
    const video = newVideo();
    try {
      const mediaKeys = await dashJsKeyRotation(await import('dashjs'), rotation, video, true);
      expect(mediaKeys).to.be.instanceOf(MediaKeys);
    } finally {
      video.remove();
    }
  });
});
