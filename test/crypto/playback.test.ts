// Issue 3 item 4 (d): the rewritten clear init and the decrypted segments of every packager fixture play through
// MSE, with no EME involved (WebKit here has none).
import { expect } from '@open-wc/testing';
import { parseInit } from '../../src/mp4/init.js';
import { rewriteInitToClear } from '../../src/mp4/rewrite.js';
import { decryptSegment } from '../../src/cenc/decrypt-segment.js';
import type { KeyLookup } from '../../src/crypto/keys.js';
import { playedPast, until } from '../helpers/events.js';
import {
  fetchBytes,
  loadIndex,
  loadKeys,
  type Fixture,
  type FixtureIndex,
  type FixtureTrack,
} from './helpers/fixtures.js';

async function append(sb: SourceBuffer, bytes: Uint8Array): Promise<void> {
  const done = until(sb, 'updateend');
  sb.appendBuffer(bytes.slice());
  await done;
}

async function clearTrackBytes(fixture: Fixture, track: FixtureTrack, keys: KeyLookup): Promise<Uint8Array[]> {
  const initBytes = await fetchBytes(fixture.path + track.init);
  const init = parseInit(initBytes);
  const out = [rewriteInitToClear(initBytes)];
  for (const seg of track.segments)
    out.push(await decryptSegment(await fetchBytes(fixture.path + seg.file), init, keys));
  return out;
}

describe('crypto: decrypted fixtures play through MSE', () => {
  let index: FixtureIndex;
  let keys: KeyLookup;

  before(async () => {
    index = await loadIndex();
    keys = await loadKeys();
  });

  it('plays every fixture (video + audio) from rewritten init and decrypted segments', async () => {
    for (const fixture of index.fixtures) {
      const video = document.createElement('video');
      video.muted = true;
      document.body.append(video);
      const ms = new MediaSource();
      video.src = URL.createObjectURL(ms);
      try {
        await until(ms, 'sourceopen');
        const buffers = fixture.tracks.map((t) => ms.addSourceBuffer(`${t.mimeType}; codecs="${t.codecs}"`));
        const bytes = await Promise.all(fixture.tracks.map((t) => clearTrackBytes(fixture, t, keys)));
        await Promise.all(
          buffers.map(async (sb, i) => {
            for (const b of bytes[i]!) await append(sb, b);
          }),
        );
        const seconds = (t: FixtureTrack): number => t.segments.reduce((a, s) => a + s.duration, 0) / t.timescale;
        for (const [i, sb] of buffers.entries()) {
          expect(sb.buffered.length, `${fixture.name} track ${i} buffered ranges`).to.equal(1);
          // Every segment was accepted: the buffered range reaches the last segment.
          expect(sb.buffered.end(0), `${fixture.name} track ${i}`).to.be.greaterThan(seconds(fixture.tracks[i]!) - 1);
        }
        ms.endOfStream();
        await video.play();
        await playedPast(video, 0.5);
        expect(video.error, fixture.name).to.equal(null);
        expect(video.currentTime, fixture.name).to.be.greaterThan(0.5);
      } finally {
        video.pause();
        URL.revokeObjectURL(video.src);
        video.remove();
      }
    }
  });
});
