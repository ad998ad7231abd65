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

async function run(job: Job, source: Uint8Array, target: Uint8Array): Promise<void> {
  const buf = new Uint8Array(job.size);
  let at = 0;
  for (let p = 0; p < job.pieces.length; p += 2) {
    const from = job.pieces[p]!;
    const len = job.pieces[p + 1]!;
    buf.set(source.subarray(from, from + len), at);
    at += len;
  }
  const key = await importAesKey(job.key, job.mode);
  const clear =
    job.mode === 'AES-CTR' ? await ctrDecrypt(key, job.counter, buf) : await cbcDecryptChains(key, buf, job.chains);
  at = 0;
  for (let p = 0; p < job.pieces.length; p += 2) {
    const len = job.pieces[p + 1]!;
    target.set(clear.subarray(at, at + len), job.pieces[p]!);
    at += len;
  }
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
  const out = sample.slice();
  const jobs = plan([{ offset: 0, size: sample.length, enc, key: checkKey(enc.kid, key) }]);
  await Promise.all(jobs.map((j) => run(j, sample, out)));
  return out;
}

/**
 * Decrypts a media segment in one call: parses it against `init`, asks `keys` for every KID its samples use, and
 * returns the clear segment (same length and layout; encryption-only boxes turned into 'free'). Throws
 * Mp4ParseError for malformed input, MissingKeyError naming the first KID without a usable key, CryptoError
 * otherwise. A segment without protected samples comes back as an unchanged copy (minus encryption boxes).
 */
export async function decryptSegment(bytes: Uint8Array, init: InitInfo, keys: KeyLookup): Promise<Uint8Array> {
  const segment = parseSegment(bytes, init);
  const keyByKid = new Map<string, Uint8Array>();
  for (const kid of segment.kids) keyByKid.set(toHex(kid), checkKey(kid, await keys(kid)));
  const planned: PlannedSample[] = [];
  for (const s of segment.samples) {
    if (!s.encryption) continue;
    planned.push({ offset: s.offset, size: s.size, enc: s.encryption, key: keyByKid.get(toHex(s.encryption.kid))! });
  }
  const out = bytes.slice();
  await Promise.all(plan(planned).map((j) => run(j, bytes, out)));
  freeEncryptionBoxes(out, segment);
  return out;
}
