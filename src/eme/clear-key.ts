/**
 * Clear Key JSON on the application side (W3C EME 9.1): reading the CDM's license request / release messages,
 * answering them from inline keys, and the `expiration` extension of the demo license server.
 */
import { fromHex, toHex } from '../mp4/bytes.js';
import { fromBase64url, toBase64url } from './base64url.js';
import { DrmError, DrmErrorCode } from './errors.js';

export const CLEAR_KEY = 'org.w3.clearkey';

const encoder = new TextEncoder();

/** Inline keys from the config, validated once: KID hex -> 16-byte key. Errors name the KID, never the key. */
export function parseClearKeys(clearKeys: Readonly<Record<string, string>>): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const [kidHex, keyHex] of Object.entries(clearKeys)) {
    const kid = kidHex.replace(/-/g, '').toLowerCase();
    if (!/^[0-9a-f]{32}$/.test(kid)) {
      throw new DrmError(DrmErrorCode.INVALID_CONFIG, 'clearKeys: a KID is not 32 hex digits', {
        field: 'clearKeys',
        kid: kidHex,
      });
    }
    if (!/^[0-9a-fA-F]{32}$/.test(keyHex)) {
      throw new DrmError(DrmErrorCode.INVALID_CONFIG, 'clearKeys: a key is not 32 hex digits', {
        field: 'clearKeys',
        kid,
      });
    }
    out.set(kid, fromHex(keyHex));
  }
  return out;
}

/**
 * The KIDs (base64url) of a Clear Key license request (9.1.3) or license release message, or null when the message
 * is not one (another key system's opaque bytes).
 */
export function kidsOfMessage(message: Uint8Array): string[] | null {
  try {
    const json: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(message));
    const kids = (json as { kids?: unknown } | null)?.kids;
    if (!Array.isArray(kids) || !kids.every((k) => typeof k === 'string')) return null;
    return kids as string[];
  } catch {
    return null;
  }
}

/** KID hex of a base64url KID ('' when malformed, which matches no inline key). */
export function kidHexOf(kidB64: string): string {
  const bytes = fromBase64url(kidB64);
  return bytes ? toHex(bytes) : '';
}

/**
 * A license (9.1.4 JWK Set) for the requested KIDs from inline keys. KIDs without an inline key are left out, as a
 * license server leaves out the keys it does not have; none at all is {@link DrmErrorCode.INLINE_KEYS_MISSING}.
 */
export function inlineLicense(
  kids: readonly string[],
  keys: ReadonlyMap<string, Uint8Array>,
  type: string,
): Uint8Array {
  const jwks: { kty: 'oct'; kid: string; k: string }[] = [];
  for (const kid of kids) {
    const key = keys.get(kidHexOf(kid));
    if (key) jwks.push({ kty: 'oct', kid, k: toBase64url(key) });
  }
  if (jwks.length === 0) {
    throw new DrmError(DrmErrorCode.INLINE_KEYS_MISSING, 'clearKeys has none of the requested keys', {
      kids: kids.map(kidHexOf),
    });
  }
  return encoder.encode(JSON.stringify({ keys: jwks, type }));
}

/** The "License Release Acknowledgement Format" for the released KIDs: `{"kids":[...]}`. */
export function releaseAcknowledgement(kids: readonly string[]): Uint8Array {
  return encoder.encode(JSON.stringify({ kids }));
}

/** A 9.1.3 license request, used to renew a Clear Key license (Clear Key CDMs never send 'license-renewal' themselves). */
export function licenseRequest(kids: readonly string[], type: string): Uint8Array {
  return encoder.encode(JSON.stringify({ kids, type }));
}

/**
 * Reads and removes the `expiration` member (ms since the epoch) that the demo license server adds to a JWK Set
 * (see demo/server/clear-key.ts: 9.1.4 has no expiration, so the controller enforces this one itself). The member is
 * removed so that a strict CDM never sees a member 9.1.4 does not define. Anything that is not such a JWK Set is
 * returned untouched.
 */
export function takeExpiration(license: Uint8Array): { license: Uint8Array; expiration: number | undefined } {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(license));
  } catch {
    return { license, expiration: undefined };
  }
  if (typeof json !== 'object' || json === null || !('expiration' in json)) return { license, expiration: undefined };
  const { expiration, ...rest } = json as { expiration: unknown };
  if (typeof expiration !== 'number' || !Number.isFinite(expiration)) return { license, expiration: undefined };
  return { license: encoder.encode(JSON.stringify(rest)), expiration };
}
