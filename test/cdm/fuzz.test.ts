// Hostile input for the bundled CDM's parsers (issue 9 item 2): init data of the three types it takes (cenc, keyids,
// webm; EME Initialization Data Format Registry) and update() responses (EME 9.1.4 JWK Set, 9.1.6 release
// acknowledgement). The EME algorithms name the errors these must give: a TypeError for data that is not valid for
// its type, a NotSupportedError DOMException for valid data naming no usable key (generateRequest step 10); nothing
// else may escape. What they return is bounded by the input: no key ID longer than 512 bytes, no more key bytes than
// input bytes, and nothing allocated beyond the input's size.
import { expect } from '@open-wc/testing';
import fc from 'fast-check';
import { toBase64Url } from '../../src/cdm/bytes.js';
import { extractKeyIds, MAX_INIT_DATA_BYTES, MAX_KEY_ID_BYTES } from '../../src/cdm/init-data.js';
import { KEY_BYTES, licenseRequest, parseResponse } from '../../src/cdm/license.js';
import { CLEAR_KEY_SYSTEM_ID } from '../../src/mp4/boxes/pssh.js';
import { fromHex } from '../../src/mp4/bytes.js';
import { concat } from '../../src/mp4/writer.js';
import { clearKeyPssh } from '../mp4/helpers/build.js';
import { applyMutations, mutations } from '../mp4/helpers/mutate.js';
import { fuzz, largestAllocation } from '../helpers/fuzz.js';
import { leaks, secretsOf } from '../helpers/key-material.js';

const KID = fromHex('a0a1a2a3a4a5a6a7a8a9aaabacadaeaf');
const KID2 = fromHex('c0c1c2c3c4c5c6c7c8c9cacbcccdcecf');
const KEY = fromHex('1029289c9986d8881d0c8ccef1a80573');
const encoder = new TextEncoder();
const json = (value: unknown): Uint8Array => encoder.encode(JSON.stringify(value));

/** The only failures EME allows these parsers: TypeError, or a DOMException named NotSupportedError. */
function expectEmeError(e: unknown): void {
  if (e instanceof TypeError) return;
  if (e instanceof DOMException && e.name === 'NotSupportedError') return;
  throw e;
}

/** Runs `fn` under the allocation probe; no allocation beyond the input's length (plus the parsers' fixed tables). */
function bounded<T>(input: Uint8Array, fn: () => T): T | undefined {
  const run = largestAllocation(fn);
  expect(run.bytes, 'largest allocation').to.be.at.most(input.length + 64);
  if ('error' in run) {
    expectEmeError(run.error);
    return undefined;
  }
  return run.value;
}

/** Text damage for JSON: bytes flipped, cut or inserted (the same byte-level mutations as for boxes). */
const jsonDamage = fc.option(mutations, { nil: undefined, freq: 3 });

/** base64url strings: valid ones of any length, near-misses (padding, '+', '/', stray bits) and arbitrary text. */
const b64Text = fc.oneof(
  fc.uint8Array({ maxLength: 40 }).map(toBase64Url),
  fc.uint8Array({ minLength: 1, maxLength: 20 }).map((b) => btoa(String.fromCharCode(...b))),
  fc.string({ maxLength: 30 }),
  fc.constantFrom('', 'A', 'AB', 'AB==', 'oKGio6SlpqeoqaqrrK2urw', 'oKGio6SlpqeoqaqrrK2urx', 'a+b/'),
);
const anyJson = fc.jsonValue({ maxDepth: 3 });

