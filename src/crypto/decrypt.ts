// Sample and segment decryption for the four CENC schemes (ISO/IEC 23001-7 10), batched so that WebCrypto's
// per-call cost does not dominate: the CBC work of one key is one call per segment (chains repaired afterwards, see
// cbc.ts); CTR work is one call per sample, merged across samples whose counters continue each other.
import { bytesEqual, toHex } from '../mp4/bytes.js';
import type { InitInfo } from '../mp4/init.js';
import { freeEncryptionBoxes } from '../mp4/rewrite.js';
import { parseSegment, type SampleEncryption } from '../mp4/segment.js';
import { cbcDecryptChains, cbcPaddingBlock, type CbcChain } from './cbc.js';
import { addBlocks, counterBlock, ctrDecrypt } from './ctr.js';
import { CryptoError, CryptoErrorCode } from './errors.js';
import { importAesKey, type AesMode } from './key-cache.js';
import { MissingKeyError, type KeyLookup } from './keys.js';
import { cipherRanges, runEnd } from './ranges.js';

/** One WebCrypto call's worth of work: pieces of the source gathered into one buffer, decrypted, scattered back. */
interface Job {
  mode: AesMode;
  key: Uint8Array;
  /** CTR: the counter block at the start of the buffer. CBC: the first chain's IV. */
  counter: Uint8Array<ArrayBuffer>;
  /** CBC: chain starts in the gathered buffer, with their IVs and the source offset of the block before them. */
  chains: { start: number; iv: Uint8Array; previousAt: number }[];
  /** Flat [sourceOffset, length, stride, count, ...] (see CipherRanges); buffer offsets follow from the order. */
  runs: number[];
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
  const cbcJobs = new Map<string, Job>();
  let lastCtr: Job | undefined;
  for (const s of samples) {
    const { runs, chainStarts, total } = cipherRanges(s.size, s.enc);
    if (total === 0) continue;
    const mode = modeOf(s.enc.scheme);
    // A CENC IV as a 16-byte block: 8-byte IVs are followed by 8 zero bytes (ISO/IEC 23001-7 9.1).
    const iv = counterBlock(s.enc.iv);
    let job: Job;
    if (mode === 'AES-CBC') {
      const id = toHex(s.key);
      let j = cbcJobs.get(id);
      if (!j) {
        j = { mode, key: s.key, counter: iv, chains: [], runs: [], size: 0 };
        cbcJobs.set(id, j);
        jobs.push(j);
      }
      job = j;
    } else {
      // CTR: continue the previous job when this sample's counter is exactly where that keystream ends.
      const prev = lastCtr;
      if (
        prev &&
        bytesEqual(prev.key, s.key) &&
        prev.size % 16 === 0 &&
        bytesEqual(addBlocks(prev.counter, BigInt(prev.size / 16)), iv)
      ) {
        job = prev;
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
        const n = job.runs.length / 4;
        // CBC runs are whole blocks, so the previous run ends with the ciphertext block before this chain.
        const previousAt = n > 0 ? runEnd(job.runs, n - 1) - 16 : -1;
        job.chains.push({ start: job.size, iv, previousAt });
      }
      job.runs.push(s.offset + runs[r]!, runs[r + 1]!, runs[r + 2]!, runs[r + 3]!);
      job.size += runs[r + 1]! * runs[r + 3]!;
    }
  }
  return jobs;
}

/** Copies the runs of `from` into `to` back to back; short pieces (pattern blocks) by hand, faster than set(). */
function gather(runs: readonly number[], from: Uint8Array, to: Uint8Array): void {
  let at = 0;
  for (let r = 0; r < runs.length; r += 4) {
    const len = runs[r + 1]!;
    const stride = runs[r + 2]!;
    const count = runs[r + 3]!;
    for (let k = 0, off = runs[r]!; k < count; k++, off += stride, at += len) {
      if (len <= 64) for (let i = 0; i < len; i++) to[at + i] = from[off + i]!;
      else to.set(from.subarray(off, off + len), at);
    }
  }
}

