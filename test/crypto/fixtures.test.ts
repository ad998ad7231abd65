// Issue 3 item 4 (c): our decryptor turns every encrypted fixture made by tools/packager back into sample bytes
// identical to the clear source it was made from.
import { expect } from '@open-wc/testing';
import { toHex } from '../../src/mp4/bytes.js';
import { parseInit } from '../../src/mp4/init.js';
import { parseSegment } from '../../src/mp4/segment.js';
import { rewriteInitToClear } from '../../src/mp4/rewrite.js';
import { decryptSegment } from '../../src/cenc/decrypt-segment.js';
import type { KeyLookup } from '../../src/crypto/keys.js';
import { fetchBytes, loadIndex, loadKeys, type FixtureIndex } from './helpers/fixtures.js';

describe('crypto: every packager fixture decrypts to the clear source samples', () => {
  let index: FixtureIndex;
  let keys: KeyLookup;

  before(async () => {
    index = await loadIndex();
    keys = await loadKeys();
  });

  it('covers all four schemes', () => {
    const schemes = new Set(index.fixtures.map((f) => f.scheme));
    expect([...schemes].sort()).to.deep.equal(['cbc1', 'cbcs', 'cenc', 'cens']);
  });

  it('decrypts every segment of every fixture to the clear sample bytes', async () => {
    let checkedSamples = 0;
    let protectedSamples = 0;
    for (const fixture of index.fixtures) {
      for (const track of fixture.tracks) {
        const where = `${fixture.name} track ${track.id}`;
        const encInitBytes = await fetchBytes(fixture.path + track.init);
        const encInit = parseInit(encInitBytes);
        const clearInit = parseInit(await fetchBytes(index.clearPath + track.clearInit));
        expect(encInit.tracks[0]!.protection?.scheme, where).to.equal(fixture.scheme);
        const rewritten = parseInit(rewriteInitToClear(encInitBytes));
        expect(rewritten.tracks[0]!.protection, where).to.equal(undefined);
        expect(rewritten.tracks[0]!.format, where).to.equal(clearInit.tracks[0]!.format);
        for (const seg of track.segments) {
          const encBytes = await fetchBytes(fixture.path + seg.file);
          const clearBytes = await fetchBytes(index.clearPath + seg.clear);
          const encInfo = parseSegment(encBytes, encInit);
          protectedSamples += encInfo.samples.filter((s) => s.encryption).length;
          if (seg.kid) expect(encInfo.kids.map(toHex), `${where} ${seg.file}`).to.include(seg.kid);
          const out = await decryptSegment(encBytes, encInit, keys);
          const got = parseSegment(out, rewritten).samples;
          const want = parseSegment(clearBytes, clearInit).samples;
          expect(got.length, `${where} ${seg.file}`).to.equal(want.length);
          got.forEach((s, i) => {
            const a = out.subarray(s.offset, s.offset + s.size);
            const w = want[i]!;
            const b = clearBytes.subarray(w.offset, w.offset + w.size);
            expect(toHex(a), `${where} ${seg.file} sample ${i}`).to.equal(toHex(b));
          });
          checkedSamples += got.length;
        }
      }
    }
    expect(checkedSamples).to.be.greaterThan(100);
    expect(protectedSamples).to.be.greaterThan(100);
  });
});