describe('cdm init data and license parsers under generated and mutated input (fast-check)', () => {
  const validCenc = concat(clearKeyPssh([KID]), clearKeyPssh([KID, KID2]));

  it("extractKeyIds('cenc'): arbitrary bytes, mutated and generated pssh lists", async function () {
    const generatedPssh = fc
      .record({
        version: fc.constantFrom(0, 1, 2),
        system: fc.oneof(fc.constant(CLEAR_KEY_SYSTEM_ID), fc.uint8Array({ minLength: 16, maxLength: 16 })),
        kids: fc.array(fc.uint8Array({ minLength: 16, maxLength: 16 }), { maxLength: 5 }),
        data: fc.uint8Array({ maxLength: 20 }),
      })
      .map(({ version, system, kids, data }) => {
        const countAndKids = version >= 1 ? [Uint8Array.of(0, 0, 0, kids.length), ...kids] : [];
        const body = concat(
          Uint8Array.of(version, 0, 0, 0),
          system,
          ...countAndKids,
          Uint8Array.of(0, 0, 0, data.length),
          data,
        );
        return concat(
          Uint8Array.of(0, 0, (8 + body.length) >> 8, (8 + body.length) & 0xff),
          encoder.encode('pssh'),
          body,
        );
      });
    const input = fc.oneof(
      fc.uint8Array({ maxLength: 150 }),
      mutations.map((m) => applyMutations(validCenc, m)),
      fc.array(generatedPssh, { minLength: 1, maxLength: 3 }).map((list) => concat(...list)),
    );
    let found = 0;
    await fuzz(
      this,
      fc.property(input, (bytes) => {
        const kids = bounded(bytes, () => extractKeyIds('cenc', bytes));
        if (!kids) return;
        found++;
        expect(kids.length).to.be.greaterThan(0);
        expect(kids.length * 16).to.be.at.most(bytes.length);
        for (const kid of kids) expect(kid.length).to.equal(16);
      }),
      1500,
    );
    expect(found, 'cases that gave key IDs').to.be.greaterThan(0);
  });

  it("extractKeyIds('keyids'): generated, damaged and arbitrary JSON", async function () {
    const kidsObject = fc.oneof(
      fc.record({ kids: fc.array(b64Text, { maxLength: 6 }) }),
      fc.record({ kids: fc.array(fc.oneof(b64Text, anyJson), { maxLength: 4 }), type: anyJson }),
      fc.dictionary(fc.string({ maxLength: 6 }), anyJson, { maxKeys: 4 }),
      anyJson,
    );
    const input = fc.oneof(
      fc.tuple(kidsObject, jsonDamage).map(([value, m]) => (m ? applyMutations(json(value), m) : json(value))),
      fc.uint8Array({ maxLength: 100 }),
      fc.string({ maxLength: 100 }).map((s) => encoder.encode(s)),
    );
    let found = 0;
    await fuzz(
      this,
      fc.property(input, (bytes) => {
        const kids = bounded(bytes, () => extractKeyIds('keyids', bytes));
        if (!kids) return;
        found++;
        expect(kids.length).to.be.greaterThan(0);
        for (const kid of kids) expect(kid.length).to.be.within(1, MAX_KEY_ID_BYTES);
        expect(kids.reduce((sum, k) => sum + k.length, 0)).to.be.at.most(bytes.length);
      }),
      1500,
    );
    expect(found, 'cases that gave key IDs').to.be.greaterThan(0);
  });

  it("extractKeyIds('webm') and unknown types; oversized init data is a TypeError", async function () {
    await fuzz(
      this,
      fc.property(
        fc.constantFrom('webm', 'webm', 'cenc', 'keyids', 'unknown', '', 'CENC'),
        fc.uint8Array({ maxLength: 700 }),
        (type, bytes) => {
          const kids = bounded(bytes, () => extractKeyIds(type, bytes));
          if (kids)
            for (const kid of kids) expect(kid.length).to.be.within(1, Math.min(bytes.length, MAX_KEY_ID_BYTES));
        },
      ),
      500,
    );
    expect(() => extractKeyIds('keyids', new Uint8Array(MAX_INIT_DATA_BYTES + 1))).to.throw(TypeError);
  });

  it('parseResponse: generated, damaged and arbitrary JWK Sets and release acknowledgements', async function () {
    const jwk = fc.oneof(
      fc.record({ kty: fc.constant('oct'), kid: b64Text, k: b64Text }),
      fc.record(
        {
          kty: fc.oneof(fc.constant('oct'), anyJson),
          kid: fc.oneof(b64Text, anyJson),
          k: fc.oneof(fc.uint8Array({ minLength: 16, maxLength: 16 }).map(toBase64Url), b64Text, anyJson),
          alg: anyJson,
        },
        { requiredKeys: [] },
      ),
      anyJson,
    );
    const response = fc.oneof(
      fc.record(
        {
          keys: fc.array(jwk, { maxLength: 4 }),
          type: fc.oneof(fc.constantFrom('temporary', 'persistent-license'), anyJson),
        },
        { requiredKeys: ['keys'] },
      ),
      fc.record({ kids: fc.oneof(fc.array(b64Text, { maxLength: 4 }), anyJson) }),
      anyJson,
    );
    const valid = json({ keys: [{ kty: 'oct', kid: toBase64Url(KID), k: toBase64Url(KEY) }], type: 'temporary' });
    const input = fc.oneof(
      fc.tuple(response, jsonDamage).map(([value, m]) => (m ? applyMutations(json(value), m) : json(value))),
      mutations.map((m) => applyMutations(valid, m)),
      fc.uint8Array({ maxLength: 100 }),
    );
    let licenses = 0;
    await fuzz(
      this,
      fc.property(input, (bytes) => {
        const parsed = bounded(bytes, () => parseResponse(bytes));
        if (!parsed) return;
        if (parsed.kind === 'release-ack') {
          for (const kid of parsed.kids) expect(kid.length).to.be.within(1, MAX_KEY_ID_BYTES);
          return;
        }
        licenses++;
        expect(parsed.keys.length).to.be.greaterThan(0);
        expect(['temporary', 'persistent-license', undefined]).to.include(parsed.type);
        for (const { kid, key } of parsed.keys) {
          expect(key.length).to.equal(KEY_BYTES);
          expect(kid.length).to.be.within(1, MAX_KEY_ID_BYTES);
        }
        expect(parsed.keys.length * KEY_BYTES).to.be.at.most(bytes.length);
      }),
      1500,
    );
    expect(licenses, 'cases that gave a license').to.be.greaterThan(0);
  });

  it('a rejected response names no key: error messages hold no base64url or hex of a key in it', async function () {
    // The key is real base64url; the response around it is damaged so that parsing fails somewhere after the key.
    const secret = toBase64Url(KEY);
    const hex = '1029289c9986d8881d0c8ccef1a80573';
    const valid = json({ keys: [{ kty: 'oct', kid: toBase64Url(KID), k: secret }], type: 'temporary' });
    await fuzz(
      this,
      fc.property(mutations, (m) => {
        const bytes = applyMutations(valid, m);
        try {
          parseResponse(bytes);
        } catch (e) {
          expectEmeError(e);
          const message = (e as Error).message;
          expect(message).not.to.include(secret);
          expect(message.toLowerCase()).not.to.include(hex);
          // Nor in any other form, in the error's data or cause.
          expect(leaks(e, secretsOf([KEY]), 'error')).to.deep.equal([]);
        }
      }),
      500,
    );
    // And the request format round-trips key IDs only.
    expect(new TextDecoder().decode(licenseRequest([KID], 'temporary'))).not.to.include(secret);
  });
});
