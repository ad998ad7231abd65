// AES-CBC over many independent chains in one WebCrypto call ('cbc1' and 'cbcs', ISO/IEC 23001-7 10.2, 10.4).
import { CryptoError, CryptoErrorCode } from './errors.js';

/** One CBC chain inside the gathered ciphertext: it starts at `start` (a multiple of 16) with `iv`. */
export interface CbcChain {
  start: number;
  iv: Uint8Array;
}

/**
 * Decrypts `data` (a multiple of 16 bytes) made of back-to-back CBC chains, with one decrypt call.
 *
 * CBC decryption computes P[i] = D(C[i]) xor C[i-1]; running the concatenation through one call gives every block
 * right except the first block of each later chain, which came out xored with the previous chain's last ciphertext
 * block instead of its own IV. Xoring that block with (previous ciphertext block xor IV) repairs it.
 *
 * WebCrypto's AES-CBC always removes PKCS#7 padding and fails when there is none, so one extra block is appended:
 * AES-CBC-encrypt of an empty plaintext with IV = the last ciphertext block, which is exactly the ciphertext of a full
 * padding block following `data`. Decryption then strips it and returns data.length bytes.
 */
export async function cbcDecryptChains(
  key: CryptoKey,
  data: Uint8Array,
  chains: readonly CbcChain[],
): Promise<Uint8Array> {
  const first = chains[0];
  if (data.length === 0 || !first) return new Uint8Array(0);
  if (data.length % 16 !== 0 || first.start !== 0) throw new RangeError('CBC data must be whole blocks from chain 0');
  let plain: Uint8Array;
  try {
    const lastBlock = data.subarray(data.length - 16);
    const pad = new Uint8Array(
      await crypto.subtle.encrypt({ name: 'AES-CBC', iv: lastBlock.slice() }, key, new Uint8Array(0)),
    );
    const padded = new Uint8Array(data.length + 16);
    padded.set(data);
    padded.set(pad, data.length);
    plain = new Uint8Array(await crypto.subtle.decrypt({ name: 'AES-CBC', iv: first.iv.slice() }, key, padded));
  } catch (e) {
    throw new CryptoError(CryptoErrorCode.DECRYPT_FAILED, `AES-CBC decryption failed: ${(e as Error).name}`, {
      mode: 'AES-CBC',
    });
  }
  for (let k = 1; k < chains.length; k++) {
    const { start, iv } = chains[k]!;
    if (start >= data.length) continue;
    for (let j = 0; j < 16; j++) plain[start + j] = plain[start + j]! ^ data[start - 16 + j]! ^ iv[j]!;
  }
  return plain;
}
