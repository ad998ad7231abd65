// Sample and segment decryption for the four CENC schemes (ISO/IEC 23001-7 10), batched so that WebCrypto's
// per-call cost does not dominate: the CBC work of one key is one call per segment (chains repaired afterwards, see
// cbc.ts); CTR work is one call per sample, merged across samples whose counters continue each other. All calls of
// a segment are started before any result is awaited, so that they overlap with each other and with the copies.
import { toHex } from '../mp4/bytes.js';
import type { InitInfo } from '../mp4/init.js';
import { freeEncryptionBoxes } from '../mp4/rewrite.js';
import { parseSegment, type SampleEncryption, type SegmentInfo } from '../mp4/segment.js';
import { CBC_TAIL_BYTES, cbcDecryptChains, cbcTail, type CbcChain } from './cbc.js';
import { counterBlock, ctrDecrypt, isAdvancedBy } from './ctr.js';
import { CryptoError, CryptoErrorCode } from './errors.js';
import { importAesKey, type AesMode } from './key-cache.js';
import { MissingKeyError, type KeyLookup } from './keys.js';
import { cipherRanges } from './ranges.js';

/** Fields per run in Job.runs: [sourceOffset, length, stride, count, bufferOffset]. */
const RUN = 5;

/** One WebCrypto call's worth of work: pieces of the source gathered into one buffer, decrypted, scattered back. */
interface Job {
  mode: AesMode;
  key: Uint8Array;
  /** CTR: the counter block at the start of the buffer. CBC: the first chain's IV. */
  counter: Uint8Array<ArrayBuffer>;
  /** CBC: chain starts in the gathered buffer, with their IVs and the source offset of the block before them. */
  chains: { start: number; iv: Uint8Array; previousAt: number }[];
  /** Flat runs of RUN numbers: a CipherRanges run (offsets in the source) and where its first piece goes. */
  runs: number[];
  /** Buffer bytes: the runs, plus (CTR) gaps that start each merged sample on a 16-byte block boundary. */
  size: number;
}

interface PlannedSample {
  /** Offset of the sample in the source bytes. */
  offset: number;
  size: number;
  enc: SampleEncryption;
  key: Uint8Array;
}

function modeOf(scheme: SampleEncryption['scheme']): AesMode {
  return scheme === 'cenc' || scheme === 'cens' ? 'AES-CTR' : 'AES-CBC';
}

function plan(samples: readonly PlannedSample[]): Job[] {
  const jobs: Job[] = [];
  // One CBC job per key (Uint8Array identity: decryptSegment hands every sample of a KID the same key object).
  const cbcJobs = new Map<Uint8Array, Job>();
  let lastCtr: Job | undefined;
  for (const s of samples) {
    const { runs, chainStarts, total } = cipherRanges(s.size, s.enc);
    if (total === 0) continue;
    const mode = modeOf(s.enc.scheme);
    // A CENC IV as a 16-byte block: 8-byte IVs are followed by 8 zero bytes (ISO/IEC 23001-7 9.1).
    const iv = counterBlock(s.enc.iv);
    let job: Job;
    if (mode === 'AES-CBC') {
      let j = cbcJobs.get(s.key);
      if (!j) {
        j = { mode, key: s.key, counter: iv, chains: [], runs: [], size: 0 };
        cbcJobs.set(s.key, j);
        jobs.push(j);
      }
      job = j;
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
        job = { mode, key: s.key, counter: iv, chains: [], runs: [], size: 0 };
        jobs.push(job);
      }
      lastCtr = job;
    }
    let next = 0;
    for (let r = 0; r < runs.length; r += 4) {
      if (mode === 'AES-CBC' && chainStarts[next] === r / 4) {
        next++;
        const n = job.runs.length;
        // CBC runs are whole blocks, so the previous run ends with the ciphertext block before this chain.
        const previousAt = n > 0 ? runEnd(job.runs, n) - 16 : -1;
        job.chains.push({ start: job.size, iv, previousAt });
      }
      job.runs.push(s.offset + runs[r]!, runs[r + 1]!, runs[r + 2]!, runs[r + 3]!, job.size);
      job.size += runs[r + 1]! * runs[r + 3]!;
    }
  }
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
 * three browsers). Longer pieces, or lengths that are not whole words, go through set().
 */
