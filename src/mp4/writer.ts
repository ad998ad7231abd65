/**
 * Big-endian byte builders for writing ISO-BMFF (ISO/IEC 14496-12 4.2). Each helper returns a fresh Uint8Array;
 * `box` and `fullBox` compute sizes and switch to a 64-bit largesize when a box outgrows 32 bits.
 */

export function concat(...parts: Uint8Array[]): Uint8Array {
  let total = 0;
  for (const p of parts) total += p.length;
  const out = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function checkUint(n: number, bits: number): void {
  const max = bits === 64 ? Number.MAX_SAFE_INTEGER : 2 ** bits - 1;
  if (!Number.isInteger(n) || n < 0 || n > max) throw new RangeError(`${n} is not a u${bits}`);
}

export function u8(n: number): Uint8Array {
  checkUint(n, 8);
  return Uint8Array.of(n);
}

export function u16(n: number): Uint8Array {
  checkUint(n, 16);
  return Uint8Array.of(n >>> 8, n & 0xff);
}

export function u24(n: number): Uint8Array {
  checkUint(n, 24);
  return Uint8Array.of(n >>> 16, (n >>> 8) & 0xff, n & 0xff);
}

export function u32(n: number): Uint8Array {
  checkUint(n, 32);
  return Uint8Array.of(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

export function i32(n: number): Uint8Array {
  if (!Number.isInteger(n) || n < -0x8000_0000 || n > 0x7fff_ffff) throw new RangeError(`${n} is not an i32`);
  return u32(n >>> 0);
}

export function u64(n: number): Uint8Array {
  checkUint(n, 64);
  const hi = Math.floor(n / 0x1_0000_0000);
  return concat(u32(hi), u32(n - hi * 0x1_0000_0000));
}

/** A four-character code; each character must be Latin-1. */
export function fourcc(s: string): Uint8Array {
  if (s.length !== 4) throw new RangeError(`fourcc '${s}' is not 4 characters`);
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const c = s.charCodeAt(i);
    if (c > 0xff) throw new RangeError(`fourcc '${s}' is not Latin-1`);
    out[i] = c;
  }
  return out;
}

/** A box: 32-bit size + type + payload, or size 1 + 64-bit largesize when it does not fit in 32 bits. */
export function box(type: string, ...payload: Uint8Array[]): Uint8Array {
  let len = 0;
  for (const p of payload) len += p.length;
  if (8 + len <= 0xffff_ffff) return concat(u32(8 + len), fourcc(type), ...payload);
  return concat(u32(1), fourcc(type), u64(16 + len), ...payload);
}

/** A full box (ISO/IEC 14496-12 4.2): a box whose payload starts with an 8-bit version and 24-bit flags. */
export function fullBox(type: string, version: number, flags: number, ...payload: Uint8Array[]): Uint8Array {
  return box(type, u8(version), u24(flags), ...payload);
}
