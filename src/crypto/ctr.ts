// AES-CTR over one contiguous keystream run (ISO/IEC 23001-7 10.1, 'cenc' and 'cens'). The counter block is the IV
// (16-byte IV) or the IV followed by a 64-bit block counter starting at 0 (8-byte IV), incremented per 16-byte block.
import { decryptFailed } from './errors.js';

const TWO_64 = 1n << 64n;

/** The initial 16-byte counter block for a CENC IV. */
export function counterBlock(iv: Uint8Array): Uint8Array<ArrayBuffer> {
  const block = new Uint8Array(16);
  block.set(iv.subarray(0, 16));
  return block;
}

function low64(block: Uint8Array): bigint {
  return new DataView(block.buffer, block.byteOffset + 8, 8).getBigUint64(0);
}

/** `block` advanced by `n` blocks, as a 128-bit big-endian counter. */
export function addBlocks(block: Uint8Array, n: bigint): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(16);
  const view = new DataView(out.buffer);
  const src = new DataView(block.buffer, block.byteOffset, 16);
  const lo = src.getBigUint64(8) + n;
  view.setBigUint64(8, lo % TWO_64);
  view.setBigUint64(0, (src.getBigUint64(0) + lo / TWO_64) % TWO_64);
  return out;
}

/**
 * Whether `next` is `block` advanced by `n` blocks (0 <= n < 2^53) as a 128-bit big-endian counter: the test for
 * merging samples into one keystream, made per sample, so it adds byte by byte without allocating.
 */
export function isAdvancedBy(block: Uint8Array, n: number, next: Uint8Array): boolean {
  let carry = n;
  for (let i = 15; i >= 0; i--) {
    const sum = block[i]! + (carry % 256);
    if ((sum & 0xff) !== next[i]) return false;
    carry = Math.floor(carry / 256) + (sum >> 8);
  }
  return true;
}

/** Whether `blocks` blocks from `counter` would wrap its low 64 bits (see ctrDecrypt). */
function wraps(counter: Uint8Array, blocks: number): boolean {
  // Fewer than 2^32 blocks (64 GiB) can only wrap when bytes 8-11 are all 0xff: skip the BigInt arithmetic.
  if ((counter[8]! & counter[9]! & counter[10]! & counter[11]!) !== 0xff) return false;
  return BigInt(blocks) > TWO_64 - low64(counter);
}

/**
 * Decrypts `data` (any length) with AES-CTR from `counter`. Always `length: 128` and never a call in which the
 * low 64 bits of the counter wrap: WebKitGTK computes wrong keystream when the counter wraps inside one call with a
 * shorter length, and a split at the wrap keeps every call inside the range all engines get right. The calls start
 * before this returns and WebCrypto copies its input (WebCrypto 14.3.2), so `data` may be reused at once.
 */
export function ctrDecrypt(
  key: CryptoKey,
  counter: Uint8Array<ArrayBuffer>,
  data: Uint8Array<ArrayBuffer>,
): Promise<Uint8Array> {
  if (data.length === 0) return Promise.resolve(new Uint8Array(0));
  const fail = (e: unknown): never => {
    throw decryptFailed('AES-CTR', e);
  };
  if (!wraps(counter, Math.ceil(data.length / 16))) {
    // One promise per call, not two (then + catch): a 'cenc' segment with 8-byte IVs makes a call per sample.
    return crypto.subtle.decrypt({ name: 'AES-CTR', counter, length: 128 }, key, data).then(asBytes, fail);
  }
  const untilWrap = TWO_64 - low64(counter);
  const split = Number(untilWrap) * 16;
  const a = ctrCall(key, counter, data.subarray(0, split));
  const b = ctrCall(key, addBlocks(counter, untilWrap), data.subarray(split));
  return Promise.all([a, b]).then(([x, y]) => {
    const out = new Uint8Array(data.length);
    out.set(x);
    out.set(y, split);
    return out;
  }, fail);
}

function asBytes(buf: ArrayBuffer): Uint8Array {
  return new Uint8Array(buf);
}

function ctrCall(key: CryptoKey, counter: Uint8Array<ArrayBuffer>, data: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  return crypto.subtle.decrypt({ name: 'AES-CTR', counter, length: 128 }, key, data).then(asBytes);
}