function copyRuns(runs: readonly number[], from: Uint8Array, to: Uint8Array, toBuffer: boolean): void {
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
function keystreamJob(job: Job): boolean {
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

/**
 * Runs every job, then writes all results into the target that `targetOf` returns: nothing is written unless every
 * call succeeded, so a failure leaves the target untouched. `targetOf` runs once every call has started, so that
 * making a copy for the target overlaps with the cipher work WebCrypto does off the main thread.
 */
async function runJobs(jobs: readonly Job[], source: Uint8Array, targetOf: () => Uint8Array): Promise<Uint8Array> {
  if (jobs.length === 0) return targetOf();
  const material = await keyMaterialOf(jobs);
  const calls = jobs.map((j, i) => {
    const { key, tail } = material[i]!;
    if (!tail && j.runs.length === RUN && j.runs[3] === 1 && source.buffer instanceof ArrayBuffer) {
      // One contiguous range (one protected NAL per sample is common): WebCrypto copies it, no need to gather.
      const from = j.runs[0]!;
      return ctrDecrypt(key, j.counter, new Uint8Array(source.buffer, source.byteOffset + from, j.size));
    }
    if (!tail && keystreamJob(j)) return ctrDecrypt(key, j.counter, zerosOf(j.size));
    const buf = scratchOf(j.size + (tail ? CBC_TAIL_BYTES : 0));
    copyRuns(j.runs, source, buf, true);
    if (!tail) return ctrDecrypt(key, j.counter, buf);
    buf.set(tail, j.size);
    const chains: CbcChain[] = j.chains.map((c) => ({
      start: c.start,
      iv: c.iv,
      previous: c.previousAt >= 0 ? source.slice(c.previousAt, c.previousAt + 16) : undefined,
    }));
    return cbcDecryptChains(key, buf, chains);
  });
  // Keep every call's rejection handled while the target is made.
  const all = Promise.all(calls);
  all.catch(() => undefined);
  const target = targetOf();
  const clear = await all;
  jobs.forEach((job, i) => {
    if (job.mode === 'AES-CTR' && keystreamJob(job)) xorRuns(job.runs, clear[i]!, target);
    else copyRuns(job.runs, clear[i]!, target, false);
  });
  return target;
}

function checkKey(kid: Uint8Array, key: Uint8Array | undefined): Uint8Array {
  if (!key) throw new MissingKeyError(kid);
  if (!(key instanceof Uint8Array) || key.length !== 16) {
    throw new CryptoError(CryptoErrorCode.BAD_KEY, `Key for KID ${toHex(kid)} is not 16 bytes`, { kidHex: toHex(kid) });
  }
  return key;
}

/**
 * Decrypts one sample: `sample` holds exactly the sample's bytes, `enc` how it is encrypted, `key` the raw 16-byte
 * AES key. Returns the clear sample in a new buffer.
 */
export async function decryptSample(sample: Uint8Array, enc: SampleEncryption, key: Uint8Array): Promise<Uint8Array> {
  const jobs = plan([{ offset: 0, size: sample.length, enc, key: checkKey(enc.kid, key) }]);
  return runJobs(jobs, sample, () => sample.slice());
}

export interface DecryptSegmentOptions {
  /**
   * Write the clear samples (and the 'free' box types) into `bytes` itself and return it, saving a copy of the
   * whole segment. All or nothing: on any error `bytes` is left as it was. Default false (a new buffer).
   */
  inPlace?: boolean;
  /**
   * `parseSegment(bytes, init)` when the caller already has it (the streaming layer reads moof pssh first), so the
   * segment is parsed once. Default: parsed here.
   */
  parsed?: SegmentInfo;
}

/**
 * Decrypts a media segment in one call: parses it against `init`, asks `keys` for every KID its samples use, and
 * returns the clear segment (same length and layout; encryption-only boxes turned into 'free'). Throws
 * Mp4ParseError for malformed input, MissingKeyError naming the first KID without a usable key, CryptoError
 * otherwise. A segment without protected samples comes back as an unchanged copy (minus encryption boxes).
 */
export async function decryptSegment(
  bytes: Uint8Array,
  init: InitInfo,
  keys: KeyLookup,
  options: DecryptSegmentOptions = {},
): Promise<Uint8Array> {
  const segment = options.parsed ?? parseSegment(bytes, init);
  // segment.kids holds every KID once, by value; samples of one track share one KID object, so remembering the last
  // one skips the lookup in the common case, and the map keeps hostile input (a KID per sample) linear.
  const keyByHex = new Map<string, Uint8Array>();
  for (const kid of segment.kids) keyByHex.set(toHex(kid), checkKey(kid, await keys(kid)));
  let lastKid: Uint8Array | undefined;
  let lastKey: Uint8Array | undefined;
  const keyOf = (kid: Uint8Array): Uint8Array => {
    if (kid !== lastKid) {
      lastKid = kid;
      lastKey = keyByHex.get(toHex(kid))!;
    }
    return lastKey!;
  };
  const planned: PlannedSample[] = [];
  for (const s of segment.samples) {
    if (!s.encryption) continue;
    planned.push({ offset: s.offset, size: s.size, enc: s.encryption, key: keyOf(s.encryption.kid) });
  }
  const jobs = plan(planned);
  const out = await runJobs(jobs, bytes, () => (options.inPlace ? bytes : bytes.slice()));
  freeEncryptionBoxes(out, segment);
  return out;
}
