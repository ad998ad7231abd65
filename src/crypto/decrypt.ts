// Sample and segment decryption for the four CENC schemes (ISO/IEC 23001-7 10), batched so that WebCrypto's
// per-call cost does not dominate: the CBC work of one key is one call per segment (chains repaired afterwards, see
// cbc.ts); CTR work is one call per sample, merged across samples whose counters continue each other. A call never
// takes more than `callBytes`: larger work is cut into calls that engines with a WebCrypto thread pool (Gecko) run
// side by side. All calls of a segment are started before any result is awaited, and CTR results are written back
// as they arrive, so that copying overlaps the cipher work still running off the main thread.
//
// What comes in is a plan: byte ranges of samples, how each is encrypted and its raw key. Where the samples are in a
// file, and which key a KID names, is the decrypt core's business (src/cenc); nothing here knows a box.
import { CBC_TAIL_BYTES, cbcDecryptChains, cbcTail, type CbcChain } from './cbc.js';
import { addBlocks, counterBlock, ctrDecrypt, isAdvancedBy } from './ctr.js';
import { CryptoError, CryptoErrorCode } from './errors.js';
import { importAesKey, type AesMode } from './key-cache.js';
import { cipherRanges, type SampleCipher } from './ranges.js';

/** Fields per run in Job.runs: [sourceOffset, length, stride, count, bufferOffset]. */
const RUN = 5;

/**
 * Default largest cipher input of one call. Gecko runs concurrent calls on several threads and returns each result
 * while the next is still in the cipher, Chromium runs the cipher inside the call and every call costs WebKit
 * ~0.02-0.04 ms: with 128 KiB, a 2 MiB 'cbc1' segment decrypted in place went from ~0.95 to 1.1-1.9 of the raw
 * cipher time in Chromium, 1.0 to 1.3 in Firefox, 0.6 to 0.75-0.8 in WebKit, and a 1:9 'cens' segment (205 KiB,
 * two calls) from ~0.7 to 0.8-0.9 in Firefox; 64 KiB and 256 KiB did worse (bench/decrypt.ts).
 */
const CALL_BYTES = 128 * 1024;

/** One CBC chain in a Job's gathered buffer. */
interface Chain {
  /** Offset in the buffer (a multiple of 16). */
  start: number;
  /** The chain's IV; absent for a chain that continues the previous job's (a job cut at callBytes). */
  iv?: Uint8Array;
  /** Source offset of the IV when `iv` is absent: the ciphertext block before the cut. */
  ivAt: number;
  /** Source offset of the ciphertext block before `start` in the buffer (for the repair of cbc.ts); -1 if none. */
  previousAt: number;
}

/** One WebCrypto call's worth of work: pieces of the source gathered into one buffer, decrypted, scattered back. */
interface Job {
  mode: AesMode;
  key: Uint8Array;
  /** CTR: the counter block at the start of the buffer. CBC: the first chain's IV. */
  counter: Uint8Array<ArrayBuffer>;
  /** CBC: the chains in the gathered buffer, in order, the first starting at 0. */
  chains: Chain[];
  /** Flat runs of RUN numbers: a CipherRanges run (offsets in the source) and where its first piece goes. */
  runs: number[];
  /** CTR: the call decrypts zeros into the keystream, which is xored into place (see isKeystreamJob); set by plan. */
  keystream: boolean;
  /** Buffer bytes: the runs, plus (CTR) gaps that start each merged sample on a 16-byte block boundary. */
  size: number;
}

/** One sample of the plan: its bytes in the source, how they are encrypted, and its raw 16-byte AES key. */
export interface PlannedSample {
  /** Offset of the sample in the source bytes. */
  offset: number;
  size: number;
  enc: SampleCipher;
  /**
   * The raw key. Samples sharing a key should share one Uint8Array: CBC work is batched per key object, and key
   * material is fetched once per object.
   */
  key: Uint8Array;
}

function modeOf(scheme: SampleCipher['scheme']): AesMode {
  return scheme === 'cenc' || scheme === 'cens' ? 'AES-CTR' : 'AES-CBC';
}

