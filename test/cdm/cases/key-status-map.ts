// The MediaKeyStatusMap conformance cases for one implementation (a Clear Key MediaKeySystemAccess source): called by
// test/cdm/key-status-map.test.ts for native Clear Key and the bundled CDM, and by test/polyfill/conformance.test.ts for the
// polyfill's global entry points.
import { expect } from '@open-wc/testing';
import {
  b64url,
  expected,
  hex,
  json,
  keyIdsInitData,
  mediaKeysFor,
  next,
  sharedBuffers,
  testKeys,
  toHexString,
  type TestKeys,
  type Implementation,
} from '../conformance.js';

/** The MediaKeyStatusMap cases, against `impl`. */
export function describeKeyStatusMapCases(impl: Implementation): void {
  describe(`cdm conformance (${impl.name}): MediaKeyStatusMap`, () => {
    let keys: TestKeys;
    let map: MediaKeyStatusMap;
    let VIDEO: string;
    let AUDIO: string;
    let ROT1: string;

    before(async () => {
      keys = await testKeys();
      VIDEO = keys.names.video;
      AUDIO = keys.names.audio;
      ROT1 = keys.names['rotation-1'];
      const mediaKeys = await mediaKeysFor(impl);
      const session = mediaKeys.createSession();
      const message = next(session, 'message');
      await session.generateRequest('keyids', keyIdsInitData(ROT1, AUDIO, VIDEO));
      await message;
      const change = next(session, 'keystatuseschange');
      // Given out of order on purpose: the map orders by key ID, not by license order.
      await session.update(
        json({
          keys: [ROT1, VIDEO, AUDIO].map((kid) => ({ kty: 'oct', kid: b64url(kid), k: b64url(keys.keys[kid]!) })),
        }),
      );
      await change;
      map = session.keyStatuses;
    });

    it('has size and iterates [ArrayBuffer key ID, status] pairs in key ID order (EME 5.2)', () => {
      expect(map.size).to.equal(3);
      const entries = [...map];
      for (const [kid] of entries) expect(Object.prototype.toString.call(kid)).to.equal('[object ArrayBuffer]');
      expect(entries.map(([kid, status]) => `${toHexString(kid as ArrayBuffer)}=${status}`)).to.deep.equal([
        `${VIDEO}=usable`,
        `${AUDIO}=usable`,
        `${ROT1}=usable`,
      ]);
    });

    it('offers keys(), values() and entries() iterators that agree with iteration', () => {
      expect([...map.keys()].map((k) => toHexString(k as ArrayBuffer))).to.deep.equal([VIDEO, AUDIO, ROT1]);
      expect([...map.values()]).to.deep.equal(['usable', 'usable', 'usable']);
      expect([...map.entries()].map(([k, v]) => [toHexString(k as ArrayBuffer), v])).to.deep.equal([
        [VIDEO, 'usable'],
        [AUDIO, 'usable'],
        [ROT1, 'usable'],
      ]);
      const it = map.keys();
      expect(it[Symbol.iterator]()).to.equal(it);
    });

    it('calls forEach with (value, key, map) and thisArg', () => {
      const self = {};
      const seen: unknown[] = [];
      map.forEach(function (this: unknown, value, key, parent) {
        seen.push([this === self, value, toHexString(key as ArrayBuffer), parent === map]);
      }, self);
      expect(seen).to.deep.equal([
        [true, 'usable', VIDEO, true],
        [true, 'usable', AUDIO, true],
        [true, 'usable', ROT1, true],
      ]);
    });

    it('answers has() and get() for any BufferSource holding the key ID', () => {
      const kid = hex(AUDIO);
      const padded = new Uint8Array(20);
      padded.set(kid, 2);
      for (const source of [kid, kid.buffer, new DataView(kid.buffer), padded.subarray(2, 18)]) {
        expect(map.has(source)).to.equal(true);
        expect(map.get(source)).to.equal('usable');
      }
      expect(map.has(hex(keys.names.unknown))).to.equal(false);
      expect(map.get(hex(keys.names.unknown))).to.equal(undefined);
      expect(map.has(hex(AUDIO).subarray(0, 15))).to.equal(false);
    });

    it('throws TypeError from has()/get() for a key ID that is not a BufferSource', () => {
      expect(() => map.has('a0a1' as any)).to.throw(TypeError);
      expect(() => map.get({} as any)).to.throw(TypeError);
    });

    it('throws TypeError from has()/get() for shared memory (BufferSource is not [AllowShared])', () => {
      for (const [kind, buffer] of sharedBuffers()) {
        expect(() => map.has(buffer), kind).to.throw(TypeError);
        expect(() => map.get(buffer), kind).to.throw(TypeError);
      }
    });

    it('hands out copies: writing to an iterated key ID does not change the map', () => {
      const [first] = [...map.keys()];
      new Uint8Array(first as ArrayBuffer).fill(0);
      // Chromium hands out the map's own buffer, so the write shows through; Firefox and the bundled CDM copy.
      expect(toHexString([...map.keys()][0] as ArrayBuffer)).to.equal(
        expected(impl, VIDEO, { chromium: '00000000000000000000000000000000' }),
      );
    });
  });
}
