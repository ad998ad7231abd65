// AES-CBC over many independent chains in one WebCrypto call ('cbc1' and 'cbcs', ISO/IEC 23001-7 10.2, 10.4).
import { CryptoError, CryptoErrorCode } from './errors.js';

/** One CBC chain inside the gathered ciphertext: it starts at `start` (a multiple of 16) with `iv`. */
export interface CbcChain {
  start: number;
  iv: Uint8Array;
}

/**
 * Decrypts back-to-back CBC chains with one decrypt call. `padded` holds the ciphertext (a multiple of 16 bytes)
 * followed by 16 scratch bytes, which receive the padding block: the caller gathers straight into one buffer and
 * nothing is copied again here. Returns the plaintext (padded.length - 16 bytes).
 *
 * CBC decryption computes P[i] = D(C[i]) xor C[i-1]; running the concatenation through one call gives every block
 * right except the first block of each later chain, which came out xored with the previous chain's last ciphertext
 * block instead of its own IV. Xoring that block with (previous ciphertext block xor IV) repairs it.
 *
 * WebCrypto's AES-CBC always removes PKCS#7 padding and fails when there is none, so one extra block is appended:
 * AES-CBC-encrypt of an empty plaintext with IV = the last ciphertext block, which is exactly the ciphertext of a full
 * padding block following the data. Decryption then strips it.
 */
export async function cbcDecryptChains(
  key: CryptoKey,
  padded: Uint8Array<ArrayBuffer>,
  chains: readonly CbcChain[],
): Promise<Uint8Array> {
  const length = padded.length - 16;
  const first = chains[0];
  if (length <= 0 || !first) return new Uint8Array(0);
  if (length % 16 !== 0 || first.start !== 0) throw new RangeError('CBC data must be whole blocks from chain 0');
  let plain: Uint8Array;
  try {
    const lastBlock = padded.slice(length - 16, length);
    const pad = await crypto.subtle.encrypt({ name: 'AES-CBC', iv: lastBlock }, key, new Uint8Array(0));
    padded.set(new Uint8Array(pad, 0, 16), length);
    plain = new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-CBC', iv: first.iv.slice() }, key, padded));
  } catch (e) {
    throw new CryptoError(CryptoErrorCode.DECRYPT_FAILED, `AES-CBC decryption failed: ${(e as Error).name}`, {
      mode: 'AES-CBC',
    });
  }
  for (let k = 1; k < chains.length; k++) {
    const { start, iv } = chains[k]!;
    if (start >= length) continue;
    for (let j = 0; j < 16; j++) plain[start + j] = plain[start + j]! ^ padded[start - 16 + j]! ^ iv[j]!;
  }
  return plain;
}
