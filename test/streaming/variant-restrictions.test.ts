import { expect } from '@open-wc/testing';
import { keyStoreOf, requestClearKeyAccess } from '../../src/cdm/index.js';
import { toHex } from '../../src/mp4/bytes.js';
import type { DrmHooks } from '../../src/streaming/segment-filter.js';
import { StreamingSession } from '../../src/streaming/streaming-session.js';
import { restrictedVariants, variantKeyIds } from '../../src/streaming/variant-restrictions.js';
import type { RestrictableVariant } from '../../src/streaming/variant-restrictions.js';
import { playedPast } from '../helpers/events.js';
import { KID, licenseUrl, uniqueId } from '../helpers/license-server.js';

/** test/fixtures/multi-variant: video under KID video (representation 0) and KID video-2 (representation 2), audio. */
const DIR = '/test/fixtures/multi-variant/';
const LOW = [KID.video, KID.audio].sort();
const HIGH = [KID.video2, KID.audio].sort();

interface Harness {
  session: StreamingSession;
  media: HTMLVideoElement;
  /** Sets the restricted KIDs, as the element does on 'keystatuseschange'. */
  restrict(kids: string[]): void;
  /** Every onNoPlayableVariant call. */
  reports: (readonly string[] | null)[];
}

const sessions: StreamingSession[] = [];
afterEach(async () => {
  await Promise.all(sessions.splice(0).map((s) => s.destroy()));
  for (const v of document.querySelectorAll('video[data-variant-test]')) v.remove();
});

/**
 * A real StreamingSession (shaka-player, real segments) on the bundled CDM with licenses from the real license
 * server: the streaming layer's side of the element, with the restricted KIDs set by the test.
 */
async function start(manifest: string): Promise<Harness> {
  const access = await requestClearKeyAccess('org.w3.clearkey', [
    {
      initDataTypes: ['cenc'],
      videoCapabilities: [{ contentType: 'video/mp4; codecs="avc1.42c01e"' }],
      audioCapabilities: [{ contentType: 'audio/mp4; codecs="mp4a.40.2"' }],
    },
  ]);
  const mediaKeys = await access.createMediaKeys();
  const store = keyStoreOf(mediaKeys)!;
  const url = licenseUrl(uniqueId('variants'));
  const seen = new Set<string>();
  let listener: (kids: readonly string[]) => void = () => {};
  const reports: (readonly string[] | null)[] = [];
  const drm: DrmHooks = {
    onEncryptionScheme: () => {},
    onInitData: (type, data) => {
      if (seen.has(toHex(data))) return;
      seen.add(toHex(data));
      const s = mediaKeys.createSession();
      s.addEventListener('message', (e) => {
        void fetch(url, { method: 'POST', body: (e as MediaKeyMessageEvent).message })
          .then((r) => r.arrayBuffer())
          .then((license) => s.update(license));
      });
      void s.generateRequest(type, data as Uint8Array<ArrayBuffer>);
    },
    onKeyIds: () => {},
    decryption: () => Promise.resolve(store),
    onWaitingForKey: () => {},
    watchRestrictedKeys: (l) => {
      listener = l;
      l([]);
    },
    onNoPlayableVariant: (kids) => reports.push(kids),
  };
  const media = document.createElement('video');
  media.muted = true;
  media.dataset['variantTest'] = '';
  document.body.append(media);
  const session = await StreamingSession.start({
    media,
    src: new URL(DIR + manifest, location.href).href,
    signal: new AbortController().signal,
    onError: (e) => reports.push([`error ${e.message}`]),
    drm,
  });
  sessions.push(session);
  return { session, media, restrict: (kids) => listener(kids), reports };
}

const keyIdsOf = (s: StreamingSession) => s.variants.map((v) => v.keyIds.join(',')).sort();

describe('streaming: variants and the KIDs they need', () => {
  it('DASH: each variant maps to its Representation cenc:default_KID and the audio KID', async () => {
    const { session } = await start('manifest.mpd');
    expect(keyIdsOf(session)).to.deep.equal([HIGH.join(','), LOW.join(',')].sort());
    const high = session.variants.find((v) => v.keyIds.includes(KID.video2))!;
    const low = session.variants.find((v) => v.keyIds.includes(KID.video))!;
    expect(high.bandwidth).to.be.greaterThan(low.bandwidth);
  });

  // HLS (and DASH without cenc:default_KID): shaka's streams carry no KIDs with ignoreDrmInfo, so a stream maps
  // through the init segment seen for it (the segment filter reports it with the stream's first segment).
  it('a stream the manifest gives no KID maps through the default KIDs of its init segment', () => {
    const variant: RestrictableVariant = {
      id: 7,
      bandwidth: 1,
      video: { id: 1, keyIds: new Set() },
      audio: { id: 2, keyIds: new Set([KID.audio.toUpperCase()]) },
      allowedByApplication: true,
      allowedByKeySystem: true,
    };
    expect([...variantKeyIds(variant)]).to.deep.equal([KID.audio]);
    expect([...variantKeyIds(variant, new Map([[1, [KID.video2]]]))].sort()).to.deep.equal(HIGH);
    const { blocked, playableLeft } = restrictedVariants(
      [variant],
      new Set([KID.video2]),
      new Map([[1, [KID.video2]]]),
    );
    expect([...blocked]).to.deep.equal([variant]);
    expect(playableLeft).to.equal(false);
  });
});

describe('streaming: restricting and restoring variants by key status', () => {
  it('a restricted KID drops its variant, playback goes on with the other, and a usable status restores it', async () => {
    const h = await start('manifest.mpd');
    h.restrict([KID.video2]);
    const dropped = h.session.variants.filter((v) => v.dropped).map((v) => v.keyIds.join(','));
    expect(dropped).to.deep.equal([HIGH.join(',')]);
    await h.media.play();
    await playedPast(h.media, 2.5);
    const active = h.session.variants.find((v) => v.active);
    expect(active?.keyIds, 'the variant played').to.deep.equal(LOW);
    expect(h.reports).to.deep.equal([]);

    h.restrict([]);
    expect(h.session.variants.filter((v) => v.dropped)).to.deep.equal([]);
    expect(h.session.variants).to.have.length(2);
    await playedPast(h.media, 3.5);
    expect(h.reports).to.deep.equal([]);
  });

  it('when every variant is restricted nothing is dropped and the owner is told, then told again when one is usable', async () => {
    const h = await start('manifest.mpd');
    h.restrict([KID.video, KID.video2]);
    expect(h.session.variants.filter((v) => v.dropped)).to.deep.equal([]);
    expect(h.reports).to.have.length(1);
    expect([...h.reports[0]!].sort()).to.deep.equal([KID.video, KID.video2].sort());

    h.restrict([KID.video2]);
    expect(h.reports).to.have.length(2);
    expect(h.reports[1]).to.equal(null);
    expect(h.session.variants.filter((v) => v.dropped).map((v) => v.keyIds)).to.deep.equal([HIGH]);
    await h.media.play();
    await playedPast(h.media, 1.5);
  });
});
