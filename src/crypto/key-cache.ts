// One CryptoKey per (raw key, algorithm): importKey is asynchronous and costs a round trip, so a segment's samples
// share the imported key. Entries are keyed by the key bytes in memory only; nothing here is ever logged.
import { toHex } from '../mp4/bytes.js';
import { CryptoError, CryptoErrorCode } from './errors.js';

export type AesMode = 'AES-CTR' | 'AES-CBC';

const MAX_ENTRIES = 64;
const cache = new Map<string, Promise<CryptoKey>>();

export function importAesKey(raw: Uint8Array, mode: AesMode): Promise<CryptoKey> {
  if (raw.length !== 16) {
    return Promise.reject(new CryptoError(CryptoErrorCode.BAD_KEY, `AES-128 key must be 16 bytes, got ${raw.length}`));
  }
  const id = `${mode}:${toHex(raw)}`;
  let key = cache.get(id);
  if (!key) {
    // CBC also encrypts: the padding block of the WebCrypto CBC workaround (see cbc.ts).
    const usages: KeyUsage[] = mode === 'AES-CBC' ? ['encrypt', 'decrypt'] : ['decrypt'];
    key = crypto.subtle.importKey('raw', raw.slice(), { name: mode }, false, usages);
    if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value!);
    cache.set(id, key);
    key.catch(() => cache.delete(id));
  }
  return key;
}