function plan(samples: readonly PlannedSample[], callBytes: number): Job[] {
  const jobs: Job[] = [];
  // One CBC job per key at a time (Uint8Array identity: the decrypt core hands every sample of a KID the same key
  // object), replaced by its continuation when it reaches callBytes.
  const cbcJobs = new Map<Uint8Array, Job>();
  let lastCtr: Job | undefined;
  const open = (mode: AesMode, key: Uint8Array, counter: Uint8Array<ArrayBuffer>, size = 0): Job => {
    const job: Job = { mode, key, counter, chains: [], runs: [], keystream: false, size };
    jobs.push(job);
    return job;
  };
  /**
   * The job that carries on where `job` stops at callBytes. CTR: the keystream goes on from the block that holds
   * the next byte (the buffer starts at that block's boundary). CBC: the chain goes on with the last ciphertext block
   * as its IV, unless the next piece starts a chain of its own.
   */
  const continuation = (job: Job): Job => {
    if (job.mode === 'AES-CTR') {
      const next = open(job.mode, job.key, addBlocks(job.counter, BigInt(Math.floor(job.size / 16))), job.size % 16);
      lastCtr = next;
      return next;
    }
    const next = open(job.mode, job.key, job.counter);
    cbcJobs.set(job.key, next);
    next.chains.push({ start: 0, ivAt: runEnd(job.runs, job.runs.length) - 16, previousAt: -1 });
    return next;
  };
  for (const s of samples) {
    const { runs, chainStarts, total } = cipherRanges(s.size, s.enc);
    if (total === 0) continue;
    const mode = modeOf(s.enc.scheme);
    // A CENC IV as a 16-byte block: 8-byte IVs are followed by 8 zero bytes (ISO/IEC 23001-7 9.1).
    const iv = counterBlock(s.enc.iv);
    let job: Job;
    if (mode === 'AES-CBC') {
      job = cbcJobs.get(s.key) ?? open(mode, s.key, iv);
      cbcJobs.set(s.key, job);
    } else {
      // CTR: continue the previous job when this sample's counter is the block after that keystream's last one
      // (16-byte IVs made as ISO/IEC 23001-7 9.1 recommends: the previous IV plus its block count; for 'cens'
      // only the encrypted blocks count). The sample then starts at the next block boundary of the buffer.
      const prev = lastCtr;
      const blocks = prev ? Math.ceil(prev.size / 16) : 0;
      if (prev && prev.key === s.key && isAdvancedBy(prev.counter, blocks, iv)) {
        job = prev;
        job.size = blocks * 16;
      } else {
        job = open(mode, s.key, iv);
      }
      lastCtr = job;
    }
    let next = 0;
    for (let r = 0; r < runs.length; r += 4) {
      // CBC: a chain starts here with the IV (every sample for 'cbc1', every protected range for 'cbcs').
      let chainStart = mode === 'AES-CBC' && chainStarts[next] === r / 4;
      if (chainStart) next++;
      let offset = s.offset + runs[r]!;
      let length = runs[r + 1]!;
      const stride = runs[r + 2]!;
      let count = runs[r + 3]!;
      while (count > 0) {
        if (job.size + 16 > callBytes && job.runs.length > 0) {
          job = continuation(job);
          // The continuation's first chain stands in for the chain that starts here.
          if (chainStart) job.chains.length = 0;
        }
        if (chainStart) {
          const n = job.runs.length;
          // CBC runs are whole blocks, so the previous run ends with the ciphertext block before this chain.
          job.chains.push({ start: job.size, iv, ivAt: -1, previousAt: n > 0 ? runEnd(job.runs, n) - 16 : -1 });
          chainStart = false;
        }
        // As much of the run as fits: whole pieces, or the head of a single piece cut at a block boundary.
        const room = callBytes - job.size;
        let pieces = count;
        let cut = length;
        if (length * count > room) {
          if (count > 1) pieces = Math.max(1, Math.floor(room / length));
          else cut = room - ((job.size + room) % 16);
        }
        job.runs.push(offset, cut, stride, pieces, job.size);
        job.size += cut * pieces;
        if (cut < length) {
          offset += cut;
          length -= cut;
        } else {
          offset += stride * pieces;
          count -= pieces;
        }
      }
    }
  }
  for (const job of jobs) job.keystream = isKeystreamJob(job);
  return jobs;
}

