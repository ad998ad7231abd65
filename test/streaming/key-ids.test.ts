// What init data the segment filter announces for content packaged for other DRM systems and for key rotation with a
// placeholder tenc KID (src/streaming/key-ids.ts): real fixture bytes, changed here in place (same sizes, so every
// offset stays valid) into the layouts other packagers write, which our packager does not make yet.
import { expect } from '@open-wc/testing';
import { findBoxes } from '../../src/mp4/box.js';
import { toHex } from '../../src/mp4/bytes.js';
import { SegmentFilter } from '../../src/streaming/segment-filter.js';
import type { DrmHooks } from '../../src/streaming/segment-filter.js';
import { KID } from '../helpers/license-server.js';

const TYPES = { MANIFEST: 0, SEGMENT: 1, INIT_SEGMENT: 2, MEDIA_SEGMENT: 3 };
const WIDEVINE = [0xed, 0xef, 0x8b, 0xa9, 0x79, 0xd6, 0x4a, 0xce, 0xa3, 0xc8, 0x27, 0xdc, 0xd5, 0x1d, 0x21, 0xed];

async function bytes(path: string): Promise<Uint8Array> {
  return new Uint8Array(await (await fetch(path)).arrayBuffer());
}

/** Every pssh box of `path` (under `parents`) now names Widevine's system ID: a Widevine-only package. */
function toWidevine(data: Uint8Array, parents: string[]): Uint8Array {
  for (const box of findBoxes(data, [...parents, 'pssh'])) data.set(WIDEVINE, box.start + box.headerSize + 4);
  return data;
}

/** The tenc default_KID (ISO/IEC 23001-7 8.2) becomes all zeros, as key rotation writes it. */
function zeroTencKid(init: Uint8Array): Uint8Array {
  // tenc sits inside a sample entry, which findBoxes does not enter: found by its type. Box header (8), full box
  // header (4), then reserved, pattern, isProtected and IV size (4), then the 16-byte KID.
  const at = indexOfType(init, 'tenc') - 4;
  expect(at).to.be.greaterThan(0);
  expect(indexOfType(init.subarray(at + 8), 'tenc')).to.equal(-1); // one protected track
  init.fill(0, at + 16, at + 32);
  return init;
}

function indexOfType(data: Uint8Array, type: string): number {
  const code = [...type].map((c) => c.charCodeAt(0));
  for (let i = 0; i + 4 <= data.length; i++) if (code.every((b, j) => data[i + j] === b)) return i;
  return -1;
}

/** The moof's pssh boxes become 'free' boxes of the same size: key rotation with no pssh in moof. */
function dropMoofPssh(segment: Uint8Array): Uint8Array {
  for (const box of findBoxes(segment, ['moof', 'pssh'])) segment.set([0x66, 0x72, 0x65, 0x65], box.start + 4);
  return segment;
}

interface Announced {
  cenc: string[][];
  keyIds: string[][];
}

function recorder(): { hooks: DrmHooks; announced: Announced } {
  const announced: Announced = { cenc: [], keyIds: [] };
  const hooks: DrmHooks = {
    onEncryptionScheme: () => undefined,
    onInitData: (_type, data) => announced.cenc.push([toHex(data)]),
    onKeyIds: (kids) => announced.keyIds.push(kids.map(toHex)),
    // The native path: the filter announces, and leaves the bytes as they are.
    decryption: () => Promise.resolve(null),
    onWaitingForKey: () => undefined,
  };
  return { hooks, announced };
}

