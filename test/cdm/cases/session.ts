// The MediaKeySession conformance cases for one implementation (a Clear Key MediaKeySystemAccess source): called by
// test/cdm/session.test.ts for native Clear Key and the bundled CDM, and by test/polyfill/conformance.test.ts for the
// polyfill's global entry points.
import { expect } from '@open-wc/testing';
import { ClearKeyMessageEvent } from '../../../src/cdm/index.js';
import {
  CLEAR_KEY_SYSTEM_ID_HEX,
  Recorder,
  b64url,
  browser,
  decodeJson,
  expected,
  expectLog,
  hex,
  json,
  keyIdsInitData,
  license,
  mediaKeysFor,
  next,
  pssh,
  settle,
  sharedBuffers,
  statuses,
  testKeys,
  type TestKeys,
  type Implementation,
} from '../conformance.js';

const WIDEVINE_SYSTEM_ID_HEX = 'edef8ba979d64acea3c827dcd51d21ed';

/** The MediaKeySession cases, against `impl`. */
export function describeSessionCases(impl: Implementation): void {
  describe(`cdm conformance (${impl.name}): MediaKeySession`, () => {
    let keys: TestKeys;
    let mediaKeys: MediaKeys;
    let VIDEO: string;
    let AUDIO: string;

    before(async () => {
      keys = await testKeys();
      VIDEO = keys.names.video;
      AUDIO = keys.names.audio;
      mediaKeys = await mediaKeysFor(impl);
    });

    /** A session with a pending license request for `kids`; resolves once its 'message' arrived. */
    async function requested(kids: string[]): Promise<MediaKeySession> {
      const session = mediaKeys.createSession();
      const message = next(session, 'message');
      await session.generateRequest('keyids', keyIdsInitData(...kids));
      await message;
      return session;
    }

    async function licensed(kids: string[]): Promise<MediaKeySession> {
      const session = await requested(kids);
      const change = next(session, 'keystatuseschange');
      await session.update(license(keys, kids));
      await change;
      return session;
    }

    describe('generateRequest()', () => {
      it("fires a 'message' with the JSON license request after resolving (EME 7.2, 9.1.3)", async () => {
        const session = mediaKeys.createSession();
        const rec = new Recorder(session);
        const message = next<MediaKeyMessageEvent>(session, 'message');
        await rec.track('generateRequest', session.generateRequest('keyids', keyIdsInitData(VIDEO, AUDIO)));
        const event = await message;
        expectLog(impl, rec.log, ['generateRequest:resolved', 'message:license-request']);
        expect(event.type).to.equal('message');
        expect(event.messageType).to.equal('license-request');
        expect(event.target).to.equal(session);
        expect(event.bubbles).to.equal(false);
        expect(event.cancelable).to.equal(false);
        // The platform's MediaKeyMessageEvent where the browser has one; else the bundled CDM's own Event subclass.
        if (typeof MediaKeyMessageEvent === 'function') expect(event).to.be.instanceOf(MediaKeyMessageEvent);
        else expect(event).to.be.instanceOf(ClearKeyMessageEvent);
        expect(Object.prototype.toString.call(event.message)).to.equal('[object ArrayBuffer]');
        expect(decodeJson(event.message)).to.deep.equal({ kids: [b64url(VIDEO), b64url(AUDIO)], type: 'temporary' });
        expect(session.sessionId).to.match(/^\S+$/);
        expect(session.keyStatuses.size).to.equal(0);
      });

      it("reads 'cenc' init data: only Clear Key v1 pssh boxes count, several boxes in one buffer", async () => {
        const session = mediaKeys.createSession();
        const message = next<MediaKeyMessageEvent>(session, 'message');
        const initData = new Uint8Array([
          ...pssh(WIDEVINE_SYSTEM_ID_HEX, [keys.names['rotation-1']], 0, new Uint8Array([8, 1])),
          ...pssh(CLEAR_KEY_SYSTEM_ID_HEX, [VIDEO, AUDIO]),
        ]);
        await session.generateRequest('cenc', initData);
        expect(decodeJson((await message).message)).to.deep.equal({
          kids: [b64url(VIDEO), b64url(AUDIO)],
          type: 'temporary',
        });
      });

      it("reads 'webm' init data as one raw key ID", async () => {
        const session = mediaKeys.createSession();
        const message = next<MediaKeyMessageEvent>(session, 'message');
        await session.generateRequest('webm', hex(VIDEO));
        expect(decodeJson((await message).message)).to.deep.equal({ kids: [b64url(VIDEO)], type: 'temporary' });
      });

      it('copies initData: changing the buffer after the call does not change the request', async () => {
        const session = mediaKeys.createSession();
        const message = next<MediaKeyMessageEvent>(session, 'message');
        const initData = hex(VIDEO);
        const pending = session.generateRequest('webm', initData);
        initData.fill(0);
        await pending;
        expect(decodeJson((await message).message).kids).to.deep.equal([b64url(VIDEO)]);
      });

      it('calls onmessage with the session as this, and stops when it is set to null', async () => {
        const session = mediaKeys.createSession();
        const calls: unknown[] = [];
        session.onmessage = function (this: MediaKeySession, e) {
          calls.push(this, e.messageType);
        };
        expect(session.onmessage).to.be.a('function');
        const message = next(session, 'message');
        await session.generateRequest('keyids', keyIdsInitData(VIDEO));
        await message;
        expect(calls).to.deep.equal([session, 'license-request']);
        session.onmessage = null;
        expect(session.onmessage).to.equal(null);
      });

      it('rejects bad arguments synchronously checked by the algorithm (steps 1-6)', async () => {
        const outcome = (type: string, data: BufferSource) =>
          settle(mediaKeys.createSession().generateRequest(type, data));
        expect(await outcome('', hex(VIDEO))).to.equal('rejected:TypeError');
        expect(await outcome('keyids', new Uint8Array(0))).to.equal('rejected:TypeError');
        expect(await outcome('foo', hex(VIDEO))).to.equal('rejected:NotSupportedError');
        expect(await outcome('CENC', hex(VIDEO))).to.equal('rejected:NotSupportedError');
        for (const [kind, buffer] of sharedBuffers()) {
          // BufferSource is not [AllowShared]: WebIDL conversion throws, so the promise rejects with TypeError.
          expect(await settle(() => mediaKeys.createSession().generateRequest('keyids', buffer)), kind).to.equal(
            'rejected:TypeError',
          );
        }
      });

      it('rejects init data that is not valid for its type with TypeError (step 10.1-10.3)', async () => {
        const outcome = (type: string, data: BufferSource) =>
          settle(mediaKeys.createSession().generateRequest(type, data));
        expect(await outcome('keyids', new TextEncoder().encode('{"kids":'))).to.equal('rejected:TypeError');
        expect(await outcome('cenc', new Uint8Array([0, 0, 0, 9, 1, 2, 3, 4, 5]))).to.equal('rejected:TypeError');
        expect(await outcome('webm', new Uint8Array(513))).to.equal('rejected:TypeError');
        // Firefox's CDM rejects a non-base64url KID later, as InvalidStateError.
        expect(await outcome('keyids', json({ kids: ['not base64url!'] }))).to.equal(
          expected(impl, 'rejected:TypeError', { firefox: 'rejected:InvalidStateError' }),
        );
      });

      it('rejects init data that names no Clear Key key ID with NotSupportedError (step 10.4, 10.9.1)', async () => {
        const outcome = (type: string, data: BufferSource) =>
          settle(mediaKeys.createSession().generateRequest(type, data));
        // Firefox's CDM fails these as InvalidStateError ("Failed to initialize session").
        const noClearKeyBox = expected(impl, 'rejected:NotSupportedError', { firefox: 'rejected:InvalidStateError' });
        expect(await outcome('cenc', pssh(WIDEVINE_SYSTEM_ID_HEX, [VIDEO]))).to.equal(noClearKeyBox);
        expect(await outcome('cenc', pssh(CLEAR_KEY_SYSTEM_ID_HEX, [], 0))).to.equal(noClearKeyBox);
        // An empty "kids" list: Chromium sends a request for no key at all, Firefox calls it invalid.
        expect(await outcome('keyids', json({ kids: [] }))).to.equal(
          expected(impl, 'rejected:NotSupportedError', {
            chromium: 'resolved:undefined',
            firefox: 'rejected:TypeError',
          }),
        );
      });

      it('rejects a second call, even after a failed first one, with InvalidStateError (steps 2-3)', async () => {
        const used = mediaKeys.createSession();
        await used.generateRequest('keyids', keyIdsInitData(VIDEO));
        expect(await settle(used.generateRequest('keyids', keyIdsInitData(VIDEO)))).to.equal(
          'rejected:InvalidStateError',
        );
        const failed = mediaKeys.createSession();
        expect(await settle(failed.generateRequest('', hex(VIDEO)))).to.equal('rejected:TypeError');
        expect(await settle(failed.generateRequest('keyids', keyIdsInitData(VIDEO)))).to.equal(
          'rejected:InvalidStateError',
        );
      });
    });

    describe('update()', () => {
      it("makes the license's keys 'usable', resolving before 'keystatuseschange' (7.2 update step 6.8)", async () => {
        const session = await requested([VIDEO, AUDIO]);
        const rec = new Recorder(session);
        const change = next(session, 'keystatuseschange');
        await rec.track('update', session.update(license(keys, [AUDIO, VIDEO])));
        await change;
        expectLog(impl, rec.log, ['update:resolved', 'keystatuseschange:2']);
        expect(statuses(session.keyStatuses)).to.deep.equal([`${VIDEO}=usable`, `${AUDIO}=usable`]);
      });

      it('calls onkeystatuseschange with the session as this', async () => {
        const session = await requested([VIDEO]);
        const seen: unknown[] = [];
        session.onkeystatuseschange = function (this: MediaKeySession, e) {
          seen.push(this, e.type);
        };
        const change = next(session, 'keystatuseschange');
        await session.update(license(keys, [VIDEO]));
        await change;
        expect(seen).to.deep.equal([session, 'keystatuseschange']);
      });

      it('rejects shared memory with TypeError (BufferSource is not [AllowShared])', async () => {
        const session = await requested([VIDEO]);
        for (const [kind, buffer] of sharedBuffers()) {
          expect(await settle(() => session.update(buffer)), kind).to.equal('rejected:TypeError');
        }
        expect(session.keyStatuses.size).to.equal(0);
        await session.close();
      });

      it('rejects before a request and after close with InvalidStateError (steps 1-2)', async () => {
        const fresh = mediaKeys.createSession();
        expect(await settle(fresh.update(license(keys, [VIDEO])))).to.equal('rejected:InvalidStateError');
        const session = await requested([VIDEO]);
        await session.close();
        expect(await settle(session.update(license(keys, [VIDEO])))).to.equal('rejected:InvalidStateError');
      });

      it('rejects malformed licenses with TypeError and keeps no key from them (9.1.2)', async () => {
        const key = keys.keys[VIDEO]!;
        const cases: [string, BufferSource, Partial<Record<'chromium' | 'firefox', string>>][] = [
          ['empty', new Uint8Array(0), {}],
          ['not JSON', new TextEncoder().encode('keys'), {}],
          ['no keys', json({ keys: [] }), {}],
          // Firefox accepts a 17-byte key, a non-ASCII tail and '=' padding; Chromium rejects them.
          [
            '17-byte key',
            json({ keys: [{ kty: 'oct', kid: b64url(VIDEO), k: b64url(key + '00') }] }),
            { firefox: 'resolved:undefined' },
          ],
          ['kty', json({ keys: [{ kty: 'RSA', kid: b64url(VIDEO), k: b64url(key) }] }), {}],
          ['non-ASCII', new Uint8Array([...license(keys, [VIDEO]), 0xc3, 0xa9]), { firefox: 'resolved:undefined' }],
          [
            'padded base64url',
            json({ keys: [{ kty: 'oct', kid: `${b64url(VIDEO)}==`, k: `${b64url(key)}==` }] }),
            { firefox: 'resolved:undefined' },
          ],
          // 6.7.2: a persistent-license license for a temporary session matches no case: TypeError. Chromium takes it.
          ['persistent license', license(keys, [VIDEO], 'persistent-license'), { chromium: 'resolved:undefined' }],
          // A release acknowledgement means nothing to a temporary session; Firefox ignores it and resolves.
          ['release ack', json({ kids: [b64url(VIDEO)] }), { firefox: 'resolved:undefined' }],
        ];
        for (const [name, response, deviations] of cases) {
          const session = await requested([VIDEO]);
          expect(`${name}: ${await settle(session.update(response))}`).to.equal(
            `${name}: ${expected(impl, 'rejected:TypeError', deviations)}`,
          );
          if (impl.name === 'bundled') expect(session.keyStatuses.size).to.equal(0);
        }
      });
    });

    describe('close()', () => {
      it("resolves closed with 'closed-by-application' before close() itself, then 'keystatuseschange'", async () => {
        const session = await licensed([VIDEO]);
        const rec = new Recorder(session);
        const change = next(session, 'keystatuseschange');
        await rec.track('close', session.close());
        await change;
        expectLog(impl, rec.log, ['closed:closed-by-application', 'close:resolved', 'keystatuseschange:0']);
        expect(await session.closed).to.equal('closed-by-application');
        expect(session.keyStatuses.size).to.equal(0);
      });

      it('resolves again on a closed session; other methods reject with InvalidStateError', async () => {
        const session = await requested([VIDEO]);
        await session.close();
        expect(await settle(session.close())).to.equal('resolved:undefined');
        expect(await settle(session.generateRequest('keyids', keyIdsInitData(VIDEO)))).to.equal(
          'rejected:InvalidStateError',
        );
        expect(await settle(session.update(license(keys, [VIDEO])))).to.equal('rejected:InvalidStateError');
        // Firefox checks the session type first (an old draft rejected remove() on temporary sessions).
        expect(await settle(session.remove())).to.equal(
          expected(impl, 'rejected:InvalidStateError', { firefox: 'rejected:InvalidAccessError' }),
        );
      });

      it('rejects with InvalidStateError before the session is callable', async () => {
        expect(await settle(mediaKeys.createSession().close())).to.equal('rejected:InvalidStateError');
      });
    });

    describe('remove()', () => {
      it("empties a temporary session's key statuses (Clear Key 9.1.2), resolving before 'keystatuseschange'", async () => {
        const session = await licensed([VIDEO, AUDIO]);
        const rec = new Recorder(session);
        const outcome = settle(rec.track('remove', session.remove()));
        if (impl.name === 'native' && browser === 'firefox') {
          // Firefox still follows an old draft that rejected remove() on temporary sessions.
          expect(await outcome).to.equal('rejected:InvalidAccessError');
          return;
        }
        const change = next(session, 'keystatuseschange');
        expect(await outcome).to.equal('resolved:undefined');
        await change;
        // Chromium reports each key 'released' (the generic remove() step); Clear Key's section empties the map.
        const size = expected(impl, 0, { chromium: 2 });
        expectLog(impl, rec.log, ['remove:resolved', `keystatuseschange:${size}`]);
        expect(session.keyStatuses.size).to.equal(size);
      });

      it('rejects with InvalidStateError before the session is callable and after close', async () => {
        expect(await settle(mediaKeys.createSession().remove())).to.equal('rejected:InvalidStateError');
        const session = await requested([VIDEO]);
        await session.close();
        // Firefox: InvalidAccessError, as above.
        expect(await settle(session.remove())).to.equal(
          expected(impl, 'rejected:InvalidStateError', { firefox: 'rejected:InvalidAccessError' }),
        );
      });
    });

    describe('load()', () => {
      it('rejects on a temporary session and for an empty ID with TypeError (steps 4-5)', async () => {
        expect(await settle(mediaKeys.createSession().load('1234'))).to.equal('rejected:TypeError');
        expect(await settle(mediaKeys.createSession().load(''))).to.equal('rejected:TypeError');
      });

      it('rejects after generateRequest() with InvalidStateError (step 2)', async () => {
        const session = await requested([VIDEO]);
        expect(await settle(session.load(session.sessionId))).to.equal('rejected:InvalidStateError');
      });
    });

    it('keeps sessions independent: each has its own ID and key statuses', async () => {
      const a = await licensed([VIDEO]);
      const b = await licensed([AUDIO]);
      expect(a.sessionId).to.not.equal(b.sessionId);
      expect(statuses(a.keyStatuses)).to.deep.equal([`${VIDEO}=usable`]);
      expect(statuses(b.keyStatuses)).to.deep.equal([`${AUDIO}=usable`]);
      await a.close();
      expect(statuses(b.keyStatuses)).to.deep.equal([`${AUDIO}=usable`]);
    });
  });
}
