// The requestMediaKeySystemAccess conformance cases for one implementation (a Clear Key MediaKeySystemAccess source): called by
// test/cdm/access.test.ts for native Clear Key and the bundled CDM, and by test/polyfill/conformance.test.ts for the
// polyfill's global entry points.
import { expect } from '@open-wc/testing';
import { isBundledMediaKeys, keyStoreOf } from '../../../src/cdm/index.js';
import {
  AUDIO_TYPE,
  BASIC_CONFIG,
  KEY_SYSTEM,
  VIDEO_TYPE,
  expected,
  settle,
  type Implementation,
} from '../conformance.js';

async function configurationOf(
  impl: Implementation,
  configs: MediaKeySystemConfiguration[],
): Promise<MediaKeySystemConfiguration> {
  return (await impl.access(KEY_SYSTEM, configs)).getConfiguration();
}

/** The requestMediaKeySystemAccess cases, against `impl`. */
export function describeAccessCases(impl: Implementation): void {
  describe(`cdm conformance (${impl.name}): requestMediaKeySystemAccess`, () => {
    it('resolves with keySystem and the selected configuration (EME 3.1.1.1)', async () => {
      const access = await impl.access(KEY_SYSTEM, [{ ...BASIC_CONFIG, label: 'basic' }]);
      expect(access.keySystem).to.equal(KEY_SYSTEM);
      const c = access.getConfiguration();
      expect(c.label).to.equal('basic');
      expect(c.initDataTypes).to.deep.equal(['cenc', 'keyids', 'webm']);
      expect(c.distinctiveIdentifier).to.equal('not-allowed');
      expect(c.persistentState).to.equal('not-allowed');
      expect(c.sessionTypes).to.deep.equal(['temporary']);
      expect(c.videoCapabilities).to.deep.equal([{ contentType: VIDEO_TYPE, encryptionScheme: null, robustness: '' }]);
      expect(c.audioCapabilities).to.deep.equal([{ contentType: AUDIO_TYPE, encryptionScheme: null, robustness: '' }]);
    });

    it('returns a fresh configuration from every getConfiguration() call', async () => {
      const access = await impl.access(KEY_SYSTEM, [BASIC_CONFIG]);
      const first = access.getConfiguration();
      first.initDataTypes!.length = 0;
      first.videoCapabilities![0]!.contentType = 'changed';
      const second = access.getConfiguration();
      expect(second).to.not.equal(first);
      expect(second.initDataTypes).to.deep.equal(['cenc', 'keyids', 'webm']);
      expect(second.videoCapabilities![0]!.contentType).to.equal(VIDEO_TYPE);
    });

    it('rejects an empty keySystem and an empty configuration list with TypeError (steps 1-2)', async () => {
      expect(await settle(impl.access('', [BASIC_CONFIG]))).to.equal('rejected:TypeError');
      expect(await settle(impl.access(KEY_SYSTEM, []))).to.equal('rejected:TypeError');
    });

    it('rejects other key systems with NotSupportedError; the comparison is case-sensitive', async () => {
      expect(await settle(impl.access('org.w3.clearkey.other', [BASIC_CONFIG]))).to.equal('rejected:NotSupportedError');
      expect(await settle(impl.access('org.w3.ClearKey', [BASIC_CONFIG]))).to.equal('rejected:NotSupportedError');
    });

    it('rejects a value outside a WebIDL enum with TypeError', async () => {
      const bad = { ...BASIC_CONFIG, distinctiveIdentifier: 'sometimes' as MediaKeysRequirement };
      expect(await settle(impl.access(KEY_SYSTEM, [bad]))).to.equal('rejected:TypeError');
    });

    it('keeps only the supported initDataTypes and rejects when none is (step 3)', async () => {
      const c = await configurationOf(impl, [{ ...BASIC_CONFIG, initDataTypes: ['foo', 'keyids', ''] }]);
      expect(c.initDataTypes).to.deep.equal(['keyids']);
      expect(await settle(impl.access(KEY_SYSTEM, [{ ...BASIC_CONFIG, initDataTypes: ['foo'] }]))).to.equal(
        'rejected:NotSupportedError',
      );
    });

    it("never uses a distinctive identifier: 'required' fails, 'optional' becomes 'not-allowed' (9.1.1)", async () => {
      const required = await settle(impl.access(KEY_SYSTEM, [{ ...BASIC_CONFIG, distinctiveIdentifier: 'required' }]));
      expect(required).to.equal('rejected:NotSupportedError');
      const c = await configurationOf(impl, [{ ...BASIC_CONFIG, distinctiveIdentifier: 'optional' }]);
      expect(c.distinctiveIdentifier).to.equal('not-allowed');
    });

    it("grants persistentState 'required' where state can persist", async () => {
      const outcome = await settle(
        impl
          .access(KEY_SYSTEM, [{ ...BASIC_CONFIG, persistentState: 'required' }])
          .then((a) => a.getConfiguration().persistentState),
      );
      // Native Chromium's Clear Key cannot persist state here (a capability, not a spec difference).
      expect(outcome).to.equal(expected(impl, 'resolved:"required"', { chromium: 'rejected:NotSupportedError' }));
    });

    it("offers 'persistent-license' sessions, which make persistentState 'required' (steps 12-14)", async () => {
      const outcome = await settle(
        impl
          .access(KEY_SYSTEM, [{ ...BASIC_CONFIG, sessionTypes: ['temporary', 'persistent-license'] }])
          .then((a) => [a.getConfiguration().persistentState, a.getConfiguration().sessionTypes]),
      );
      // Native Clear Key has no persistent-license sessions in these browsers (a capability difference).
      expect(outcome).to.equal(
        expected(impl, 'resolved:["required",["temporary","persistent-license"]]', {
          chromium: 'rejected:NotSupportedError',
          firefox: 'rejected:NotSupportedError',
        }),
      );
    });

    it("rejects persistent sessions with persistentState 'not-allowed', and unknown session types", async () => {
      const cases: MediaKeySystemConfiguration[] = [
        { ...BASIC_CONFIG, sessionTypes: ['persistent-license'], persistentState: 'not-allowed' },
        { ...BASIC_CONFIG, sessionTypes: ['persistent-usage-record'] },
        { ...BASIC_CONFIG, sessionTypes: ['temporary', 'foo'] },
      ];
      for (const config of cases)
        expect(await settle(impl.access(KEY_SYSTEM, [config]))).to.equal('rejected:NotSupportedError');
    });

    it('rejects a configuration without audio or video capabilities (step 15)', async () => {
      const outcome = await settle(impl.access(KEY_SYSTEM, [{ initDataTypes: ['cenc'] }]).then(() => 'granted'));
      // Firefox still grants it (it only logs a deprecation warning); the spec and Chromium reject.
      expect(outcome).to.equal(expected(impl, 'rejected:NotSupportedError', { firefox: 'resolved:"granted"' }));
    });

    it('checks each capability: empty contentType fails the list, unsupported ones are dropped (3.1.1.2)', async () => {
      const empty = await settle(
        impl.access(KEY_SYSTEM, [{ videoCapabilities: [{ contentType: '' }, { contentType: VIDEO_TYPE }] }]),
      );
      expect(empty).to.equal('rejected:NotSupportedError');
      const c = await configurationOf(impl, [
        {
          videoCapabilities: [
            { contentType: 'video/x-not-a-real-type' },
            { contentType: AUDIO_TYPE },
            { contentType: VIDEO_TYPE, robustness: 'HW_SECURE_ALL' },
            { contentType: VIDEO_TYPE },
          ],
        },
      ]);
      expect(c.videoCapabilities).to.deep.equal([{ contentType: VIDEO_TYPE, encryptionScheme: null, robustness: '' }]);
      const noneLeft = await settle(
        impl.access(KEY_SYSTEM, [{ videoCapabilities: [{ contentType: VIDEO_TYPE, robustness: 'SW_SECURE_CRYPTO' }] }]),
      );
      expect(noneLeft).to.equal('rejected:NotSupportedError');
    });

    it('judges contentType itself: container, codecs and parameters (3.1.1.3 steps 3.4-3.11)', async () => {
      const granted = (media: 'audio' | 'video', contentType: string) =>
        settle(
          impl
            .access(KEY_SYSTEM, [{ [`${media}Capabilities`]: [{ contentType }] }])
            .then((a) => a.getConfiguration()[`${media}Capabilities`]![0]!.contentType),
        );
      const refused = 'rejected:NotSupportedError';
      // Not strictly a video (audio) type: codecs of the other media type, or a type of the other media.
      expect(await granted('video', 'video/mp4; codecs="mp4a.40.2"')).to.equal(refused);
      expect(await granted('video', 'video/mp4; codecs="avc1.64000d,mp4a.40.2"')).to.equal(refused);
      expect(await granted('audio', 'audio/mp4; codecs="avc1.4d401e"')).to.equal(refused);
      expect(await granted('audio', 'audio/webm; codecs="vp8"')).to.equal(refused);
      expect(await granted('video', 'video/webm; codecs="vorbis"')).to.equal(refused);
      expect(await granted('audio', VIDEO_TYPE)).to.equal(refused);
      expect(await granted('video', AUDIO_TYPE)).to.equal(refused);
      // Codecs the container does not carry.
      expect(await granted('video', 'video/webm; codecs="avc1.64000d"')).to.equal(refused);
      expect(await granted('audio', 'audio/webm; codecs="mp4a.40.2"')).to.equal(refused);
      expect(await granted('audio', 'audio/mp4; codecs="vorbis"')).to.equal(refused);
      // Codec names are case-sensitive; unknown ones are not supported.
      expect(await granted('video', 'video/mp4; codecs="AVC1.64000D"')).to.equal(refused);
      expect(await granted('video', 'video/mp4; codecs="fake"')).to.equal(refused);
      // A parameter other than codecs, and an empty entry in the codecs list.
      expect(await granted('video', 'video/mp4; foo="bar"')).to.equal(refused);
      expect(await granted('video', `${VIDEO_TYPE}; foo="bar"`)).to.equal(refused);
      expect(await granted('video', 'video/mp4; codecs=",avc1.64000d"')).to.equal(refused);
      expect(await granted('video', 'video/mp4; codecs="avc1.64000d,"')).to.equal(refused);
      expect(await granted('video', 'video/fake')).to.equal(refused);
      expect(await granted('video', 'fake')).to.equal(refused);
      // Spelling that stays valid: case of the type and parameter name, whitespace; the contentType comes back as given.
      for (const valid of [
        'VIDEO/MP4; CODECS="avc1.64000d"',
        ' video/mp4 ;  codecs=" avc1.64000d " ',
        'video/mp4;codecs=avc1.64000d',
      ]) {
        expect(await granted('video', valid), valid).to.equal(`resolved:${JSON.stringify(valid)}`);
      }
    });

    it('accepts the encryption schemes it decrypts and drops the others', async () => {
      const scheme = (encryptionScheme: string) =>
        settle(
          impl
            .access(KEY_SYSTEM, [{ videoCapabilities: [{ contentType: VIDEO_TYPE, encryptionScheme }] }])
            .then((a) => a.getConfiguration().videoCapabilities![0]!.encryptionScheme),
        );
      expect(await scheme('cenc')).to.equal('resolved:"cenc"');
      expect(await scheme('cbcs')).to.equal('resolved:"cbcs"');
      // The bundled CDM also decrypts the two legacy ISO/IEC 23001-7 schemes; native Clear Key does not.
      const legacy = expected(impl, ['resolved:"cens"', 'resolved:"cbc1"'], {
        chromium: ['rejected:NotSupportedError', 'rejected:NotSupportedError'],
        firefox: ['rejected:NotSupportedError', 'rejected:NotSupportedError'],
      });
      expect([await scheme('cens'), await scheme('cbc1')]).to.deep.equal(legacy);
      expect(await scheme('rot13')).to.equal('rejected:NotSupportedError');
    });

    it('selects the first satisfiable configuration', async () => {
      const c = await configurationOf(impl, [
        { label: 'needs-id', ...BASIC_CONFIG, distinctiveIdentifier: 'required' },
        { label: 'fine', ...BASIC_CONFIG },
        { label: 'also-fine', ...BASIC_CONFIG },
      ]);
      expect(c.label).to.equal('fine');
    });

    it('creates a MediaKeys, which only the bundled CDM registers as bundled', async () => {
      const mediaKeys = await (await impl.access(KEY_SYSTEM, [BASIC_CONFIG])).createMediaKeys();
      expect(mediaKeys.createSession).to.be.a('function');
      expect(isBundledMediaKeys(mediaKeys)).to.equal(impl.name === 'bundled');
      expect(keyStoreOf(mediaKeys) !== undefined).to.equal(impl.name === 'bundled');
    });
  });
}
