// Sample and segment decryption for the four CENC schemes (ISO/IEC 23001-7 10), batched so that WebCrypto's
// per-call cost does not dominate: CBC work of one key is one call per segment (chains repaired afterwards, see
// cbc.ts); CTR work is one call per sample, merged across samples whose counters continue each other.
import { bytesEqual, toHex } from '../mp4/bytes.js';
import type { InitInfo } from '../mp4/init.js';
import { freeEncryptionBoxes } from '../mp4/rewrite.js';
import { parseSegment, type SampleEncryption } from '../mp4/segment.js';
import { cbcDecryptChains, type CbcChain } from './cbc.js';
import { addBlocks, counterBlock, ctrDecrypt } from './ctr.js';
import { CryptoError, CryptoErrorCode } from './errors.js';
import { importAesKey, type AesMode } from './key-cache.js';
import { MissingKeyError, type KeyLookup } from './keys.js';
import { cipherRanges } from './ranges.js';

/** One WebCrypto call's worth of work: pieces of the source gathered into one buffer, decrypted, scattered back. */
interface Job {
  mode: AesMode;
  key: Uint8Array;
  /** CTR: the counter block at the start of the buffer. */
  counter: Uint8Array<ArrayBuffer>;
  /** CBC: where chains start in the buffer and their IVs. */
  chains: CbcChain[];
  /** Flat [sourceOffset, length, ...]; buffer offsets follow from the order. */
  pieces: number[];
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

/** A CENC IV as a 16-byte block: 8-byte IVs are followed by 8 zero bytes (ISO/IEC 23001-7 9.1, 10.1). */
function ivBlock(iv: Uint8Array): Uint8Array<ArrayBuffer> {
  return counterBlock(iv);
}

function plan(samples: readonly PlannedSample[]): Job[] {
  const jobs: Job[] = [];
  const cbcJobs = new Map<string, Job>();
  let lastCtr: Job | undefined;
  for (const s of samples) {
    const { ranges, chainStarts, total } = cipherRanges(s.size, s.enc);
    if (total === 0) continue;
    const mode = modeOf(s.enc.scheme);
    const iv = ivBlock(s.enc.iv);
    let job: Job;
    if (mode === 'AES-CBC') {
      const id = toHex(s.key);
      let j = cbcJobs.get(id);
      if (!j) {
        j = { mode, key: s.key, counter: iv, chains: [], pieces: [], size: 0 };
        cbcJobs.set(id, j);
        jobs.push(j);
      }
      job = j;
      const starts = new Set(chainStarts);
      let at = job.size;
      for (let r = 0; r < ranges.length / 2; r++) {
        if (starts.has(r)) job.chains.push({ start: at, iv });
        at += ranges[2 * r + 1]!;
      }
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
        job = { mode, key: s.key, counter: iv, chains: [], pieces: [], size: 0 };
        jobs.push(job);
      }
      lastCtr = job;
    }
    for (let r = 0; r < ranges.length; r += 2) job.pieces.push(s.offset + ranges[r]!, ranges[r + 1]!);
    job.size += total;
  }
  return jobs;
}

/** Copies pieces one way or the other; short pieces (pattern blocks) by hand, which beats subarray + set. */
function copyPieces(pieces: readonly number[], from: Uint8Array, to: Uint8Array, gather: boolean): void {
  let at = 0;
  for (let p = 0; p < pieces.length; p += 2) {
    const off = pieces[p]!;
    const len = pieces[p + 1]!;
    const [src, srcAt, dst, dstAt] = gather ? [from, off, to, at] : [from, at, to, off];
    if (len <= 64) {
      for (let i = 0; i < len; i++) dst[dstAt + i] = src[srcAt + i]!;
    } else {
      dst.set(src.subarray(srcAt, srcAt + len), dstAt);
    }
    at += len;
  }
}

/** Gathers a job's bytes from `source` into one buffer and decrypts it with one call (CTR: two at a wrap). */
async function decryptJob(job: Job, source: Uint8Array): Promise<Uint8Array> {
  const cbc = job.mode === 'AES-CBC';
  const buf = new Uint8Array(job.size + (cbc ? 16 : 0));
  copyPieces(job.pieces, source, buf, true);
  const key = await importAesKey(job.key, job.mode);
  return cbc ? cbcDecryptChains(key, buf, job.chains) : ctrDecrypt(key, job.counter, buf);
}

/**
 * Runs every job, then writes all results into `target`: nothing is written unless every call succeeded, so a
 * failure leaves `target` untouched.
 */
async function runJobs(jobs: readonly Job[], source: Uint8Array, target: Uint8Array): Promise<void> {
  const clear = await Promise.all(jobs.map((j) => decryptJob(j, source)));
  jobs.forEach((job, i) => copyPieces(job.pieces, clear[i]!, target, false));
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
  if (options.inPlace) {
    await runJobs(jobs, bytes, bytes);
    freeEncryptionBoxes(bytes, segment);
    return bytes;
  }
  const out = bytes.slice();
  await runJobs(jobs, bytes, out);
  freeEncryptionBoxes(out, segment);
  return out;
}
