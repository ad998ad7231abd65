// Interop path "bytes": the samples our decryptor (src/cenc/decrypt-segment.ts, as the bundled CDM's streaming path calls it)
// makes of another packager's encrypted files equal that packager's own decrypted output, sample by sample, byte for
// byte (ISO/IEC 23001-7 9-10: the clear sample is defined by the scheme, so any correct decryptor gives these bytes).
// Run by each browser: the AES comes from its WebCrypto.
import { expect } from '@open-wc/testing';
import { decryptSegment } from '../../src/cenc/decrypt-segment.js';
import { parseInit } from '../../src/mp4/init.js';
import { parseSegment } from '../../src/mp4/segment.js';
import { bytesOf, cases, fromHex, keysOf, report, toHex, tracksOf, verdict } from './corpus.js';
import type { InteropCase } from './corpus.js';

function samplesOf(bytes: Uint8Array, at: { offset: number; size: number }[]): Uint8Array[] {
  return at.map((s) => bytes.subarray(s.offset, s.offset + s.size));
}

async function decryptedSamples(c: InteropCase, init: string, segments: string[]): Promise<Uint8Array[]> {
  const keys = keysOf(c);
  const initBytes = await bytesOf(init);
  const info = parseInit(initBytes);
  const out: Uint8Array[] = [];
  // A single file is its own init segment and media: parseSegment reads its moof/mdat pairs.
  for (const bytes of segments.length ? await Promise.all(segments.map(bytesOf)) : [initBytes]) {
    const parsed = parseSegment(bytes, info);
    const clear = await decryptSegment(bytes, info, (kid) => {
      const key = keys[toHex(kid)];
      if (!key) throw new Error(`cases.json has no key for KID ${toHex(kid)}`);
      return Promise.resolve(fromHex(key));
    });
    out.push(...samplesOf(clear, parsed.samples));
  }
  return out;
}

describe('interop: decrypted samples equal the packager’s clear output', () => {
  it('the corpus lists cases', () => {
    expect(cases.length).to.be.greaterThan(0);
  });

  for (const c of cases) {
    const tracks = tracksOf(c);
    if (tracks.some((t) => !t.expectedClear)) {
      // Not a test: the case ships no clear output to compare with (its playback paths still run).
      void report(c, 'bytes', 'skipped', 'no expected_clear in cases.json');
      continue;
    }
    it(c.id, async () => {
      await verdict(c, 'bytes', async () => {
        const counts: string[] = [];
        for (const t of tracks) {
          const ours = await decryptedSamples(c, t.init, t.segments);
          const clearBytes = await bytesOf(t.expectedClear!);
          const theirs = samplesOf(clearBytes, parseSegment(clearBytes, parseInit(clearBytes)).samples);
          expect(ours.length, `${t.init}: sample count`).to.equal(theirs.length);
          for (let i = 0; i < ours.length; i++) {
            const a = ours[i]!;
            const b = theirs[i]!;
            if (a.length !== b.length || a.some((v, j) => v !== b[j])) {
              const at = a.findIndex((v, j) => v !== b[j]);
              throw new Error(`${t.init}: sample ${i} differs (sizes ${a.length}/${b.length}, first byte ${at})`);
            }
          }
          counts.push(`${t.init.split('/').pop()}: ${ours.length} samples`);
        }
        return counts.join(', ');
      });
    });
  }
});
