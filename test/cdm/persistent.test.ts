/**
 * persistent-license sessions: bundled CDM only (native Clear Key has none in these browsers, see access.test.ts).
 * Every test deletes the records it made.
 */
import { expect } from '@open-wc/testing';
import type * as cdmModule from '../../src/cdm/index.js';
import { CdmError, CdmErrorCode, keyStoreOf, requestClearKeyAccess } from '../../src/cdm/index.js';
import { SESSION_DB_NAME, SESSION_STORE_NAME, deleteSession, readSession } from '../../src/cdm/session-store.js';
import { licenseUrl, postLicense, uniqueId } from '../helpers/license-server.js';
import {
  BASIC_CONFIG,
  KEY_SYSTEM,
  Recorder,
  b64url,
  decodeJson,
  hex,
  json,
  keyIdsInitData,
  license,
  next,
  settle,
  statuses,
  testKeys,
  type TestKeys,
} from './conformance.js';

type CdmModule = typeof cdmModule;

const PERSISTENT_CONFIG: MediaKeySystemConfiguration = {
  ...BASIC_CONFIG,
  sessionTypes: ['temporary', 'persistent-license'],
};

/** A fresh MediaKeys from a fresh access: what a reloaded page would build. */
async function freshMediaKeys(): Promise<MediaKeys> {
  return (await requestClearKeyAccess(KEY_SYSTEM, [PERSISTENT_CONFIG])).createMediaKeys();
}

