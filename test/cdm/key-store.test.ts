/** The decryption hook of bundled MediaKeys (keyStoreOf): bundled CDM only, native MediaKeys have none. */
import { expect } from '@open-wc/testing';
import {
  CdmError,
  CdmErrorCode,
  KeyWaitEvent,
  isBundledMediaKeys,
  keyStoreOf,
  requestClearKeyAccess,
  type ClearKeyStore,
} from '../../src/cdm/index.js';
import type { KeyLookup } from '../../src/crypto/keys.js';
import { decryptSample } from '../../src/crypto/decrypt.js';
import {
  BASIC_CONFIG,
  KEY_SYSTEM,
  hex,
  keyIdsInitData,
  license,
  next,
  settle,
  testKeys,
  type TestKeys,
} from './conformance.js';

async function bundledMediaKeys(): Promise<MediaKeys> {
  return (await requestClearKeyAccess(KEY_SYSTEM, [BASIC_CONFIG])).createMediaKeys();
}

async function rejection(p: Promise<unknown>): Promise<CdmError> {
  try {
    await p;
  } catch (e) {
    return e as CdmError;
  }
  throw new Error('expected a rejection');
}

describe('cdm (bundled): key store for decryption', () => {
  let keys: TestKeys;
  let VIDEO: string;
  let AUDIO: string;
  let mediaKeys: MediaKeys;
  let store: ClearKeyStore;

  before(async () => {
    keys = await testKeys();
    VIDEO = keys.names.video;
    AUDIO = keys.names.audio;
  });

  beforeEach(async () => {
    mediaKeys = await bundledMediaKeys();
    store = keyStoreOf(mediaKeys)!;
  });

  async function licensed(kids: string[], on: MediaKeys = mediaKeys): Promise<MediaKeySession> {
    const session = on.createSession();
    await session.generateRequest('keyids', keyIdsInitData(...kids));
    const change = next(session, 'keystatuseschange');
    await session.update(license(keys, kids));
    await change;
    return session;
  }

  it('is found for bundled MediaKeys only', async () => {
    expect(store).to.not.equal(undefined);
    expect(isBundledMediaKeys(mediaKeys)).to.equal(true);
    expect(keyStoreOf({})).to.equal(undefined);
    expect(keyStoreOf(null)).to.equal(undefined);
    expect(isBundledMediaKeys('MediaKeys')).to.equal(false);
    // The hook stays off the page-visible MediaKeys shape.
    expect(Object.keys(mediaKeys)).to.deep.equal([]);
    expect('lookup' in mediaKeys).to.equal(false);
  });

  it("looks up a key only while it is 'usable' in one of the MediaKeys' sessions", async () => {
    const lookup: KeyLookup = store.lookup;
    expect(lookup(hex(VIDEO))).to.equal(undefined);
    const session = await licensed([VIDEO]);
    expect(lookup(hex(VIDEO))).to.deep.equal(hex(keys.keys[VIDEO]!));
    expect(lookup(hex(AUDIO))).to.equal(undefined);
    await session.close();
    expect(lookup(hex(VIDEO))).to.equal(undefined);
  });

  it('uses a key from any open session, and not from another MediaKeys', async () => {
    const a = await licensed([VIDEO]);
    const b = await licensed([VIDEO, AUDIO]);
    const other = await bundledMediaKeys();
    await licensed([keys.names['rotation-1']], other);
    expect(store.lookup(hex(keys.names['rotation-1']))).to.equal(undefined);
    await a.close();
    expect(store.lookup(hex(VIDEO))).to.deep.equal(hex(keys.keys[VIDEO]!));
    await b.close();
    expect(store.lookup(hex(VIDEO))).to.equal(undefined);
    expect(store.lookup(hex(AUDIO))).to.equal(undefined);
  });

  it('drops the keys of a removed temporary session', async () => {
    const session = await licensed([VIDEO]);
    await session.remove();
    expect(store.lookup(hex(VIDEO))).to.equal(undefined);
  });

  it('hands out copies, so a caller cannot change a stored key', async () => {
    await licensed([VIDEO]);
    (store.lookup(hex(VIDEO)) as Uint8Array).fill(0);
    expect(store.lookup(hex(VIDEO))).to.deep.equal(hex(keys.keys[VIDEO]!));
  });

  it('decrypts a cenc sample with the key it returns', async () => {
    await licensed([VIDEO]);
    const plain = new Uint8Array(100).map((_, i) => i);
    const iv = hex('0102030405060708');
    const counter = new Uint8Array(16);
    counter.set(iv);
    const aes = await crypto.subtle.importKey('raw', hex(keys.keys[VIDEO]!), 'AES-CTR', false, ['encrypt']);
    const cipher = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-CTR', counter, length: 64 }, aes, plain));
    const key = (await store.lookup(hex(VIDEO)))!;
    const enc = {
      scheme: 'cenc' as const,
      kid: hex(VIDEO),
      iv,
      subsamples: undefined,
      cryptByteBlock: 0,
      skipByteBlock: 0,
    };
    expect(await decryptSample(cipher, enc, key)).to.deep.equal(plain);
  });

  it("waitForKey() resolves when a session gets the key, after a 'waitingforkey' event", async () => {
    const waiting = next<KeyWaitEvent>(store, 'waitingforkey');
    const wait = store.waitForKey(hex(VIDEO));
    const event = await waiting;
    expect(event).to.be.instanceOf(KeyWaitEvent);
    expect(event.keyId).to.deep.equal(hex(VIDEO));
    await licensed([AUDIO]);
    await licensed([VIDEO]);
    expect(await wait).to.deep.equal(hex(keys.keys[VIDEO]!));
  });

  it('waitForKey() resolves at once for a usable key', async () => {
    await licensed([VIDEO]);
    let fired = false;
    store.addEventListener('waitingforkey', () => (fired = true));
    expect(await store.waitForKey(hex(VIDEO))).to.deep.equal(hex(keys.keys[VIDEO]!));
    expect(fired).to.equal(false);
  });

  it('waitForKey() rejects with KEY_WAIT_ABORTED when its signal aborts', async () => {
    const controller = new AbortController();
    const wait = store.waitForKey(hex(VIDEO), controller.signal);
    controller.abort();
    const error = await rejection(wait);
    expect(error).to.be.instanceOf(CdmError);
    expect(error.code).to.equal(CdmErrorCode.KEY_WAIT_ABORTED);
    expect(error.data['kidHex']).to.equal(VIDEO);
    const pre = await rejection(store.waitForKey(hex(VIDEO), AbortSignal.abort()));
    expect(pre.code).to.equal(CdmErrorCode.KEY_WAIT_ABORTED);
    // An aborted wait is gone: a later key does not resurrect it, and other waits still resolve.
    const other = store.waitForKey(hex(VIDEO));
    await licensed([VIDEO]);
    expect(await other).to.deep.equal(hex(keys.keys[VIDEO]!));
  });

  it('close() tears the MediaKeys down: waits reject with MEDIA_KEYS_CLOSED, sessions close, nothing decrypts', async () => {
    const session = await licensed([AUDIO]);
    const wait = store.waitForKey(hex(VIDEO));
    store.close();
    const error = await rejection(wait);
    expect(error.code).to.equal(CdmErrorCode.MEDIA_KEYS_CLOSED);
    expect(error.message).to.not.include(keys.keys[AUDIO]!);
    expect(await session.closed).to.equal('closed-by-application');
    expect(store.closed).to.equal(true);
    expect(store.lookup(hex(AUDIO))).to.equal(undefined);
    expect((await rejection(store.waitForKey(hex(AUDIO)))).code).to.equal(CdmErrorCode.MEDIA_KEYS_CLOSED);
    let thrown: unknown;
    try {
      mediaKeys.createSession();
    } catch (e) {
      thrown = e;
    }
    expect((thrown as DOMException).name).to.equal('InvalidStateError');
    expect(await settle(session.update(license(keys, [AUDIO])))).to.equal('rejected:InvalidStateError');
  });
});
