/** Byte helpers of the CDM: BufferSource copies, base64url (RFC 7515 appendix C) and the EME key ID order. */

/**
 * A copy of a BufferSource's bytes. The EME algorithms take "a copy of the contents" of every BufferSource argument
 * (e.g. generateRequest step 7, update step 4) so later writes by the caller cannot change what the CDM sees.
 * Returns undefined for anything that is not an ArrayBuffer or a view, where WebIDL would throw a TypeError.
 */
export function copyBufferSource(source: unknown): Uint8Array | undefined {
  const view = viewOf(source);
  return view ? view.slice() : undefined;
}

/**
 * A zero-copy Uint8Array over a BufferSource, or undefined if it is not one. No EME BufferSource argument is
 * [AllowShared] (WebIDL 3.2.26 BufferSource conversion: a SharedArrayBuffer, or a view onto one, is a TypeError), so
 * shared memory is not a BufferSource here. Buffers from other realms are recognised by their tag, not instanceof.
 */
export function viewOf(source: unknown): Uint8Array | undefined {
  if (ArrayBuffer.isView(source)) {
    if (isShared(source.buffer)) return undefined;
    return new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  }
  if (Object.prototype.toString.call(source) === '[object ArrayBuffer]') return new Uint8Array(source as ArrayBuffer);
  return undefined;
}

function isShared(buffer: ArrayBufferLike): boolean {
  return Object.prototype.toString.call(buffer) === '[object SharedArrayBuffer]';
}

const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const B64URL_VALUES = new Int8Array(128).fill(-1);
for (let i = 0; i < B64URL.length; i++) B64URL_VALUES[B64URL.charCodeAt(i)] = i;

/** base64url without padding, as every Clear Key message uses (EME 9.1.7). */
export function toBase64Url(bytes: Uint8Array): string {
  let out = '';
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8) | bytes[i + 2]!;
    out += B64URL[n >> 18]! + B64URL[(n >> 12) & 63]! + B64URL[(n >> 6) & 63]! + B64URL[n & 63]!;
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = bytes[i]! << 16;
    out += B64URL[n >> 18]! + B64URL[(n >> 12) & 63]!;
  } else if (rest === 2) {
    const n = (bytes[i]! << 16) | (bytes[i + 1]! << 8);
    out += B64URL[n >> 18]! + B64URL[(n >> 12) & 63]! + B64URL[(n >> 6) & 63]!;
  }
  return out;
}

/**
 * Decodes strict base64url: the URL-safe alphabet only, no padding, no whitespace, and no stray bits in the last
 * character (EME 9.1.7: '=' padding is absent and '-' and '_' replace '+' and '/'). Returns undefined otherwise.
 */
export function fromBase64Url(text: string): Uint8Array | undefined {
  const len = text.length;
  if (len % 4 === 1) return undefined;
  const out = new Uint8Array(Math.floor((len * 3) / 4));
  let o = 0;
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < len; i++) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? B64URL_VALUES[c]! : -1;
    if (v < 0) return undefined;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  // Leftover bits must be zero, so every byte string has exactly one encoding.
  if (bits > 0 && (acc & ((1 << bits) - 1)) !== 0) return undefined;
  return out;
}

/**
 * The EME key ID order (MediaKeyStatusMap, EME 5.2): for key IDs A (length m) and B (length n) with m <= n, A < B
 * iff A's m octets are lexicographically less than B's first m octets, or those are equal and m < n.
 */
export function compareKeyIds(a: Uint8Array, b: Uint8Array): number {
  const m = Math.min(a.length, b.length);
  for (let i = 0; i < m; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}
