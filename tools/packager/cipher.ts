/// <reference types="node" />
// Sample encryption with node:crypto for the four Common Encryption schemes (ISO/IEC 23001-7 9 and 10). Deliberately
// independent of the browser decryptor in src/crypto: it shares no code with it, so a fixture proves that code.
import { createCipheriv } from 'node:crypto';
import type { Pattern } from './boxes.js';
import type { Subsample } from './subsamples.js';

export type SchemeType = 'cenc' | 'cbcs' | 'cens' | 'cbc1';

export interface SampleCipher {
  scheme: SchemeType;
  key: Uint8Array;
  /** The sample's IV: 8 or 16 bytes per sample, or the constant IV (cbcs). */
  iv: Uint8Array;
  /** cens/cbcs pattern; null = every block of a protected range (cenc, cbc1). */
  pattern: Pattern | null;
}

/** Protected byte ranges of a sample: from its subsample map, or the whole sample (full-sample encryption, 9.4/9.7). */
function protectedRanges(length: number, subsamples: readonly Subsample[] | null): [number, number][] {
  if (!subsamples) return [[0, length]];
  const ranges: [number, number][] = [];
  let at = 0;
  for (const s of subsamples) {
    at += s.clear;
    if (s.protected > 0) ranges.push([at, at + s.protected]);
    at += s.protected;
  }
  if (at !== length) throw new Error(`Subsamples cover ${at} bytes of a ${length}-byte sample`);
  return ranges;
}

/** Offsets of the 16-byte blocks a pattern encrypts in [start, end): crypt blocks, then skip blocks, repeating (9.6). */
function patternBlocks(start: number, end: number, pattern: Pattern | null): number[] {
  const blocks: number[] = [];
  const period = pattern ? pattern.crypt + pattern.skip : 1;
  const crypt = pattern ? pattern.crypt : 1;
  // A trailing partial block is never encrypted by pattern or whole-block encryption (9.6, 9.7).
  for (let i = 0, at = start; at + 16 <= end; i++, at += 16) if (i % period < crypt) blocks.push(at);
  return blocks;
}

function gather(sample: Uint8Array, blocks: readonly number[]): Uint8Array {
  const out = new Uint8Array(blocks.length * 16);
  blocks.forEach((at, i) => out.set(sample.subarray(at, at + 16), i * 16));
  return out;
}

function scatter(target: Uint8Array, blocks: readonly number[], data: Uint8Array): void {
  blocks.forEach((at, i) => target.set(data.subarray(i * 16, i * 16 + 16), at));
}

function ctr(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  // An 8-byte IV is the high half of the counter block, the low half a block counter from 0 (23001-7 9.2).
  const counter = new Uint8Array(16);
  counter.set(iv);
  const c = createCipheriv('aes-128-ctr', key, counter);
  return new Uint8Array(Buffer.concat([c.update(data), c.final()]));
}

function cbc(key: Uint8Array, iv: Uint8Array, data: Uint8Array): Uint8Array {
  if (iv.length !== 16) throw new Error('CBC needs a 16-byte IV');
  const c = createCipheriv('aes-128-cbc', key, iv);
  c.setAutoPadding(false);
  return new Uint8Array(Buffer.concat([c.update(data), c.final()]));
}

/** Returns the encrypted copy of `sample`; bytes outside the protected ranges (and skipped blocks) are unchanged. */
export function encryptSample(
  sample: Uint8Array,
  subsamples: readonly Subsample[] | null,
  c: SampleCipher,
): Uint8Array {
  const out = sample.slice();
  const ranges = protectedRanges(sample.length, subsamples);
  switch (c.scheme) {
    case 'cenc': {
      // 9.4/10.1: one keystream runs across all protected bytes of the sample, partial blocks included.
      let total = 0;
      for (const [s, e] of ranges) total += e - s;
      const data = new Uint8Array(total);
      let at = 0;
      for (const [s, e] of ranges) {
        data.set(sample.subarray(s, e), at);
        at += e - s;
      }
      const enc = ctr(c.key, c.iv, data);
      at = 0;
      for (const [s, e] of ranges) {
        out.set(enc.subarray(at, at + e - s), s);
        at += e - s;
      }
      return out;
    }
    case 'cens': {
      // 10.3: the pattern restarts in each protected range; the counter advances only over encrypted blocks.
      const blocks = ranges.flatMap(([s, e]) => patternBlocks(s, e, c.pattern));
      scatter(out, blocks, ctr(c.key, c.iv, gather(sample, blocks)));
      return out;
    }
    case 'cbc1': {
      // 10.2: one CBC chain across the whole blocks of all protected ranges of the sample.
      const blocks = ranges.flatMap(([s, e]) => patternBlocks(s, e, null));
      scatter(out, blocks, cbc(c.key, c.iv, gather(sample, blocks)));
      return out;
    }
    case 'cbcs': {
      // 10.4: the chain restarts from the (constant) IV at every subsample; skipped blocks stay out of the chain.
      for (const [s, e] of ranges) {
        const blocks = patternBlocks(s, e, c.pattern);
        if (blocks.length) scatter(out, blocks, cbc(c.key, c.iv, gather(sample, blocks)));
      }
      return out;
    }
  }
}

/**
 * Deterministic per-sample IVs: IV(n) = base + n * step as a big-endian `size`-byte integer (mod 2^(8*size)), so
 * `npm run fixtures` is reproducible and IVs never repeat within a track.
 */
export class IvSequence {
  readonly size: 8 | 16;
  #next: bigint;
  readonly #step: bigint;

  constructor(size: 8 | 16, base: bigint, step = 1n) {
    this.size = size;
    this.#next = base;
    this.#step = step;
  }

  next(): Uint8Array {
    const modulus = 1n << BigInt(this.size * 8);
    let v = ((this.#next % modulus) + modulus) % modulus;
    this.#next += this.#step;
    const out = new Uint8Array(this.size);
    for (let i = this.size - 1; i >= 0; i--) {
      out[i] = Number(v & 0xffn);
      v >>= 8n;
    }
    return out;
  }
}