function openRawDb(): Promise<IDBDatabase> {
  return new Promise<IDBDatabase>((resolve, reject) => {
    const req = indexedDB.open(SESSION_DB_NAME);
    req.onupgradeneeded = () => req.result.createObjectStore(SESSION_STORE_NAME, { keyPath: 'sessionId' });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/** Writes a raw record into the CDM's database, as a damaged, foreign or older record would sit there. */
async function putRawRecord(record: unknown): Promise<void> {
  const db = await openRawDb();
  await new Promise<void>((resolve, reject) => {
    const tx = db.transaction(SESSION_STORE_NAME, 'readwrite');
    tx.objectStore(SESSION_STORE_NAME).put(record);
    tx.oncomplete = () => resolve();
    tx.onerror = () => reject(tx.error);
  });
  db.close();
}

/** The raw record of a session as it sits in the CDM's database. */
async function getRawRecord(sessionId: string): Promise<Record<string, unknown> | undefined> {
  const db = await openRawDb();
  const record = await new Promise<unknown>((resolve, reject) => {
    const req = db.transaction(SESSION_STORE_NAME, 'readonly').objectStore(SESSION_STORE_NAME).get(sessionId);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  db.close();
  return record as Record<string, unknown> | undefined;
}

describe('cdm (bundled): persistent-license sessions', () => {
  let keys: TestKeys;
  let VIDEO: string;
  let AUDIO: string;
  const created: string[] = [];

  before(async () => {
    keys = await testKeys();
    VIDEO = keys.names.video;
    AUDIO = keys.names.audio;
  });

  afterEach(async () => {
    for (const id of created.splice(0)) await deleteSession(id);
  });

  /** A stored persistent-license session holding `kids`, closed again; returns its ID. */
  async function storedSession(kids: string[]): Promise<string> {
    const mediaKeys = await freshMediaKeys();
    const session = mediaKeys.createSession('persistent-license');
    const message = next<MediaKeyMessageEvent>(session, 'message');
    await session.generateRequest('keyids', keyIdsInitData(...kids));
    created.push(session.sessionId);
    expect(decodeJson((await message).message)).to.deep.equal({ kids: kids.map(b64url), type: 'persistent-license' });
    const change = next(session, 'keystatuseschange');
    await session.update(license(keys, kids, 'persistent-license'));
    await change;
    await session.close();
    return session.sessionId;
  }

  it('stores the license, and a fresh MediaKeys loads it with its keys usable', async () => {
    const id = await storedSession([VIDEO, AUDIO]);
    expect(id).to.match(/^\d+$/);
    expect(Number(id)).to.be.below(2 ** 32);
    const mediaKeys = await freshMediaKeys();
    const session = mediaKeys.createSession('persistent-license');
    const rec = new Recorder(session);
    const change = next(session, 'keystatuseschange');
    expect(await rec.track('load', session.load(id))).to.equal(true);
    await change;
    // load() step 8.9: the promise resolves in the task that queues 'keystatuseschange'.
    expect(rec.log).to.deep.equal(['load:resolved', 'keystatuseschange:2']);
    expect(session.sessionId).to.equal(id);
    expect(statuses(session.keyStatuses)).to.deep.equal([`${VIDEO}=usable`, `${AUDIO}=usable`]);
    expect(await keyStoreOf(mediaKeys)!.lookup(hex(VIDEO))).to.deep.equal(hex(keys.keys[VIDEO]!));
    await session.close();
  });

  it("keeps a key's output requirement through store and load: a restricted key comes back output-restricted", async () => {
    const mediaKeys = await freshMediaKeys();
    const session = mediaKeys.createSession('persistent-license');
    const message = next<MediaKeyMessageEvent>(session, 'message');
    await session.generateRequest('keyids', keyIdsInitData(VIDEO, AUDIO));
    created.push(session.sessionId);
    // The real license server's restrict:KID switch gives that key a minHdcpVersion (src/cdm/license.ts).
    const response = await postLicense(
      licenseUrl(uniqueId('persist-restrict'), `restrict:${VIDEO}`),
      new TextDecoder().decode((await message).message),
    );
    expect(response.status).to.equal(200);
    const change = next(session, 'keystatuseschange');
    await session.update(await response.arrayBuffer());
    await change;
    expect(statuses(session.keyStatuses)).to.deep.equal([`${VIDEO}=output-restricted`, `${AUDIO}=usable`]);
    await session.close();
    // Format 2: a version of this library that knows no output requirements refuses the record instead of
    // restoring the key as usable.
    expect((await getRawRecord(session.sessionId))?.['format']).to.equal(2);

    const reloaded = await freshMediaKeys();
    const loaded = reloaded.createSession('persistent-license');
    const loadedChange = next(loaded, 'keystatuseschange');
    expect(await loaded.load(session.sessionId)).to.equal(true);
    await loadedChange;
    expect(statuses(loaded.keyStatuses)).to.deep.equal([`${VIDEO}=output-restricted`, `${AUDIO}=usable`]);
    const store = keyStoreOf(reloaded)!;
    expect(store.lookup(hex(VIDEO))).to.equal(undefined);
    expect(await store.lookup(hex(AUDIO))).to.deep.equal(hex(keys.keys[AUDIO]!));
    await loaded.close();
  });

  it('writes a session without output requirements in format 1, and loads a format 1 record with its keys usable', async () => {
    const id = await storedSession([VIDEO]);
    // Format 1 is what earlier versions of this library wrote and read: they still load this record.
    expect(await getRawRecord(id)).to.deep.equal({
      format: 1,
      sessionId: id,
      sessionType: 'persistent-license',
      keys: [{ kid: b64url(VIDEO), k: b64url(keys.keys[VIDEO]!) }],
      released: null,
    });
    // A record as the previous format wrote it, put there by hand.
    const old = '95';
    created.push(old);
    await putRawRecord({
      format: 1,
      sessionId: old,
      sessionType: 'persistent-license',
      keys: [
        { kid: b64url(VIDEO), k: b64url(keys.keys[VIDEO]!) },
        { kid: b64url(AUDIO), k: b64url(keys.keys[AUDIO]!) },
      ],
      released: null,
    });
    const mediaKeys = await freshMediaKeys();
    const session = mediaKeys.createSession('persistent-license');
    const change = next(session, 'keystatuseschange');
    expect(await session.load(old)).to.equal(true);
    await change;
    expect(statuses(session.keyStatuses)).to.deep.equal([`${VIDEO}=usable`, `${AUDIO}=usable`]);
    expect(await keyStoreOf(mediaKeys)!.lookup(hex(VIDEO))).to.deep.equal(hex(keys.keys[VIDEO]!));
    await session.close();
  });

  it("removes: keys stop decrypting, 'license-release' names them, the acknowledgement closes and forgets", async () => {
    const id = await storedSession([VIDEO, AUDIO]);
    const mediaKeys = await freshMediaKeys();
    const store = keyStoreOf(mediaKeys)!;
    const session = mediaKeys.createSession('persistent-license');
    const loaded = next(session, 'keystatuseschange');
    await session.load(id);
    await loaded;
    expect(store.lookup(hex(VIDEO))).to.not.equal(undefined);

    const rec = new Recorder(session);
    const message = next<MediaKeyMessageEvent>(session, 'message');
    await rec.track('remove', session.remove());
    const release = await message;
    expect(store.lookup(hex(VIDEO))).to.equal(undefined);
    // The keys stay known as 'released' until the release is acknowledged (src/cdm/session.ts remove()).
    expect(rec.log).to.deep.equal(['remove:resolved', 'keystatuseschange:2', 'message:license-release']);
    expect(statuses(session.keyStatuses)).to.deep.equal([`${VIDEO}=released`, `${AUDIO}=released`]);
    expect(release.messageType).to.equal('license-release');
    // EME 9.1.5 License Release Format.
    expect(decodeJson(release.message)).to.deep.equal({ kids: [b64url(VIDEO), b64url(AUDIO)] });
    expect((await readSession(id))!.released!.length).to.equal(2);

    rec.log.length = 0;
    const change = next(session, 'keystatuseschange');
    // EME 9.1.6 License Release Acknowledgement Format: the released key IDs, in any order.
    await rec.track('update', session.update(json({ kids: [b64url(AUDIO), b64url(VIDEO)] })));
    await change;
    expect(rec.log).to.deep.equal(['closed:release-acknowledged', 'update:resolved', 'keystatuseschange:0']);
    expect(await session.closed).to.equal('release-acknowledged');
    expect(await readSession(id)).to.equal(undefined);
    expect(await (await freshMediaKeys()).createSession('persistent-license').load(id)).to.equal(false);
  });

  it("keeps an unacknowledged removal: a later load() shows the keys 'released' and remove() resends", async () => {
    const id = await storedSession([VIDEO]);
    const first = (await freshMediaKeys()).createSession('persistent-license');
    await first.load(id);
    const message = next(first, 'message');
    await first.remove();
    await message;
    await first.close();

    const mediaKeys = await freshMediaKeys();
    const session = mediaKeys.createSession('persistent-license');
    const change = next(session, 'keystatuseschange');
    expect(await session.load(id)).to.equal(true);
    await change;
    expect(statuses(session.keyStatuses)).to.deep.equal([`${VIDEO}=released`]);
    expect(keyStoreOf(mediaKeys)!.lookup(hex(VIDEO))).to.equal(undefined);
    const again = next<MediaKeyMessageEvent>(session, 'message');
    await session.remove();
    expect(decodeJson((await again).message)).to.deep.equal({ kids: [b64url(VIDEO)] });
    await session.update(json({ kids: [b64url(VIDEO)] }));
    expect(await session.closed).to.equal('release-acknowledged');
  });

  it('rejects an acknowledgement before remove() or for other key IDs with TypeError', async () => {
    const id = await storedSession([VIDEO]);
    const session = (await freshMediaKeys()).createSession('persistent-license');
    await session.load(id);
    expect(await settle(session.update(json({ kids: [b64url(VIDEO)] })))).to.equal('rejected:TypeError');
    const message = next(session, 'message');
    await session.remove();
    await message;
    expect(await settle(session.update(json({ kids: [b64url(AUDIO)] })))).to.equal('rejected:TypeError');
    expect(await settle(session.update(license(keys, [VIDEO], 'persistent-license')))).to.equal('rejected:TypeError');
    expect(await readSession(id)).to.not.equal(undefined);
    await session.close();
  });

  it('rejects a license whose "type" is \'temporary\' for a persistent-license session (update step 6.7.2)', async () => {
    const session = (await freshMediaKeys()).createSession('persistent-license');
    await session.generateRequest('keyids', keyIdsInitData(VIDEO));
    created.push(session.sessionId);
    expect(await settle(session.update(license(keys, [VIDEO], 'temporary')))).to.equal('rejected:TypeError');
    expect(await readSession(session.sessionId)).to.equal(undefined);
    await session.close();
  });

  it('takes a license without "type" for a persistent-license session and stores it (as the WPT license handler sends)', async () => {
    // EME 9.1.4 reads an absent "type" as 'temporary'; the W3C test suite's Clear Key handler sends none to
    // persistent-license sessions and expects them to play, store and reload (src/cdm/session.ts update()).
    const session = (await freshMediaKeys()).createSession('persistent-license');
    await session.generateRequest('keyids', keyIdsInitData(VIDEO));
    created.push(session.sessionId);
    const change = next(session, 'keystatuseschange');
    expect(await settle(session.update(license(keys, [VIDEO])))).to.equal('resolved:undefined');
    await change;
    expect(statuses(session.keyStatuses)).to.deep.equal([`${VIDEO}=usable`]);
    expect((await readSession(session.sessionId))?.keys.map((k) => k.kid.length)).to.deep.equal([16]);
    await session.close();
    const reloaded = (await freshMediaKeys()).createSession('persistent-license');
    expect(await reloaded.load(session.sessionId)).to.equal(true);
    await reloaded.close();
  });

  it('resolves false for an unknown session ID, leaving the session unusable', async () => {
    const session = (await freshMediaKeys()).createSession('persistent-license');
    expect(await session.load('4294967296')).to.equal(false);
    expect(session.sessionId).to.equal('');
    expect(await settle(session.update(license(keys, [VIDEO], 'persistent-license')))).to.equal(
      'rejected:InvalidStateError',
    );
  });

  it('rejects loading a session that is open elsewhere with QuotaExceededError (load step 8.3)', async () => {
    const id = await storedSession([VIDEO]);
    const open = (await freshMediaKeys()).createSession('persistent-license');
    await open.load(id);
    const second = (await freshMediaKeys()).createSession('persistent-license');
    const error = await second.load(id).then(
      () => null,
      (e: unknown) => e,
    );
    expect((error as DOMException).name).to.equal('QuotaExceededError');
    expect((error as DOMException).message).to.not.equal('');
    // WebIDL's QuotaExceededError interface where the browser has one (Chromium; not yet Firefox 153 or WebKitGTK
    // 2.50), with quota and requested null; a DOMException of that name elsewhere.
    const QuotaExceeded = (globalThis as { QuotaExceededError?: typeof DOMException }).QuotaExceededError;
    expect((error as object).constructor).to.equal(QuotaExceeded ?? DOMException);
    if (QuotaExceeded) {
      expect((error as { quota?: unknown }).quota).to.equal(null);
      expect((error as { requested?: unknown }).requested).to.equal(null);
    }
    await open.close();
    const third = (await freshMediaKeys()).createSession('persistent-license');
    expect(await third.load(id)).to.equal(true);
    await third.close();
  });

  it('lets exactly one of two racing load() calls win, and frees the ID when it closes', async () => {
    const id = await storedSession([VIDEO]);
    const [a, b] = [
      (await freshMediaKeys()).createSession('persistent-license'),
      (await freshMediaKeys()).createSession('persistent-license'),
    ];
    const outcomes = await Promise.all([settle(a.load(id)), settle(b.load(id))]);
    expect([...outcomes].sort()).to.deep.equal(['rejected:QuotaExceededError', 'resolved:true']);
    await (outcomes[0] === 'resolved:true' ? a : b).close();
    const c = (await freshMediaKeys()).createSession('persistent-license');
    expect(await c.load(id)).to.equal(true);
    await c.close();
  });

  it('rejects loading a session that another document has open with QuotaExceededError', async () => {
    const id = await storedSession([VIDEO]);
    const open = (await freshMediaKeys()).createSession('persistent-license');
    await open.load(id);
    // A same-origin iframe is another Document with its own copy of the CDM module.
    const iframe = document.createElement('iframe');
    document.body.append(iframe);
    try {
      const win = iframe.contentWindow as Window & typeof globalThis;
      const importer = new win.Function('url', 'return import(url)') as (url: string) => Promise<CdmModule>;
      const cdm = await importer(new URL('/src/cdm/index.ts', location.origin).href);
      expect(cdm.requestClearKeyAccess).to.not.equal(requestClearKeyAccess);
      const otherKeys = await (await cdm.requestClearKeyAccess(KEY_SYSTEM, [PERSISTENT_CONFIG])).createMediaKeys();
      expect(await settle(otherKeys.createSession('persistent-license').load(id))).to.equal(
        'rejected:QuotaExceededError',
      );
      await open.close();
      const there = otherKeys.createSession('persistent-license');
      expect(await there.load(id)).to.equal(true);
      await there.close();
    } finally {
      iframe.remove();
    }
  });

  it('reports a corrupt record as CdmError CORRUPT_SESSION_RECORD, never a crash', async () => {
    const damaged: unknown[] = [
      {
        sessionId: '91',
        format: 1,
        sessionType: 'persistent-license',
        keys: [{ kid: b64url(VIDEO), k: 'AAAA' }],
        released: null,
      },
      { sessionId: '92', format: 7, sessionType: 'persistent-license', keys: [], released: null },
      { sessionId: '93', format: 1, sessionType: 'persistent-license', keys: 'nope', released: null },
      { sessionId: '94' },
      // An output requirement that cannot be read, or in a format that has none, must not load as no requirement.
      {
        sessionId: '96',
        format: 2,
        sessionType: 'persistent-license',
        keys: [{ kid: b64url(VIDEO), k: b64url(keys.keys[VIDEO]!), minHdcpVersion: 2.2 }],
        released: null,
      },
      {
        sessionId: '97',
        format: 1,
        sessionType: 'persistent-license',
        keys: [{ kid: b64url(VIDEO), k: b64url(keys.keys[VIDEO]!), minHdcpVersion: '2.2' }],
        released: null,
      },
    ];
    for (const record of damaged) {
      const id = (record as { sessionId: string }).sessionId;
      created.push(id);
      await putRawRecord(record);
      const session = (await freshMediaKeys()).createSession('persistent-license');
      let error: unknown;
      try {
        await session.load(id);
      } catch (e) {
        error = e;
      }
      expect(error, id).to.be.instanceOf(CdmError);
      expect((error as CdmError).code).to.equal(CdmErrorCode.CORRUPT_SESSION_RECORD);
      expect((error as CdmError).data['sessionId']).to.equal(id);
      expect((error as CdmError).message).to.not.include(keys.keys[VIDEO]!);
    }
  });

  it('creates persistent-license sessions only when the configuration asked for them', async () => {
    const temporaryOnly = await (await requestClearKeyAccess(KEY_SYSTEM, [BASIC_CONFIG])).createMediaKeys();
    expect(() => temporaryOnly.createSession('persistent-license')).to.throw(DOMException);
    const persistentOnly = await (
      await requestClearKeyAccess(KEY_SYSTEM, [{ ...BASIC_CONFIG, sessionTypes: ['persistent-license'] }])
    ).createMediaKeys();
    // EME 6.2 step 1: the MediaKeys' supported session types are the configuration's.
    expect(() => persistentOnly.createSession('temporary')).to.throw(DOMException);
  });
});
