// A deliberately naive CENC encryptor for tests: one AES block at a time (AES-CBC-encrypt of a single block with a
// zero IV is the raw block cipher), written from ISO/IEC 23001-7 9-10 without sharing code with src/crypto, so that
// round trips check the batched decryptor against an independent reading of the spec.
import type { Scheme } from '../../mp4/helpers/build.js';

const ZERO_IV = new Uint8Array(16);

export async function aesKey(raw: Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', raw.slice(), 'AES-CBC', false, ['encrypt']);
}

/** The raw AES-128 block cipher E(block). */
export async function aesBlock(key: CryptoKey, block: Uint8Array): Promise<Uint8Array> {
  const out = await crypto.subtle.encrypt({ name: 'AES-CBC', iv: ZERO_IV }, key, block.slice());
  return new Uint8Array(out, 0, 16);
}

/** 16-byte counter block + n, as a 128-bit big-endian integer. */
export function counterPlus(iv16: Uint8Array, n: number): Uint8Array {
  let v = 0n;
  for (const b of iv16) v = (v << 8n) | BigInt(b);
  v = (v + BigInt(n)) & ((1n << 128n) - 1n);
  const out = new Uint8Array(16);
  for (let i = 15; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

function pad16(iv: Uint8Array): Uint8Array {
  const out = new Uint8Array(16);
  out.set(iv);
  return out;
}

export interface SampleCipher {
  scheme: Scheme;
  key: Uint8Array;
  iv: Uint8Array;
  subsamples?: [number, number][];
  crypt?: number;
  skip?: number;
}

/** Encrypts a clear sample per ISO/IEC 23001-7; returns a new buffer. */
export async function encryptSample(clear: Uint8Array, c: SampleCipher): Promise<Uint8Array> {
  const key = await aesKey(c.key);
  const out = clear.slice();
  const ranges: [number, number][] = [];
  if (c.subsamples) {
    let at = 0;
    for (const [cl, pr] of c.subsamples) {
      ranges.push([at + cl, pr]);
      at += cl + pr;
    }
  } else {
    ranges.push([0, clear.length]);
  }
  const crypt = c.crypt ?? 0;
  const skip = c.skip ?? 0;
  const usePattern = (c.scheme === 'cens' || c.scheme === 'cbcs') && crypt > 0 && skip > 0;
  const blockEncrypted = (i: number): boolean => !usePattern || i % (crypt + skip) < crypt;

  if (c.scheme === 'cenc') {
    // One keystream over all protected bytes of the sample.
    let k = 0;
    let ks: Uint8Array = new Uint8Array(16);
    const counter = pad16(c.iv);
    for (const [start, len] of ranges) {
      for (let j = 0; j < len; j++, k++) {
        if (k % 16 === 0) ks = await aesBlock(key, counterPlus(counter, k / 16));
        out[start + j] = clear[start + j]! ^ ks[k % 16]!;
      }
    }
    return out;
  }
  if (c.scheme === 'cens') {
    let n = 0;
    const counter = pad16(c.iv);
    for (const [start, len] of ranges) {
      for (let b = 0; (b + 1) * 16 <= len; b++) {
        if (!blockEncrypted(b)) continue;
        const stream = await aesBlock(key, counterPlus(counter, n++));
        for (let j = 0; j < 16; j++) out[start + b * 16 + j] = clear[start + b * 16 + j]! ^ stream[j]!;
      }
    }
    return out;
  }
  // cbc1 chains across the sample; cbcs restarts the chain with the IV at every protected range.
  let prev = pad16(c.iv);
  for (const [start, len] of ranges) {
    if (c.scheme === 'cbcs') prev = pad16(c.iv);
    for (let b = 0; (b + 1) * 16 <= len; b++) {
      if (!blockEncrypted(b)) continue;
      const at = start + b * 16;
      const x = new Uint8Array(16);
      for (let j = 0; j < 16; j++) x[j] = clear[at + j]! ^ prev[j]!;
      prev = await aesBlock(key, x);
      out.set(prev, at);
    }
  }
  return out;
}
