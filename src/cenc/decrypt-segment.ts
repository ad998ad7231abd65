// A media segment decrypted against its init segment: the plan (which bytes, which IV, which key) comes from the
// boxes (src/mp4), the cipher work from src/crypto, and the encryption-only boxes turn into 'free' (ISO/IEC
// 14496-12 8.1.2) so that every offset and size stays valid.
import { decryptSamples, type PlannedSample } from '../crypto/decrypt.js';
import { checkKey, type KeyLookup } from '../crypto/keys.js';
import { toHex } from '../mp4/bytes.js';
import type { InitInfo } from '../mp4/init.js';
import { freeEncryptionBoxes } from '../mp4/rewrite.js';
import { parseSegment, type SegmentInfo } from '../mp4/segment.js';

export interface DecryptSegmentOptions {
  /**
   * Write the clear samples (and the 'free' box types) into `bytes` itself and return it, saving a copy of the
   * whole segment. All or nothing: on any error `bytes` is left as it was. Default false (a new buffer).
   */
  inPlace?: boolean;
  /**
   * Largest cipher input of one WebCrypto call, rounded down to whole 16-byte blocks (at least one). Default 128 KiB;
   * the result is the same for any value.
   */
  callBytes?: number;
}

/**
 * Decrypts a parsed segment: asks `keys` for every KID its samples use (in order of first use), then decrypts every
 * protected sample and frees the encryption boxes. Throws MissingKeyError naming the first KID without a usable
 * key, CryptoError otherwise.
 */
export async function decryptParsedSegment(
  bytes: Uint8Array,
  segment: SegmentInfo,
  keys: KeyLookup,
  options: DecryptSegmentOptions = {},
): Promise<Uint8Array> {
  // segment.kids holds every KID once, by value; samples of one track share one KID object, so remembering the last
  // one skips the lookup in the common case, and the map keeps hostile input (a KID per sample) linear.
  const keyByHex = new Map<string, Uint8Array>();
  for (const kid of segment.kids) keyByHex.set(toHex(kid), checkKey(kid, await keys(kid)));
  let lastKid: Uint8Array | undefined;
  let lastKey: Uint8Array | undefined;
  const keyOf = (kid: Uint8Array): Uint8Array => {
    if (kid !== lastKid) {
      lastKid = kid;
      lastKey = keyByHex.get(toHex(kid))!;
    }
    return lastKey!;
  };
  const planned: PlannedSample[] = [];
  for (const s of segment.samples) {
    if (!s.encryption) continue;
    planned.push({ offset: s.offset, size: s.size, enc: s.encryption, key: keyOf(s.encryption.kid) });
  }
  const out = await decryptSamples(bytes, planned, options);
  freeEncryptionBoxes(out, segment);
  return out;
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
  return decryptParsedSegment(bytes, parseSegment(bytes, init), keys, options);
}
