// fast-check arbitraries that damage valid ISO-BMFF in the ways issue 3 item 5 lists: truncation, byte flips,
// lying box sizes (0, 1, below the header, past the end, huge 64-bit), and inserted or duplicated bytes.
import fc from 'fast-check';
import { readBoxes, type Box } from '../../../src/mp4/box.js';

export type Mutation =
  | { kind: 'truncate'; at: number }
  | { kind: 'flip'; at: number; value: number }
  | { kind: 'size'; box: number; value: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'field'; at: number; value: number };

const SIZE_VALUES = [0, 1, 2, 7, 8, 9, 15, 16, 17, 0x7fffffff, 0xffffffff, 0x10000];

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({
    kind: fc.constant('size' as const),
    box: fc.nat(),
    value: fc.oneof(fc.constantFrom(...SIZE_VALUES), fc.integer({ min: 0, max: 0xffffffff })),
  }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 24 }),
  }),
  fc.record({
    kind: fc.constant('field' as const),
    at: fc.nat(),
    value: fc.oneof(
      fc.constantFrom(0, 1, 2, 8, 16, 0xff, 0xffff, 0x10001, 0xffffffff),
      fc.integer({ min: 0, max: 0xffffffff }),
    ),
  }),
);

/** Every box in `bytes`, recursing into the children of anything that parses as a box list. */
export function allBoxes(bytes: Uint8Array): Box[] {
  const out: Box[] = [];
  const walk = (b: Uint8Array, base: number, depth: number): void => {
    let boxes: Box[];
    try {
      boxes = readBoxes(b, '', base);
    } catch {
      return;
    }
    for (const x of boxes) {
      out.push(x);
      if (depth < 12 && x.payload.length >= 8) walk(x.payload, x.start + x.headerSize, depth + 1);
    }
  };
  walk(bytes, 0, 0);
  return out;
}

export function applyMutations(input: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let bytes = input.slice();
  for (const m of mutations) {
    if (bytes.length === 0) break;
    const view = new DataView(bytes.buffer);
    switch (m.kind) {
      case 'truncate':
        bytes = bytes.slice(0, m.at % bytes.length);
        break;
      case 'flip':
        bytes[m.at % bytes.length] = m.value;
        break;
      case 'size': {
        const boxes = allBoxes(bytes);
        const b = boxes[m.box % Math.max(1, boxes.length)];
        if (b) view.setUint32(b.start, m.value);
        break;
      }
      case 'field':
        if (bytes.length >= 4) view.setUint32(m.at % (bytes.length - 3), m.value);
        break;
      case 'insert': {
        const at = m.at % bytes.length;
        const next = new Uint8Array(bytes.length + m.bytes.length);
        next.set(bytes.subarray(0, at));
        next.set(m.bytes, at);
        next.set(bytes.subarray(at), at + m.bytes.length);
        bytes = next;
        break;
      }
    }
  }
  return bytes;
}

export const mutations = fc.array(mutation, { minLength: 1, maxLength: 4 });
