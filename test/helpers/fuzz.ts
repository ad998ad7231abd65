// Shared pieces of the fuzz tests (test/**/fuzz.test.ts): how many cases to run and with which seed, the allocation
// probe, and structural mutations of ISO-BMFF (duplicated, dropped and reordered boxes with consistent sizes).
//
// `npm test` runs each property a fixed number of times with a seed derived from the test's title, so a run is
// reproducible and CI never turns red on a new random case. `npm run fuzz` (tools/fuzz/run.mjs) sets FUZZ_RUNS or
// FUZZ_SECONDS and a random FUZZ_SEED; a failure names the seed and the command that replays it.
import fc from 'fast-check';
import { readBoxes } from '../../src/mp4/box.js';

interface FuzzConfig {
  runs: number | null;
  seconds: number | null;
  seed: number | null;
}

let config: Promise<FuzzConfig> | undefined;

function fuzzConfig(): Promise<FuzzConfig> {
  config ??= fetch('/__fuzz/config').then(
    (r) => (r.ok ? (r.json() as Promise<FuzzConfig>) : { runs: null, seconds: null, seed: null }),
    () => ({ runs: null, seconds: null, seed: null }),
  );
  return config;
}

/** FNV-1a of a string: a stable per-test seed, so tests do not share one sequence of cases. */
function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

export interface FuzzOptions {
  /**
   * Report the first failing case as generated, without shrinking it. For properties whose cases take seconds (a
   * browser playing media): shrinking would replay dozens of them. Default false.
   */
  endOnFailure?: boolean;
  /** Print the seed and the number of cases before running (console.log). Default false. */
  printSeed?: boolean;
}

/**
 * Runs a fast-check property: `defaultRuns` cases under `npm test`, FUZZ_RUNS cases or FUZZ_SECONDS seconds under
 * `npm run fuzz`. A failure rethrows fast-check's report (counterexample, seed, path) prefixed with the command that
 * replays it. Pass the test's mocha context (use `function () {...}` in `it`) so a timed run can raise the timeout.
 */
export async function fuzz<Ts extends [unknown, ...unknown[]]>(
  test: Mocha.Context,
  property: fc.IRawProperty<Ts>,
  defaultRuns: number,
  options: FuzzOptions = {},
): Promise<void> {
  const { runs, seconds, seed: baseSeed } = await fuzzConfig();
  const title = test.test?.fullTitle() ?? '';
  const seed = ((baseSeed ?? 0) ^ hash(title)) | 0;
  const params: fc.Parameters<Ts> = { seed, numRuns: runs ?? defaultRuns, includeErrorInReport: true };
  if (options.endOnFailure) params.endOnFailure = true;
  if (options.printSeed) {
    const amount = seconds ? `${seconds} s` : `${params.numRuns} cases`;
    console.log(`fuzz "${title}": fast-check seed ${seed} (FUZZ_SEED=${baseSeed ?? 0}), ${amount}`);
  }
  if (seconds) {
    params.numRuns = Number.MAX_SAFE_INTEGER;
    params.interruptAfterTimeLimit = seconds * 1000;
    params.markInterruptAsFailure = false;
    test.timeout(seconds * 1000 + 60_000);
  } else if (runs) test.timeout(0);
  try {
    await fc.assert(property, params);
  } catch (e) {
    const how = `FUZZ_SEED=${baseSeed ?? 0} ${seconds ? `FUZZ_SECONDS=${seconds}` : `FUZZ_RUNS=${params.numRuns}`}`;
    throw new Error(
      `Fuzz case failed (fast-check seed ${seed}; replay: ${how} npm run fuzz). ${(e as Error).message}`,
      {
        cause: e,
      },
    );
  }
}

/**
 * Runs `fn` and reports the largest typed array or ArrayBuffer it constructed (in bytes), by standing proxies in for
 * the global constructors while it runs. Library code refers to `Uint8Array` and `ArrayBuffer` as globals, so every
 * `new Uint8Array(n)` or `Uint8Array.from(...)` it makes is seen; views on existing buffers (subarray, `new
 * Uint8Array(buffer, offset, length)`) allocate nothing and count as 0. Synchronous code only.
 */
export function largestAllocation<T>(fn: () => T): { value?: T; error?: unknown; bytes: number } {
  const probe = installProbe();
  try {
    return { value: fn(), bytes: probe.bytes() };
  } catch (error) {
    return { error, bytes: probe.bytes() };
  } finally {
    probe.remove();
  }
}

/**
 * largestAllocation for async code (e.g. decryptSegment): the probe stays in place until the promise settles, so the
 * caller must not run other work meanwhile (a fuzz property awaiting one call does not). WebCrypto's results are
 * made by the browser, not through the globals, and are not counted.
 */
export async function largestAllocationAsync<T>(
  fn: () => Promise<T>,
): Promise<{ value?: T; error?: unknown; bytes: number }> {
  const probe = installProbe();
  try {
    return { value: await fn(), bytes: probe.bytes() };
  } catch (error) {
    return { error, bytes: probe.bytes() };
  } finally {
    probe.remove();
  }
}

