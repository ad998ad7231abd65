// The MediaKeys conformance cases for one implementation (a Clear Key MediaKeySystemAccess source): called by
// test/cdm/media-keys.test.ts for native Clear Key and the bundled CDM, and by test/polyfill/conformance.test.ts for the
// polyfill's global entry points.
import { expect } from '@open-wc/testing';
import { expected, mediaKeysFor, settle, sharedBuffers, type Implementation } from '../conformance.js';

/** The MediaKeys cases, against `impl`. */
export function describeMediaKeysCases(impl: Implementation): void {
  describe(`cdm conformance (${impl.name}): MediaKeys`, () => {
    let mediaKeys: MediaKeys;
    before(async () => {
      mediaKeys = await mediaKeysFor(impl);
    });

    it("createSession() makes a 'temporary' session with no ID, NaN expiration and no key statuses", () => {
      const session = mediaKeys.createSession();
      expect(session).to.be.instanceOf(EventTarget);
      expect(session.sessionId).to.equal('');
      expect(Number.isNaN(session.expiration)).to.equal(true);
      expect(session.keyStatuses.size).to.equal(0);
      expect(session.closed).to.be.instanceOf(Promise);
      expect(session.onmessage).to.equal(null);
      expect(session.onkeystatuseschange).to.equal(null);
      expect(mediaKeys.createSession('temporary')).to.not.equal(session);
    });

    it('createSession() throws TypeError for a value outside MediaKeySessionType (WebIDL enum)', () => {
      expect(() => mediaKeys.createSession('foo' as MediaKeySessionType)).to.throw(TypeError);
      expect(() => mediaKeys.createSession('persistent-usage-record' as MediaKeySessionType)).to.throw(TypeError);
    });

    it('createSession() throws NotSupportedError for a session type the configuration did not ask for (6.2 step 1)', () => {
      let error: unknown;
      try {
        mediaKeys.createSession('persistent-license');
      } catch (e) {
        error = e;
      }
      expect(error).to.be.instanceOf(DOMException);
      expect((error as DOMException).name).to.equal('NotSupportedError');
    });

    it('setServerCertificate() resolves false: Clear Key has no server certificate (9.1.1, 6.3 step 1)', async () => {
      // Firefox rejects with NotSupportedError instead of resolving false.
      expect(await settle(mediaKeys.setServerCertificate(new Uint8Array([1, 2, 3])))).to.equal(
        expected(impl, 'resolved:false', { firefox: 'rejected:NotSupportedError' }),
      );
    });

    it('setServerCertificate() rejects argument errors with TypeError before answering (WebIDL, 6.3 step 2)', async () => {
      // The spec's step 1 (no certificate support: resolve false) comes before step 2 (empty: TypeError), but the W3C
      // test suite (syntax-mediakeys) and both native CDMs reject an empty certificate; the bundled CDM agrees.
      for (const bad of [new Uint8Array(0), new ArrayBuffer(0), 'cert', null, undefined, 1]) {
        expect(await settle(() => mediaKeys.setServerCertificate(bad as any)), String(bad)).to.equal(
          'rejected:TypeError',
        );
      }
    });

    it('setServerCertificate() rejects shared memory with TypeError (BufferSource is not [AllowShared])', async () => {
      for (const [kind, buffer] of sharedBuffers()) {
        expect(await settle(() => mediaKeys.setServerCertificate(buffer)), kind).to.equal('rejected:TypeError');
      }
    });

    it("getStatusForPolicy() resolves 'usable' for a valid HDCP policy", async () => {
      expect(await settle(mediaKeys.getStatusForPolicy({ minHdcpVersion: '1.0' }))).to.equal('resolved:"usable"');
      // Firefox's Clear Key claims HDCP 2.0 at most; Clear Key has no output protection to fail.
      expect(await settle(mediaKeys.getStatusForPolicy({ minHdcpVersion: '2.3' }))).to.equal(
        expected(impl, 'resolved:"usable"', { firefox: 'resolved:"output-restricted"' }),
      );
    });

    it("getStatusForPolicy() answers minHdcpVersion '' (no HDCP needed) with 'usable'", async () => {
      // EME 6.4 types minHdcpVersion as a DOMString. Firefox still converts it to the WICG draft's HDCPVersion
      // enum, which has no '', and throws TypeError.
      expect(await settle(mediaKeys.getStatusForPolicy({ minHdcpVersion: '' }))).to.equal(
        expected(impl, 'resolved:"usable"', { firefox: 'rejected:TypeError' }),
      );
    });

    it('getStatusForPolicy() rejects an empty policy and an unknown HDCP version with TypeError', async () => {
      // A policy with no member is a TypeError (Firefox agrees); Chromium answers 'usable'.
      expect(await settle(mediaKeys.getStatusForPolicy({}))).to.equal(
        expected(impl, 'rejected:TypeError', { chromium: 'resolved:"usable"' }),
      );
      expect(await settle(mediaKeys.getStatusForPolicy())).to.equal(
        expected(impl, 'rejected:TypeError', { chromium: 'resolved:"usable"' }),
      );
      expect(await settle(mediaKeys.getStatusForPolicy({ minHdcpVersion: '9.9' }))).to.equal('rejected:TypeError');
    });
  });
}
