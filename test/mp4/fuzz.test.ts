import { expect } from '@open-wc/testing';
import fc from 'fast-check';
import { readBoxes } from '../../src/mp4/box.js';
import { fromHex } from '../../src/mp4/bytes.js';
import { Mp4ParseError } from '../../src/mp4/errors.js';
import { parseInit, type InitInfo } from '../../src/mp4/init.js';
import { parseSegment } from '../../src/mp4/segment.js';
import { rewriteInitToClear } from '../../src/mp4/rewrite.js';
import { parsePsshList } from '../../src/mp4/boxes/pssh.js';
import { concat } from '../../src/mp4/writer.js';
import { buildInit, buildSegment, clearKeyPssh } from './helpers/build.js';
import { applyMutations, mutations } from './helpers/mutate.js';

// Property: on any input, the parsers either return or throw Mp4ParseError; never another exception, never a hang.
function onlyMp4Errors(fn: () => unknown): boolean {
  try {
    fn();
    return true;
  } catch (e) {
    if (e instanceof Mp4ParseError) return true;
    throw e;
  }
}

const KID = fromHex('a0a1a2a3a4a5a6a7a8a9aaabacadaeaf');
const KID2 = fromHex('c0c1c2c3c4c5c6c7c8c9cacbcccdcecf');
const RUNS = 2000;

async function fixture(path: string): Promise<Uint8Array> {
  return new Uint8Array(await (await fetch(new URL(path, location.origin))).arrayBuffer());
}

describe('mp4 parsers under generated and mutated input (fast-check)', () => {
  let inits: Uint8Array[] = [];
  let segments: { init: InitInfo; bytes: Uint8Array }[] = [];

  before(async () => {
    const clearInit = await fixture('/test/fixtures/clear/init-0.mp4');
    const clearSeg = await fixture('/test/fixtures/clear/seg-0-1.m4s');
    const cencInit = buildInit({
      scheme: 'cenc',
      tenc: { isProtected: true, ivSize: 8, kid: KID },
      pssh: [clearKeyPssh([KID])],
    });
    const cbcsInit = buildInit({
      kind: 'audio',
      scheme: 'cbcs',
      tenc: { isProtected: true, ivSize: 0, constantIv: new Uint8Array(16).fill(3), kid: KID, crypt: 1, skip: 9 },
      stblSeig: [{ isProtected: true, ivSize: 16, kid: KID2 }],
    });
    inits = [clearInit, cencInit, cbcsInit];
    const iv = fromHex('0102030405060708');
    const samples = [40, 33, 100].map((n, i) => ({
      data: new Uint8Array(n).fill(i),
      iv,
      subsamples: [[5, n - 5]] as [number, number][],
    }));
    segments = [
      { init: parseInit(clearInit), bytes: clearSeg },
      { init: parseInit(cencInit), bytes: buildSegment({ samples, moofPssh: [clearKeyPssh([KID])] }) },
      { init: parseInit(cencInit), bytes: buildSegment({ samples, aux: 'mdat' }) },
      {
        init: parseInit(cencInit),
        bytes: buildSegment({ samples, aux: 'piff', piffOverride: { ivSize: 8, kid: KID2 } }),
      },
      {
        init: parseInit(cencInit),
        bytes: buildSegment({
          samples,
          localSeig: [{ isProtected: true, ivSize: 8, kid: KID2 }],
          sbgp: [
            [1, 0x10001],
            [2, 0],
          ],
        }),
      },
      {
        init: parseInit(cbcsInit),
        bytes: buildSegment({ samples: samples.map((s) => ({ data: s.data })), aux: 'none' }),
      },
    ];
  });

  it('readBoxes on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => onlyMp4Errors(() => readBoxes(bytes))),
      { numRuns: RUNS },
    );
  });

  it('parsePsshList on arbitrary and on mutated pssh lists', () => {
    const valid = concat(clearKeyPssh([KID]), clearKeyPssh([KID, KID2]));
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (b) => onlyMp4Errors(() => parsePsshList(b))),
      { numRuns: RUNS },
    );
    fc.assert(
      fc.property(mutations, (m) => onlyMp4Errors(() => parsePsshList(applyMutations(valid, m)))),
      { numRuns: RUNS },
    );
  });

  it('parseInit and rewriteInitToClear on mutated init segments; the clear form never grows', () => {
    fc.assert(
      fc.property(fc.nat(), mutations, (which, m) => {
        const bytes = applyMutations(inits[which % inits.length]!, m);
        onlyMp4Errors(() => parseInit(bytes));
        return onlyMp4Errors(() => {
          const out = rewriteInitToClear(bytes);
          expect(out.length).to.be.at.most(bytes.length);
        });
      }),
      { numRuns: RUNS },
    );
  });

  it('parseSegment on mutated media segments; every sample lies inside the input', () => {
    fc.assert(
      fc.property(fc.nat(), mutations, (which, m) => {
        const { init, bytes: original } = segments[which % segments.length]!;
        const bytes = applyMutations(original, m);
        return onlyMp4Errors(() => {
          const info = parseSegment(bytes, init);
          for (const s of info.samples) expect(s.offset + s.size).to.be.at.most(bytes.length);
          expect(info.samples.length).to.be.at.most(bytes.length / 4);
        });
      }),
      { numRuns: RUNS },
    );
  });

  it('parseSegment on arbitrary bytes behind a valid moof header', () => {
    const init = buildInit({ scheme: 'cenc', tenc: { isProtected: true, ivSize: 8, kid: KID } });
    const info = parseInit(init);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (tail) => {
        const bytes = concat(Uint8Array.of(0, 0, 0, 8 + tail.length), Uint8Array.of(0x6d, 0x6f, 0x6f, 0x66), tail);
        return onlyMp4Errors(() => parseSegment(bytes, info));
      }),
      { numRuns: RUNS },
    );
  });
});