/** Source offset just past the last piece of the run that ends at index `end` of a Job's runs. */
function runEnd(runs: readonly number[], end: number): number {
  const r = end - RUN;
  return runs[r]! + (runs[r + 3]! - 1) * runs[r + 2]! + runs[r + 1]!;
}

function viewOf(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Copies every piece of `runs` between the source layout and the buffer layout. Pattern pieces are short (16 bytes
 * for a 1:9 pattern, thousands per segment): they move as 32-bit words through DataViews, which takes any
 * alignment and is several times faster than a byte loop or a set() with a subarray per piece (measured in all
 * three browsers). Longer pieces, or lengths that are not whole words, go through set(). `runs` holds RUN numbers
 * per run: [sourceOffset, length, stride, count, bufferOffset]. Exported for bench/decrypt.ts (its bound figures).
 */
export function copyRuns(runs: readonly number[], from: Uint8Array, to: Uint8Array, toBuffer: boolean): void {
  const src = viewOf(from);
  const dst = viewOf(to);
  for (let r = 0; r < runs.length; r += RUN) {
    const len = runs[r + 1]!;
    const stride = runs[r + 2]!;
    const count = runs[r + 3]!;
    let off = runs[r]!;
    let at = runs[r + 4]!;
    if (len > 64 || len % 4 !== 0) {
      for (let k = 0; k < count; k++, off += stride, at += len) {
        if (toBuffer) to.set(from.subarray(off, off + len), at);
        else to.set(from.subarray(at, at + len), off);
      }
    } else if (len === 16) {
      // The common 1:9 pattern: one block per piece, unrolled.
      for (let k = 0; k < count; k++, off += stride, at += 16) {
        const f = toBuffer ? off : at;
        const t = toBuffer ? at : off;
        dst.setInt32(t, src.getInt32(f));
        dst.setInt32(t + 4, src.getInt32(f + 4));
        dst.setInt32(t + 8, src.getInt32(f + 8));
        dst.setInt32(t + 12, src.getInt32(f + 12));
      }
    } else if (toBuffer) {
      for (let k = 0; k < count; k++, off += stride, at += len) {
        for (let i = 0; i < len; i += 4) dst.setInt32(at + i, src.getInt32(off + i));
      }
    } else {
      for (let k = 0; k < count; k++, off += stride, at += len) {
        for (let i = 0; i < len; i += 4) dst.setInt32(off + i, src.getInt32(at + i));
      }
    }
  }
}

/**
 * Whether a CTR job is pattern work ('cens': strided pieces). Its buffer is then all zeros, which CTR turns into
 * the keystream itself, and the pieces are xored with it in place: the source is read once, when the clear bytes
 * are written, instead of once more to gather it before the call (the call no longer waits for that pass).
 */
function isKeystreamJob(job: Job): boolean {
  if (job.mode !== 'AES-CTR') return false;
  let strided = false;
  for (let r = 0; r < job.runs.length; r += RUN) {
    // Whole blocks only (pattern pieces always are), so that xorRuns can work in 16-byte steps.
    if (job.runs[r + 1]! % 16 !== 0) return false;
    if (job.runs[r + 3]! > 1) strided = true;
  }
  return strided;
}

/** xors every piece of `runs` (whole blocks) in `to`, the source layout, with the keystream in `stream`. */
function xorRuns(runs: readonly number[], stream: Uint8Array, to: Uint8Array): void {
  const ks = viewOf(stream);
  const dst = viewOf(to);
  for (let r = 0; r < runs.length; r += RUN) {
    const len = runs[r + 1]!;
    const stride = runs[r + 2]!;
    const count = runs[r + 3]!;
    let off = runs[r]!;
    let at = runs[r + 4]!;
    for (let k = 0; k < count; k++, off += stride, at += len) {
      for (let i = 0; i < len; i += 16) {
        dst.setInt32(off + i, dst.getInt32(off + i) ^ ks.getInt32(at + i));
        dst.setInt32(off + i + 4, dst.getInt32(off + i + 4) ^ ks.getInt32(at + i + 4));
        dst.setInt32(off + i + 8, dst.getInt32(off + i + 8) ^ ks.getInt32(at + i + 8));
        dst.setInt32(off + i + 12, dst.getInt32(off + i + 12) ^ ks.getInt32(at + i + 12));
      }
    }
  }
}

// Zeros for keystream jobs, never written to: WebCrypto copies its input, so one buffer serves every call.
let zeros = new Uint8Array(0);

function zerosOf(size: number): Uint8Array<ArrayBuffer> {
  if (zeros.length < size) zeros = new Uint8Array(Math.max(size, Math.min(2 * zeros.length, 64 << 20)));
  return zeros.subarray(0, size);
}

// One scratch buffer for gathering, reused across jobs and calls: fresh multi-MiB allocations cost more than the
// copies themselves here. Safe because WebCrypto copies its input when a call is made (WebCrypto 14.3.2) and
// nothing awaits between gathering a job and starting its call. Never larger than the largest job seen.
let scratch = new Uint8Array(0);

function scratchOf(size: number): Uint8Array<ArrayBuffer> {
  if (scratch.length < size) scratch = new Uint8Array(Math.max(size, Math.min(2 * scratch.length, 64 << 20)));
  return scratch.subarray(0, size);
}

interface KeyMaterial {
  key: CryptoKey;
  /** CBC: the bytes that make WebCrypto accept unpadded data (cbc.ts). */
  tail: Uint8Array | undefined;
}

/**
 * The imported key (and CBC tail) of every job, fetched once per distinct raw key and mode: a 'cenc' segment with
 * 8-byte IVs has a job per sample, and importAesKey hex-encodes the key bytes for its cache on every call (7-9 % of
 * WebKit's time on such a segment when done per job, in a profile).
 */
function keyMaterialOf(jobs: readonly Job[]): Promise<KeyMaterial[]> {
  const byMode: Record<AesMode, Map<Uint8Array, Promise<KeyMaterial>>> = { 'AES-CTR': new Map(), 'AES-CBC': new Map() };
  return Promise.all(
    jobs.map((j) => {
      const known = byMode[j.mode];
      let material = known.get(j.key);
      if (!material) {
        material = importAesKey(j.key, j.mode).then(async (key) => ({
          key,
          tail: j.mode === 'AES-CBC' ? await cbcTail(key) : undefined,
        }));
        known.set(j.key, material);
      }
      return material;
    }),
  );
}

/** Starts the WebCrypto call of `job`, its ciphertext read from `from` (source layout). */
function startCall(job: Job, { key, tail }: KeyMaterial, from: Uint8Array): Promise<Uint8Array> {
  const runs = job.runs;
  if (!tail && runs.length === RUN && runs[3] === 1 && runs[4] === 0 && from.buffer instanceof ArrayBuffer) {
    // One contiguous range (one protected NAL per sample is common): WebCrypto copies it, no need to gather.
    return ctrDecrypt(key, job.counter, new Uint8Array(from.buffer, from.byteOffset + runs[0]!, job.size));
  }
  if (job.keystream) return ctrDecrypt(key, job.counter, zerosOf(job.size));
  const buf = scratchOf(job.size + (tail ? CBC_TAIL_BYTES : 0));
  copyRuns(runs, from, buf, true);
  if (!tail) return ctrDecrypt(key, job.counter, buf);
  buf.set(tail, job.size);
  const block = (at: number): Uint8Array => from.slice(at, at + 16);
  const chains: CbcChain[] = job.chains.map((c) => ({
    start: c.start,
    iv: c.iv ?? block(c.ivAt),
    previous: c.previousAt >= 0 ? block(c.previousAt) : undefined,
  }));
  return cbcDecryptChains(key, buf, chains);
}

/** Writes the result of `job`'s call into `to` (source layout). */
function writeResult(job: Job, result: Uint8Array, to: Uint8Array): void {
  if (job.keystream) xorRuns(job.runs, result, to);
  else copyRuns(job.runs, result, to, false);
}

/**
 * Runs every job and writes the results into the target that `targetOf` returns (called once every call has
 * started, so that making a copy for the target overlaps the cipher work). All or nothing: when a call fails, the
 * target is left as it was. CTR results are written as they arrive, while later calls still run; if a later call
 * fails, those writes are undone by running the same CTR again (CTR is its own inverse, ISO/IEC 23001-7 10.1).
 * CBC results are written once every call has succeeded.
 */
async function runJobs(jobs: readonly Job[], source: Uint8Array, targetOf: () => Uint8Array): Promise<Uint8Array> {
  if (jobs.length === 0) return targetOf();
  const material = await keyMaterialOf(jobs);
  const calls = jobs.map((job, i) => startCall(job, material[i]!, source));
  // Keep every call's rejection handled while earlier ones are awaited.
  for (const call of calls) call.catch(() => undefined);
  const target = targetOf();
  const results: Uint8Array[] = [];
  try {
    for (let i = 0; i < jobs.length; i++) {
      results[i] = await calls[i]!;
      if (jobs[i]!.mode === 'AES-CTR') writeResult(jobs[i]!, results[i]!, target);
    }
  } catch (e) {
    // A new target is dropped by the caller; only writes into the source need undoing.
    if (target === source) await undoCtrWrites(jobs, results, material, target);
    throw e;
  }
  jobs.forEach((job, i) => {
    if (job.mode === 'AES-CBC') writeResult(job, results[i]!, target);
  });
  return target;
}

/** Restores the ciphertext of the CTR jobs whose results runJobs wrote (those with an entry in `results`). */
async function undoCtrWrites(
  jobs: readonly Job[],
  results: readonly Uint8Array[],
  material: readonly KeyMaterial[],
  target: Uint8Array,
): Promise<void> {
  const again = results.map(async (result, i) => {
    const job = jobs[i]!;
    if (job.mode !== 'AES-CTR') return;
    // A keystream is xored in: xoring it again restores the ciphertext without another call.
    writeResult(job, job.keystream ? result : await startCall(job, material[i]!, target), target);
  });
  // Best effort: the caller reports the first failure, not this one.
  await Promise.allSettled(again);
}

function checkKey(key: Uint8Array): Uint8Array {
  if (!(key instanceof Uint8Array) || key.length !== 16) {
    throw new CryptoError(CryptoErrorCode.BAD_KEY, `A key is ${String(key?.length)} bytes, not 16`);
  }
  return key;
}

/**
 * Decrypts one sample: `sample` holds exactly the sample's bytes, `enc` how it is encrypted, `key` the raw 16-byte
 * AES key. Returns the clear sample in a new buffer.
 */
export async function decryptSample(sample: Uint8Array, enc: SampleCipher, key: Uint8Array): Promise<Uint8Array> {
  const jobs = plan([{ offset: 0, size: sample.length, enc, key: checkKey(key) }], CALL_BYTES);
  return runJobs(jobs, sample, () => sample.slice());
}

export interface DecryptSamplesOptions {
  /**
   * Write the clear samples into `bytes` itself and return it, saving a copy of the whole input. All or nothing: on
   * any error `bytes` is left as it was. Default false (a new buffer).
   */
  inPlace?: boolean;
  /**
   * Largest cipher input of one WebCrypto call, rounded down to whole 16-byte blocks (at least one). Default 128 KiB;
   * the result is the same for any value.
   */
  callBytes?: number;
}

/**
 * Decrypts the planned samples of `bytes` (every other byte is copied as it is) and returns the result: `bytes`
 * itself with `inPlace`, else a new buffer. Throws CryptoError (a key that is not 16 bytes, WebCrypto's failure).
 */
export async function decryptSamples(
  bytes: Uint8Array,
  samples: readonly PlannedSample[],
  options: DecryptSamplesOptions = {},
): Promise<Uint8Array> {
  for (const s of samples) checkKey(s.key);
  const callBytes = Math.max(16, Math.floor((options.callBytes ?? CALL_BYTES) / 16) * 16);
  const jobs = plan(samples, callBytes);
  return runJobs(jobs, bytes, () => (options.inPlace ? bytes : bytes.slice()));
}
