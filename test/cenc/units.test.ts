// Where the polyfill cuts an append stream into whole units (init segment, media segment up to its mdat): with the
// real fixture bytes cut at arbitrary offsets, the units handed on are exactly the whole init and media segments,
// in order, whatever the cuts.
import { expect } from '@open-wc/testing';
import fc from 'fast-check';
import { readBoxes } from '../../src/mp4/box.js';
import { concat } from '../../src/mp4/writer.js';
import { AT_BOUNDARY, advance, holdsWholeMoof, wholeUnitsLength } from '../../src/cenc/units.js';
import { fuzz } from '../helpers/fuzz.js';

async function bytes(path: string): Promise<Uint8Array> {
  return new Uint8Array(await (await fetch(path)).arrayBuffer());
}

/** Feeds `stream` in chunks cut at `cuts` the way the SourceBuffer wrapper does; returns the units handed on. */
function feed(stream: Uint8Array, cuts: number[]): Uint8Array[] {
  const units: Uint8Array[] = [];
  let held = new Uint8Array(0);
  const bounds = [...new Set([0, ...cuts, stream.length])].sort((a, b) => a - b);
  for (let i = 1; i < bounds.length; i++) {
    const all = concat(held, stream.subarray(bounds[i - 1], bounds[i]));
    const cut = wholeUnitsLength(all);
    if (cut > 0) units.push(all.subarray(0, cut));
    held = all.slice(cut);
  }
  expect(held.length).to.equal(0);
  return units;
}

const types = (unit: Uint8Array): string[] => readBoxes(unit).map((b) => b.type);

describe('polyfill: whole units of an append stream', () => {
  let init: Uint8Array;
  let segments: Uint8Array[];
  before(async () => {
    init = await bytes('/test/fixtures/cenc/init-0.mp4');
    segments = await Promise.all([1, 2].map((n) => bytes(`/test/fixtures/cenc/seg-0-${n}.m4s`)));
  });

  it('hands on whole init and media segments, in order, wherever the appends cut them', async function () {
    const stream = concat(init, ...segments);
    await fuzz(
      this,
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 12 }), async (cuts) => {
        const units = feed(stream, cuts);
        expect([...concat(...units)]).to.deep.equal([...stream]);
        // Every unit is whole boxes and ends an init (moov) or a media segment (mdat).
        for (const unit of units) expect(['moov', 'mdat']).to.include(types(unit).at(-1));
        // A unit never splits one: every unit ends where the init or a media segment ends.
        const segmentEnds = [init.length, init.length + segments[0]!.length, stream.length];
        const unitEnds = units.map((_, i) => concat(...units.slice(0, i + 1)).length);
        expect(segmentEnds).to.include.members(unitEnds);
      }),
      50,
    );
  });

  it('holds everything until a whole unit is there, including a box header cut inside its size field', () => {
    const stream = concat(init, segments[0]!);
    expect(wholeUnitsLength(stream.subarray(0, 3))).to.equal(0);
    expect(wholeUnitsLength(stream.subarray(0, init.length - 1))).to.equal(0);
    expect(wholeUnitsLength(stream.subarray(0, init.length + 8))).to.equal(init.length);
    expect(wholeUnitsLength(stream)).to.equal(stream.length);
  });

  it('says a held segment start is being parsed once it holds a whole moof', () => {
    const segment = segments[0]!;
    const moof = readBoxes(segment).find((b) => b.type === 'moof')!;
    const moofEnd = moof.start + moof.size;
    expect(holdsWholeMoof(segment.subarray(0, moof.start + 8))).to.equal(false);
    expect(holdsWholeMoof(segment.subarray(0, moofEnd - 1))).to.equal(false);
    expect(holdsWholeMoof(segment.subarray(0, moofEnd))).to.equal(true);
    expect(holdsWholeMoof(segment.subarray(0, moofEnd + 4))).to.equal(true);
  });

  it('takes a box whose size is below its header as it is, for the parser to reject', () => {
    const bad = new Uint8Array([0, 0, 0, 4, 0x6d, 0x6f, 0x6f, 0x66, 0, 0]);
    expect(wholeUnitsLength(bad)).to.equal(bad.length);
  });

  it('follows the box structure of bytes the platform takes directly, wherever the appends cut them', async function () {
    const stream = concat(init, ...segments);
    const boundaries = new Set([0, ...readBoxes(stream).map((b) => b.start + b.size)]);
    await fuzz(
      this,
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 12 }), async (cuts) => {
        const bounds = [...new Set([0, ...cuts, stream.length])].sort((a, b) => a - b);
        let position = AT_BOUNDARY;
        for (let i = 1; i < bounds.length; i++) {
          position = advance(position, stream.subarray(bounds[i - 1], bounds[i]));
          expect(position === AT_BOUNDARY).to.equal(boundaries.has(bounds[i]!));
        }
      }),
      50,
    );
  });
});