function installProbe(): { bytes: () => number; remove: () => void } {
  let bytes = 0;
  const note = (args: unknown[], elementSize: number): void => {
    const first = args[0];
    if (typeof first === 'number') bytes = Math.max(bytes, first * elementSize);
    else if (Array.isArray(first) || (ArrayBuffer.isView(first) && !(first instanceof DataView))) {
      bytes = Math.max(bytes, (first as ArrayLike<unknown>).length * elementSize);
    }
  };
  const originals = { Uint8Array, ArrayBuffer, Int8Array, Uint32Array };
  const g = globalThis as unknown as Record<string, unknown>;
  for (const [name, ctor] of Object.entries(originals)) {
    const size = 'BYTES_PER_ELEMENT' in ctor ? ctor.BYTES_PER_ELEMENT : 1;
    g[name] = new Proxy(ctor, {
      construct(target, args, newTarget) {
        note(args, size);
        return Reflect.construct(target, args, newTarget === g[name] ? target : newTarget) as object;
      },
    });
  }
  return { bytes: () => bytes, remove: () => Object.assign(g, originals) };
}

/** An ISO-BMFF box as a tree: containers keep the fields before their children in `prefix`; leaves stay raw. */
interface BoxNode {
  type: string;
  /** The whole box, for a leaf (kept byte for byte, header included). */
  raw?: Uint8Array;
  /** Container: bytes between the 8-byte header and the first child (stsd's entry count, a sample entry's fields). */
  prefix?: Uint8Array;
  children?: BoxNode[];
}

/** Bytes before the children of containers that have fields first (ISO/IEC 14496-12 8.5.2, 12.1.3, 12.2.3). */
const CONTAINER_PREFIX: Record<string, number> = {
  moov: 0,
  trak: 0,
  mdia: 0,
  minf: 0,
  stbl: 0,
  mvex: 0,
  dinf: 0,
  edts: 0,
  udta: 0,
  moof: 0,
  traf: 0,
  mfra: 0,
  sinf: 0,
  schi: 0,
  rinf: 0,
  stsd: 8,
  encv: 78,
  avc1: 78,
  hvc1: 78,
  hev1: 78,
  av01: 78,
  vp09: 78,
  enca: 28,
  mp4a: 28,
  Opus: 28,
};

function toTree(bytes: Uint8Array, depth = 0): BoxNode[] {
  return readBoxes(bytes).map((b) => {
    const raw = bytes.subarray(b.start, b.start + b.size);
    const prefix = CONTAINER_PREFIX[b.type];
    if (prefix === undefined || b.headerSize !== 8 || depth > 10 || b.payload.length < prefix)
      return { type: b.type, raw };
    try {
      return {
        type: b.type,
        prefix: b.payload.subarray(0, prefix),
        children: toTree(b.payload.subarray(prefix), depth + 1),
      };
    } catch {
      return { type: b.type, raw };
    }
  });
}

function serialize(nodes: readonly BoxNode[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const write = (n: BoxNode): void => {
    if (n.raw) {
      parts.push(n.raw);
      return;
    }
    const body = serialize(n.children ?? []);
    const header = new Uint8Array(8 + n.prefix!.length);
    new DataView(header.buffer).setUint32(0, header.length + body.length);
    for (let i = 0; i < 4; i++) header[4 + i] = n.type.charCodeAt(i);
    header.set(n.prefix!, 8);
    parts.push(header, body);
  };
  nodes.forEach(write);
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Every list of sibling boxes in the tree (the top level first). */
function siblingLists(nodes: BoxNode[]): BoxNode[][] {
  const out: BoxNode[][] = [nodes];
  for (const n of nodes) if (n.children) out.push(...siblingLists(n.children));
  return out;
}

export type BoxEdit =
  | { kind: 'duplicate'; list: number; at: number }
  | { kind: 'drop'; list: number; at: number }
  | { kind: 'swap'; list: number; at: number; with: number }
  | { kind: 'move-to-end'; list: number; at: number };

export const boxEdit: fc.Arbitrary<BoxEdit> = fc.oneof(
  fc.record({
    kind: fc.constantFrom('duplicate' as const, 'drop' as const, 'move-to-end' as const),
    list: fc.nat(),
    at: fc.nat(),
  }),
  fc.record({ kind: fc.constant('swap' as const), list: fc.nat(), at: fc.nat(), with: fc.nat() }),
);

export const boxEdits = fc.array(boxEdit, { minLength: 1, maxLength: 3 });

/**
 * Applies structural edits to an ISO-BMFF buffer: boxes duplicated, dropped, swapped with a sibling or moved last,
 * at any level of the container tree, with every enclosing size rewritten so the result still parses as boxes.
 */
export function applyBoxEdits(bytes: Uint8Array, edits: readonly BoxEdit[]): Uint8Array {
  let tree: BoxNode[];
  try {
    tree = toTree(bytes);
  } catch {
    return bytes;
  }
  for (const e of edits) {
    const lists = siblingLists(tree).filter((l) => l.length > 0);
    const list = lists[e.list % lists.length];
    if (!list) break;
    const at = e.at % list.length;
    switch (e.kind) {
      case 'duplicate':
        list.splice(at, 0, list[at]!);
        break;
      case 'drop':
        list.splice(at, 1);
        break;
      case 'swap': {
        const other = e.with % list.length;
        [list[at], list[other]] = [list[other]!, list[at]!];
        break;
      }
      case 'move-to-end':
        list.push(...list.splice(at, 1));
        break;
    }
  }
  return serialize(tree);
}
