// AES-CBC over many independent chains in one WebCrypto call ('cbc1' and 'cbcs', ISO/IEC 23001-7 10.2, 10.4).
//
// CBC decryption computes P[i] = D(C[i]) xor C[i-1]. Decrypting the concatenation of several chains in one call
// gives every block right except the first block of each later chain, which comes out xored with the previous
// chain's last ciphertext block instead of its own IV; xoring it with (that ciphertext block xor IV) repairs it.
//
// WebCrypto's AES-CBC always removes PKCS#7 padding and fails when there is none, so two extra blocks go after the
// data: a zero block Z, then E(Z xor 0x10...10), the ciphertext of a full padding block following Z. Decryption
// strips the padding and leaves D(Z) xor (last data block) as one extra block of garbage after the data. The pair
// depends on the key only, so it is made once per key and no round trip precedes the decryption of a segment.
import { decryptFailed } from './errors.js';

/** Bytes that go after the data of every CBC call (see above); the result has 16 bytes of garbage after the data. */
export const CBC_TAIL_BYTES = 32;

const tails = new WeakMap<CryptoKey, Promise<Uint8Array>>();

/** The CBC_TAIL_BYTES that make WebCrypto accept unpadded data under `key`, computed once per CryptoKey. */
export function cbcTail(key: CryptoKey): Promise<Uint8Array> {
  let tail = tails.get(key);
  if (!tail) {
    const zero = new Uint8Array(16);
    tail = cbcPaddingBlock(key, zero).then((pad) => {
      const out = new Uint8Array(CBC_TAIL_BYTES);
      out.set(pad, 16);
      return out;
    });
    tails.set(key, tail);
    tail.catch(() => tails.delete(key));
  }
  return tail;
}

/** One CBC chain inside the gathered ciphertext. */
export interface CbcChain {
  /** Offset in the gathered buffer (a multiple of 16). */
  start: number;
  /** 16-byte IV. */
  iv: Uint8Array;
  /** For every chain but the first: the ciphertext block just before `start` in the gathered buffer. */
  previous: Uint8Array | undefined;
}

/** The ciphertext block that pads data ending in `lastBlock` (see above). */
export async function cbcPaddingBlock(key: CryptoKey, lastBlock: Uint8Array): Promise<Uint8Array> {
  try {
    const pad = await crypto.subtle.encrypt({ name: 'AES-CBC', iv: lastBlock.slice() }, key, new Uint8Array(0));
    return new Uint8Array(pad, 0, 16);
  } catch (e) {
    throw decryptFailed('AES-CBC', e);
  }
}

/**
 * Starts the decryption of `padded` (whole blocks of ciphertext, then a padding block or cbcTail) and repairs the
 * chain starts once it is done. WebCrypto copies its input when called (WebCrypto 14.3.2), so `padded` may be
 * reused as soon as this returns.
 */
export function cbcDecryptChains(
  key: CryptoKey,
  padded: Uint8Array<ArrayBuffer>,
  chains: readonly CbcChain[],
): Promise<Uint8Array> {
  const first = chains[0];
  if (!first || padded.length <= 16) return Promise.resolve(new Uint8Array(0));
  if (padded.length % 16 !== 0 || first.start !== 0) throw new RangeError('CBC data must be whole blocks from chain 0');
  const call = crypto.subtle.decrypt({ name: 'AES-CBC', iv: first.iv.slice() }, key, padded);
  return call.then(
    (buf) => {
      const plain = new Uint8Array(buf);
      for (let k = 1; k < chains.length; k++) {
        const { start, iv, previous } = chains[k]!;
        if (!previous || start + 16 > plain.length) continue;
        for (let j = 0; j < 16; j++) plain[start + j] = plain[start + j]! ^ previous[j]! ^ iv[j]!;
      }
      return plain;
    },
    (e: unknown) => {
      throw decryptFailed('AES-CBC', e);
    },
  );
}