/** The inverse of gather. */
function scatter(runs: readonly number[], from: Uint8Array, to: Uint8Array): void {
  let at = 0;
  for (let r = 0; r < runs.length; r += 4) {
    const len = runs[r + 1]!;
    const stride = runs[r + 2]!;
    const count = runs[r + 3]!;
    for (let k = 0, off = runs[r]!; k < count; k++, off += stride, at += len) {
      if (len <= 64) for (let i = 0; i < len; i++) to[off + i] = from[at + i]!;
      else to.set(from.subarray(at, at + len), off);
    }
  }
}

// One scratch buffer for gathering, reused across jobs and calls: fresh multi-MiB allocations cost more than the
// copies themselves here. Safe because WebCrypto copies its input when a call is made (WebCrypto 14.3.2) and
// nothing awaits between gathering a job and starting its call. Never larger than the largest job seen.
let scratch = new Uint8Array(0);

function scratchOf(size: number): Uint8Array<ArrayBuffer> {
  if (scratch.length < size) scratch = new Uint8Array(Math.max(size, Math.min(2 * scratch.length, 64 << 20)));
  return scratch.subarray(0, size);
}

/**
 * Runs every job, then writes all results into `target`: nothing is written unless every call succeeded, so a
 * failure leaves `target` untouched.
 */
async function runJobs(jobs: readonly Job[], source: Uint8Array, target: Uint8Array): Promise<void> {
  if (jobs.length === 0) return;
  const keys = await Promise.all(jobs.map((j) => importAesKey(j.key, j.mode)));
  // The CBC padding blocks need the last ciphertext block only: fetch them before gathering anything.
  const pads = await Promise.all(
    jobs.map((j, i) => {
      if (j.mode !== 'AES-CBC') return undefined;
      const end = runEnd(j.runs, j.runs.length / 4 - 1);
      return cbcPaddingBlock(keys[i]!, source.subarray(end - 16, end));
    }),
  );
  const calls = jobs.map((j, i) => {
    const key = keys[i]!;
    const pad = pads[i];
    if (!pad && j.runs.length === 4 && j.runs[3] === 1 && source.buffer instanceof ArrayBuffer) {
      // One contiguous range (one protected NAL per sample is common): WebCrypto copies it, no need to gather.
      const from = j.runs[0]!;
      return ctrDecrypt(key, j.counter, new Uint8Array(source.buffer, source.byteOffset + from, j.size));
    }
    const buf = scratchOf(j.size + (pad ? 16 : 0));
    gather(j.runs, source, buf);
    if (!pad) return ctrDecrypt(key, j.counter, buf);
    buf.set(pad, j.size);
    const chains: CbcChain[] = j.chains.map((c) => ({
      start: c.start,
      iv: c.iv,
      previous: c.previousAt >= 0 ? source.slice(c.previousAt, c.previousAt + 16) : undefined,
    }));
    return cbcDecryptChains(key, buf, chains);
  });
  const clear = await Promise.all(calls);
  jobs.forEach((job, i) => scatter(job.runs, clear[i]!, target));
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
  const out = sample.slice();
  await runJobs(jobs, sample, out);
  return out;
}

export interface DecryptSegmentOptions {
  /**
   * Write the clear samples (and the 'free' box types) into `bytes` itself and return it, saving a copy of the
   * whole segment. All or nothing: on any error `bytes` is left as it was. Default false (a new buffer).
   */
  inPlace?: boolean;
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
  const segment = parseSegment(bytes, init);
  const keyByKid = new Map<string, Uint8Array>();
  for (const kid of segment.kids) keyByKid.set(toHex(kid), checkKey(kid, await keys(kid)));
  const planned: PlannedSample[] = [];
  for (const s of segment.samples) {
    if (!s.encryption) continue;
    planned.push({ offset: s.offset, size: s.size, enc: s.encryption, key: keyByKid.get(toHex(s.encryption.kid))! });
  }
  const jobs = plan(planned);
  const out = options.inPlace ? bytes : bytes.slice();
  await runJobs(jobs, bytes, out);
  freeEncryptionBoxes(out, segment);
  return out;
}
