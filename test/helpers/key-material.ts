/**
 * Finds key material where a page could see it (issue 9 item 4, issue 16 item 3): each key as lowercase and uppercase
 * hex, base64 and base64url (with and without padding), and as raw bytes inside any typed array, looked for deeply in
 * strings, objects, arrays, maps, errors (message, data, cause) and event details.
 */
import { fromHex } from '../../src/mp4/bytes.js';

export interface Secrets {
  texts: string[];
  bytes: Uint8Array[];
}

function base64(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes));
}

/** The forms a key could show in, for keys given as hex strings or bytes. */
export function secretsOf(keys: Iterable<string | Uint8Array>): Secrets {
  const bytes = [...keys].map((k) => (typeof k === 'string' ? fromHex(k) : k));
  const texts = bytes.flatMap((b) => {
    const b64 = base64(b);
    const hex = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
    return [
      hex,
      hex.toUpperCase(),
      b64,
      b64.replace(/=+$/, ''),
      b64.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''),
    ];
  });
  return { texts, bytes };
}

function holdsBytes(haystack: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

/** Where in `value` (walked deeply: objects, arrays, maps, errors and their causes, typed arrays) a secret shows. */
export function leaks(
  value: unknown,
  secrets: Secrets,
  where: string,
  out: string[] = [],
  seen = new Set<unknown>(),
): string[] {
  if (value === null || value === undefined) return out;
  if (typeof value === 'string') {
    for (const s of secrets.texts) if (value.includes(s)) out.push(`${where}: "${value.slice(0, 80)}"`);
    return out;
  }
  if (typeof value !== 'object' || seen.has(value) || seen.size > 5000) return out;
  seen.add(value);
  if (value instanceof ArrayBuffer || ArrayBuffer.isView(value)) {
    const view =
      value instanceof ArrayBuffer
        ? new Uint8Array(value)
        : new Uint8Array(value.buffer, value.byteOffset, value.byteLength);
    for (const b of secrets.bytes)
      if (holdsBytes(view, b)) out.push(`${where}: key bytes in a ${value.constructor.name}`);
    return out;
  }
  if (value instanceof Node || value instanceof Window) return out;
  if (value instanceof Map) {
    for (const [k, v] of value) {
      leaks(k, secrets, `${where}.key`, out, seen);
      leaks(v, secrets, `${where}[${String(k)}]`, out, seen);
    }
    return out;
  }
  if (value instanceof Error || value instanceof DOMException) {
    leaks(value.message, secrets, `${where}.message`, out, seen);
    leaks(String(value), secrets, `${where}.toString()`, out, seen);
  }
  for (const key of new Set([...Object.keys(value), 'cause', 'data', 'detail', 'initData'])) {
    let v: unknown;
    try {
      v = (value as Record<string, unknown>)[key];
    } catch {
      continue;
    }
    leaks(v, secrets, `${where}.${key}`, out, seen);
  }
  return out;
}
