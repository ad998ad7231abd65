// The decrypt core (src/cenc/track.ts) on its own, with our packager's fixtures, the bundled CDM's real key store
// (keys arrive through a real session's update()) and real WebCrypto: appends cut anywhere, clear and protected
// content following each other both ways, key rotation by moof pssh, a missing key (one wait signal, then the
// rest), and abort while waiting. Every case runs twice: with the core's media work in a decrypt Worker (the page's
// default) and on the main thread (where a page allows no worker).
import { expect } from '@open-wc/testing';
import { keyStoreOf, requestClearKeyAccess, type ClearKeyStore } from '../../src/cdm/index.js';
import { CencTrack, type FoundInitData, type KeySource } from '../../src/cenc/index.js';
import type { CencBackend } from '../../src/cenc/backend.js';
import { coreBackend, coreThread, mainThreadBackend, startDecryptWorker } from '../../src/cenc/thread.js';
import { decryptSegment } from '../../src/cenc/decrypt-segment.js';
import { readBoxes } from '../../src/mp4/box.js';
import { toHex } from '../../src/mp4/bytes.js';
import { Mp4ParseError } from '../../src/mp4/errors.js';
import { parseInit } from '../../src/mp4/init.js';
import { rewriteInitToClear } from '../../src/mp4/rewrite.js';
import { parseSegment } from '../../src/mp4/segment.js';
import { concat } from '../../src/mp4/writer.js';
import { BASIC_CONFIG, KEY_SYSTEM, keyIdsInitData, license, testKeys, type TestKeys } from '../cdm/conformance.js';

async function bytes(path: string): Promise<Uint8Array> {
  return new Uint8Array(await (await fetch(path)).arrayBuffer());
}

const CENC = '/test/fixtures/cenc/';
const CLEAR = '/test/fixtures/clear/';

/** A bundled MediaKeys; `licensed(kids)` makes those keys usable through a session, as a license would. */
async function bundled(keys: TestKeys): Promise<{ store: ClearKeyStore; licensed(kids: string[]): Promise<void> }> {
  const mediaKeys = await (await requestClearKeyAccess(KEY_SYSTEM, [BASIC_CONFIG])).createMediaKeys();
  return {
    store: keyStoreOf(mediaKeys)!,
    async licensed(kids) {
      const session = mediaKeys.createSession();
      await session.generateRequest('keyids', keyIdsInitData(...kids));
      await session.update(license(keys, kids));
    },
  };
}

/** The store as a KeySource that counts lookups (a clear fragment makes none). */
function counted(store: ClearKeyStore): KeySource & { lookups: string[] } {
  const lookups: string[] = [];
  return {
    lookups,
    lookup: (kid) => {
      lookups.push(toHex(kid));
      return store.lookup(kid);
    },
    waitForKey: (kid, signal) => store.waitForKey(kid, signal),
  };
}

interface Recording {
  track: CencTrack;
  emitted: Uint8Array[];
  found: { where: 'init' | 'moof'; found: FoundInitData }[];
  waits: string[];
  /** Resolves at the next onWaitingForKey. */
  nextWait(): Promise<void>;
  append(data: Uint8Array, signal?: AbortSignal): Promise<void>;
}

function recordOn(keys: KeySource | null, backend: () => Promise<CencBackend>): Recording {
  let waited = (): void => {};
  const r: Recording = {
    emitted: [],
    found: [],
    waits: [],
    nextWait: () => new Promise<void>((resolve) => (waited = resolve)),
    track: new CencTrack({
      onInitData: (found, where) => r.found.push({ where, found }),
      decryption: () => Promise.resolve(keys),
      backend,
      onWaitingForKey: (kid) => {
        r.waits.push(toHex(kid));
        waited();
      },
    }),
    // A copy goes in: the core decrypts in place, and the fixtures are reused as references.
    append: (data, signal = new AbortController().signal) =>
      r.track.append(data.slice(), signal, (clear) => r.emitted.push(clear.slice())),
  };
  return r;
}