async function feed(filter: SegmentFilter, init: Uint8Array, segments: Uint8Array[]): Promise<void> {
  const stream = { id: 1 };
  const initUri = 'https://example.test/init.mp4';
  filter.requestFilter(
    TYPES.SEGMENT,
    { uris: [initUri], method: 'GET', body: null, headers: {} },
    {
      type: TYPES.INIT_SEGMENT,
      stream,
    },
  );
  await filter.filter(
    TYPES.SEGMENT,
    { uri: initUri, originalUri: initUri, data: init, headers: {} },
    {
      type: TYPES.INIT_SEGMENT,
      stream,
    },
  );
  for (const [i, data] of segments.entries()) {
    const uri = `https://example.test/seg-${i}.m4s`;
    filter.requestFilter(
      TYPES.SEGMENT,
      { uris: [uri], method: 'GET', body: null, headers: {} },
      {
        type: TYPES.MEDIA_SEGMENT,
        stream,
      },
    );
    await filter.filter(
      TYPES.SEGMENT,
      { uri, originalUri: uri, data, headers: {} },
      {
        type: TYPES.MEDIA_SEGMENT,
        stream,
      },
    );
  }
}

describe('segment filter: init data for content packaged for other systems, and key rotation', () => {
  it('announces the tenc KID as keyids, not the pssh, when every pssh is another system’s', async () => {
    const { hooks, announced } = recorder();
    const filter = new SegmentFilter({ drm: hooks }, TYPES, new AbortController().signal);
    const init = toWidevine(await bytes('/test/fixtures/cenc/init-0.mp4'), ['moov']);
    await feed(filter, init, [await bytes('/test/fixtures/cenc/seg-0-1.m4s')]);
    expect(announced.cenc).to.deep.equal([]);
    expect(announced.keyIds[0]).to.deep.equal([KID.video]);
  });

  it('still announces a Clear Key pssh as cenc init data', async () => {
    const { hooks, announced } = recorder();
    const filter = new SegmentFilter({ drm: hooks }, TYPES, new AbortController().signal);
    await feed(filter, await bytes('/test/fixtures/cenc/init-0.mp4'), []);
    expect(announced.cenc).to.have.length(1);
    expect(announced.keyIds).to.deep.equal([]);
  });

  it('takes no all-zero tenc KID as a key request; each period’s KIDs come from seig (no pssh in moof)', async () => {
    const { hooks, announced } = recorder();
    const filter = new SegmentFilter({ drm: hooks }, TYPES, new AbortController().signal);
    const init = zeroTencKid(await bytes('/test/fixtures/key-rotation/init-0.mp4'));
    // No pssh in the init either: the placeholder KID is all there is before the first fragment.
    for (const box of findBoxes(init, ['moov', 'pssh'])) init.set([0x66, 0x72, 0x65, 0x65], box.start + 4);
    const segments = await Promise.all(
      [1, 2, 3, 4].map(async (n) => dropMoofPssh(await bytes(`/test/fixtures/key-rotation/seg-0-${n}.m4s`))),
    );
    await feed(filter, init, segments);
    expect(announced.cenc).to.deep.equal([]);
    const all = announced.keyIds.flat();
    expect(all).not.to.include('00000000000000000000000000000000');
    expect([...new Set(all)]).to.deep.equal([KID.rotation1, KID.rotation2]);
  });

  it('takes the moof pssh of each key period where there is one', async () => {
    const { hooks, announced } = recorder();
    const filter = new SegmentFilter({ drm: hooks }, TYPES, new AbortController().signal);
    const init = zeroTencKid(await bytes('/test/fixtures/key-rotation/init-0.mp4'));
    for (const box of findBoxes(init, ['moov', 'pssh'])) init.set([0x66, 0x72, 0x65, 0x65], box.start + 4);
    const segments = await Promise.all([1, 3].map((n) => bytes(`/test/fixtures/key-rotation/seg-0-${n}.m4s`)));
    await feed(filter, init, segments);
    expect(announced.keyIds.flat()).not.to.include('00000000000000000000000000000000');
    expect(announced.cenc).to.have.length(2);
    expect(announced.cenc[0]![0]).to.include(KID.rotation1);
    expect(announced.cenc[1]![0]).to.include(KID.rotation2);
  });
});
