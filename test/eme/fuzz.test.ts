// Hostile input for the EME controller's init data helpers (issue 9 item 2): kidsOfInitData reads init data the page
// or the media hands the controller before the CDM sees it, so it must never throw (null means "cannot tell") and
// must only ever report 16-byte KIDs that the data really holds; initDataKey must name the data exactly.
import { expect } from '@open-wc/testing';
import fc from 'fast-check';
import { initDataKey, keyIdsInitData, kidsOfInitData } from '../../src/eme/init-data.js';
import { fromHex } from '../../src/mp4/bytes.js';
import { concat } from '../../src/mp4/writer.js';
import { clearKeyPssh } from '../mp4/helpers/build.js';
import { applyMutations, mutations } from '../mp4/helpers/mutate.js';
import { fuzz, largestAllocation } from '../helpers/fuzz.js';

const KID = fromHex('a0a1a2a3a4a5a6a7a8a9aaabacadaeaf');
const KID2 = fromHex('c0c1c2c3c4c5c6c7c8c9cacbcccdcecf');
const TYPES = ['cenc', 'keyids', 'webm', 'unknown', ''];

describe('eme init data helpers under generated and mutated input (fast-check)', () => {
  const valid: Record<string, Uint8Array> = {
    cenc: concat(clearKeyPssh([KID]), clearKeyPssh([KID, KID2])),
    keyids: keyIdsInitData([KID, KID2]),
    webm: KID,
  };

  it('kidsOfInitData never throws, allocates within the input, and reports only 16-byte KIDs', async function () {
    const input = fc.oneof(
      fc.tuple(fc.constantFrom(...TYPES), fc.uint8Array({ maxLength: 120 })),
      fc
        .tuple(fc.constantFrom('cenc', 'keyids', 'webm'), mutations)
        .map(([type, m]) => [type, applyMutations(valid[type]!, m)] as const),
      fc
        .tuple(
          fc.array(fc.oneof(fc.string({ maxLength: 30 }), fc.jsonValue({ maxDepth: 1 })), { maxLength: 4 }),
          fc.jsonValue({ maxDepth: 2 }),
        )
        .map(([kids, other]) => ['keyids', new TextEncoder().encode(JSON.stringify({ kids, other }))] as const),
    );
    let found = 0;
    await fuzz(
      this,
      fc.property(input, ([type, bytes]) => {
        const run = largestAllocation(() => kidsOfInitData(type, bytes));
        if ('error' in run) throw run.error;
        expect(run.bytes).to.be.at.most(bytes.length + 64);
        const kids = run.value;
        if (kids === null || kids === undefined) return;
        found++;
        expect(kids.length).to.be.greaterThan(0);
        expect(kids.length * 16).to.be.at.most(bytes.length);
        for (const kid of kids) expect(kid).to.match(/^[0-9a-f]{32}$/);
      }),
      1500,
    );
    expect(found, 'cases that named KIDs').to.be.greaterThan(0);
  });

  it('initDataKey tells every distinct (type, data) pair apart', async function () {
    await fuzz(
      this,
      fc.property(
        fc.constantFrom(...TYPES),
        fc.uint8Array({ maxLength: 40 }),
        fc.constantFrom(...TYPES),
        fc.uint8Array({ maxLength: 40 }),
        (t1, b1, t2, b2) => {
          const same = t1 === t2 && b1.length === b2.length && b1.every((b, i) => b === b2[i]);
          expect(initDataKey(t1, b1) === initDataKey(t2, b2)).to.equal(same);
        },
      ),
      500,
    );
  });
});