/** What the platform must get for a protected init and its segments: the clear init, then each segment decrypted. */
async function expectedClear(init: Uint8Array, segments: Uint8Array[], store: ClearKeyStore): Promise<Uint8Array[]> {
  const info = parseInit(init);
  const out = [rewriteInitToClear(init)];
  for (const s of segments) out.push(await decryptSegment(s, info, store.lookup));
  return out;
}

const THREADS = [
  { thread: 'worker', start: startDecryptWorker },
  { thread: 'main', start: mainThreadBackend },
] as const;

for (const { thread, start } of THREADS)
  describe(`cenc: the decrypt core (CencTrack), on the ${thread} thread`, () => {
    let keys: TestKeys;
    let backend: CencBackend;
    const record = (source: KeySource | null): Recording => recordOn(source, () => Promise.resolve(backend));
    let VIDEO: string;
    let init: Uint8Array;
    let seg1: Uint8Array;
    let seg2: Uint8Array;

    before(async () => {
      backend = await start();
      // The worker really started: a fallback to the main thread would make these the main thread's tests twice.
      expect(backend.thread).to.equal(thread);
      keys = await testKeys();
      VIDEO = keys.names.video;
      [init, seg1, seg2] = await Promise.all([
        bytes(`${CENC}init-0.mp4`),
        bytes(`${CENC}seg-0-1.m4s`),
        bytes(`${CENC}seg-0-2.m4s`),
      ]);
    });

    it('takes appends cut anywhere and emits each unit once whole, as whole segments would decrypt', async () => {
      const cdm = await bundled(keys);
      await cdm.licensed([VIDEO]);
      const stream = concat(init, seg1, seg2);
      const moof = readBoxes(seg1).find((b) => b.type === 'moof')!;
      // In a box header, one byte short of the init's end, between moof and mdat, inside the mdat, and every 7919 bytes.
      const cuts = new Set([5, init.length - 1, init.length + moof.start + moof.size, init.length + seg1.length - 3]);
      for (let at = 7919; at < stream.length; at += 7919) cuts.add(at);
      const bounds = [0, ...[...cuts].sort((a, b) => a - b), stream.length];
      const r = record(cdm.store);
      const counts: number[] = [];
      for (let i = 1; i < bounds.length; i++) {
        await r.append(stream.subarray(bounds[i - 1], bounds[i]));
        counts.push(r.emitted.length);
      }
      // Nothing is emitted before the init is whole; then the init, each segment as its mdat completes.
      expect(counts[0]).to.equal(0);
      expect(r.emitted.length).to.equal(3);
      expect(r.track.holding).to.equal(false);
      const want = await expectedClear(init, [seg1, seg2], cdm.store);
      expect(r.emitted.map(toHex)).to.deep.equal(want.map(toHex));
      expect(r.waits).to.deep.equal([]);
    });

    it('takes clear content, then protected content, in one append (a clear init and fragments before encrypted ones)', async () => {
      const cdm = await bundled(keys);
      await cdm.licensed([VIDEO]);
      const [clearInit, clearSeg] = await Promise.all([bytes(`${CLEAR}init-0.mp4`), bytes(`${CLEAR}seg-0-1.m4s`)]);
      const r = record(cdm.store);
      await r.append(concat(clearInit, clearSeg, init, seg2));
      const want = await expectedClear(init, [seg2], cdm.store);
      expect(r.emitted.map(toHex)).to.deep.equal([toHex(clearInit), toHex(clearSeg), ...want.map(toHex)]);
      // Only the protected init announces init data (its pssh as 'cenc', its default KID).
      expect(r.found.map((f) => f.where)).to.deep.equal(['init']);
      expect(toHex(r.found[0]!.found.cenc!)).to.equal(toHex(parseInit(init).pssh[0]!.bytes));
      expect(r.found[0]!.found.kids.map(toHex)).to.deep.equal([VIDEO]);
      expect(r.track.decrypting).to.equal(true);
    });

    it('takes protected content, then clear content, in one append: media after the clear init passes untouched', async () => {
      const cdm = await bundled(keys);
      await cdm.licensed([VIDEO]);
      const [clearInit, clearSeg] = await Promise.all([bytes(`${CLEAR}init-0.mp4`), bytes(`${CLEAR}seg-0-2.m4s`)]);
      const source = counted(cdm.store);
      const r = record(source);
      await r.append(concat(init, seg1, clearInit, clearSeg));
      const want = await expectedClear(init, [seg1], cdm.store);
      expect(r.emitted.map(toHex)).to.deep.equal([...want.map(toHex), toHex(clearInit), toHex(clearSeg)]);
      expect(source.lookups).to.deep.equal([VIDEO]);
      expect(r.track.decrypting).to.equal(false);
    });

    it("passes a clear lead's clear fragments without asking for a key, then decrypts (Shaka Packager's clear lead)", async () => {
      const cdm = await bundled(keys);
      await cdm.licensed([VIDEO]);
      const base = '/test/fixtures/clear-lead/';
      const [leadInit, lead, next] = await Promise.all([
        bytes(`${base}init-0.mp4`),
        bytes(`${base}seg-0-1.m4s`),
        bytes(`${base}seg-0-2.m4s`),
      ]);
      const source = counted(cdm.store);
      const r = record(source);
      await r.append(concat(leadInit, lead));
      expect(source.lookups).to.deep.equal([]);
      await r.append(next);
      expect(source.lookups).to.deep.equal([VIDEO]);
      const want = await expectedClear(leadInit, [lead, next], cdm.store);
      expect(r.emitted.map(toHex)).to.deep.equal(want.map(toHex));
    });

    it('announces the pssh of a moof (key rotation) before it waits for the new key, then decrypts with it', async () => {
      const cdm = await bundled(keys);
      const base = '/test/fixtures/key-rotation/';
      const [rotInit, first, third] = await Promise.all([
        bytes(`${base}init-0.mp4`),
        bytes(`${base}seg-0-1.m4s`),
        bytes(`${base}seg-0-3.m4s`),
      ]);
      const r = record(cdm.store);
      await r.append(rotInit);
      const waiting = r.nextWait();
      const done = r.append(first);
      await waiting;
      // The moof's pssh is out before the wait: a player answers it with a license request.
      expect(r.found.map((f) => f.where)).to.deep.equal(['init', 'moof']);
      const moofPssh = parseSegment(first, parseInit(rotInit)).pssh;
      expect(toHex(r.found[1]!.found.cenc!)).to.equal(toHex(concat(...moofPssh.map((p) => p.bytes))));
      await cdm.licensed([keys.names['rotation-1']]);
      await done;
      await cdm.licensed([keys.names['rotation-2']]);
      await r.append(third);
      expect(r.found.map((f) => f.where)).to.deep.equal(['init', 'moof', 'moof']);
      expect(r.waits).to.deep.equal([keys.names['rotation-1']]);
      const want = await expectedClear(rotInit, [first, third], cdm.store);
      expect(r.emitted.map(toHex)).to.deep.equal(want.map(toHex));
    });

    it('passes protected media on untouched when a platform CDM decrypts (decryption() gives no keys)', async () => {
      const r = record(null);
      await r.append(concat(init, seg1));
      expect(r.emitted.map(toHex)).to.deep.equal([toHex(init), toHex(seg1)]);
      expect(r.track.decrypting).to.equal(false);
    });

    it('waits for a missing key with exactly one wait signal, then emits the clear segment when the key comes', async () => {
      const cdm = await bundled(keys);
      const r = record(cdm.store);
      await r.append(init);
      const waiting = r.nextWait();
      const done = r.append(concat(seg1, seg2));
      await waiting;
      // The init went; the segments wait, in order.
      expect(r.emitted.length).to.equal(1);
      await cdm.licensed([VIDEO]);
      await done;
      expect(r.waits).to.deep.equal([VIDEO]);
      const want = await expectedClear(init, [seg1, seg2], cdm.store);
      expect(r.emitted.map(toHex)).to.deep.equal(want.map(toHex));
    });

    it('ends a wait for a key when the signal aborts: the append rejects with its reason, and the track goes on', async () => {
      const cdm = await bundled(keys);
      const r = record(cdm.store);
      await r.append(init);
      const controller = new AbortController();
      const waiting = r.nextWait();
      const failed = r.append(seg1, controller.signal).then(
        () => 'resolved',
        (e: unknown) => e,
      );
      await waiting;
      const reason = new Error('stopped');
      controller.abort(reason);
      expect(await failed).to.equal(reason);
      expect(r.emitted.length).to.equal(1);
      // The next append, with its own signal, is not held up by the aborted one.
      r.track.reset();
      await cdm.licensed([VIDEO]);
      await r.append(seg2);
      const want = await expectedClear(init, [seg2], cdm.store);
      expect(r.emitted.map(toHex)).to.deep.equal(want.map(toHex));
    });
    it(`hands a media segment's buffer to the ${thread} thread: ${thread === 'worker' ? 'transferred, not copied' : 'decrypted in place'}`, async () => {
      const cdm = await bundled(keys);
      await cdm.licensed([VIDEO]);
      const r = record(cdm.store);
      await r.append(init);
      const input = seg1.slice();
      const clear = await r.track.media(input, new AbortController().signal);
      const want = await expectedClear(init, [seg1], cdm.store);
      expect(toHex(clear)).to.equal(toHex(want[1]!));
      if (thread === 'worker') {
        // Transferred: the caller's buffer is detached, and the clear bytes come back in the same memory, transferred.
        expect(input.byteLength).to.equal(0);
        expect(clear.byteLength).to.equal(seg1.byteLength);
      } else {
        expect(clear).to.equal(input);
      }
    });

    it("fails a malformed media segment with the parser's own typed error (Mp4ParseError, its code and box path)", async () => {
      const r = record({ lookup: () => undefined, waitForKey: () => Promise.reject(new Error('not asked')) });
      await r.append(init);
      // The moof and the first bytes of its mdat: the samples run past the end.
      const moof = readBoxes(seg1).find((b) => b.type === 'moof')!;
      const cut = seg1.slice(0, moof.start + moof.size + 8 + 100);
      let expected: unknown;
      try {
        parseSegment(cut, parseInit(init));
      } catch (e) {
        expected = e;
      }
      expect(expected).to.be.instanceOf(Mp4ParseError);
      const failure = await r.track.media(cut.slice(), new AbortController().signal).then(
        () => null,
        (e: unknown) => e,
      );
      expect(failure).to.be.instanceOf(Mp4ParseError);
      const { code, message, boxPath } = failure as Mp4ParseError;
      const want = expected as Mp4ParseError;
      expect({ code, message, boxPath }).to.deep.equal({
        code: want.code,
        message: want.message,
        boxPath: want.boxPath,
      });
      expect(r.waits).to.deep.equal([]);
    });
  });

describe("cenc: the page's decrypt backend", () => {
  it('is one worker for every track and element of the page, and says so', async () => {
    const [a, b] = await Promise.all([coreBackend(), coreBackend()]);
    expect(a).to.equal(b);
    expect(a.thread).to.equal('worker');
    expect(coreThread()).to.equal('worker');
  });

  it('starts no worker where the page has no Worker: the start rejects, and the main thread takes the work', async () => {
    const saved = globalThis.Worker;
    (globalThis as { Worker?: typeof Worker }).Worker = undefined;
    try {
      const failure = await startDecryptWorker().then(
        () => null,
        (e: unknown) => e,
      );
      expect(failure).to.be.instanceOf(Error);
    } finally {
      globalThis.Worker = saved;
    }
    expect((await mainThreadBackend()).thread).to.equal('main');
  });
});
