// The decrypt core (src/cenc/track.ts) on its own, with our packager's fixtures, the bundled CDM's real key store
// (keys arrive through a real session's update()) and real WebCrypto: appends cut anywhere, clear and protected
// content following each other both ways, key rotation by moof pssh, a missing key (one wait signal, then the
// rest), and abort while waiting.
import { expect } from '@open-wc/testing';
import { keyStoreOf, requestClearKeyAccess, type ClearKeyStore } from '../../src/cdm/index.js';
import { CencTrack, type FoundInitData, type KeySource } from '../../src/cenc/index.js';
import { decryptSegment } from '../../src/cenc/decrypt-segment.js';
import { readBoxes } from '../../src/mp4/box.js';
import { toHex } from '../../src/mp4/bytes.js';
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

function record(keys: KeySource | null): Recording {
  let waited = (): void => {};
  const r: Recording = {
    emitted: [],
    found: [],
    waits: [],
    nextWait: () => new Promise<void>((resolve) => (waited = resolve)),
    track: new CencTrack({
      onInitData: (found, where) => r.found.push({ where, found }),
      decryption: () => Promise.resolve(keys),
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

describe('cenc: the decrypt core (CencTrack)', () => {
  let keys: TestKeys;
  let VIDEO: string;
  let init: Uint8Array;
  let seg1: Uint8Array;
  let seg2: Uint8Array;

  before(async () => {
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
});
