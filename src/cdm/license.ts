/**
 * Clear Key message formats (EME 9.1.3 - 9.1.6): the license request the CDM sends, the JWK Set license it accepts,
 * the license release message and the release acknowledgement. All are UTF-8 JSON with base64url key IDs.
 *
 * secure-video extension, output requirements: a JWK in a license may carry `"minHdcpVersion": "<major>.<minor>"`
 * (the name and value form of the EME HDCP Policy Check's MediaKeysPolicy.minHdcpVersion), the lowest HDCP version
 * the key's output needs. The bundled CDM is software with no protected output path, so it can attest no HDCP
 * version: such a key gets the status 'output-restricted' (EME 5.2.1 MediaKeyStatus: "There are output
 * restrictions associated with the key that cannot currently be met") and decrypts nothing. Clear Key licenses
 * have no output policy of their own; this lets a license server (and the tests) restrict keys for the bundled
 * CDM. CDMs that do not know the member ignore it, as RFC 7517 4 requires of unknown JWK members: a browser's own
 * Clear Key keeps such a key 'usable'.
 */
import { fromBase64Url, toBase64Url } from './bytes.js';
import { MAX_KEY_ID_BYTES, parseJsonObject } from './init-data.js';

/** A response larger than this is invalid (64 KiB; a JWK Set for hundreds of keys fits easily). */
export const MAX_RESPONSE_BYTES = 64 * 1024;
/** Clear Key decrypts AES-128 (ISO/IEC 23001-7 schemes): every key is 16 bytes. */
export const KEY_BYTES = 16;

export interface ClearKey {
  kid: Uint8Array;
  key: Uint8Array;
  /** The JWK's `minHdcpVersion` (secure-video extension, see above), when it has one. */
  minHdcpVersion?: string;
}

/** HDCP versions are written `<major>.<minor>` ("1.4", "2.2"), as in the EME HDCP Policy Check. */
const HDCP_VERSION = /^\d{1,2}\.\d{1,2}$/;

/**
 * The status a key of a license gets in the bundled CDM (EME 6.8.1.1 / 5.2.1): 'output-restricted' when the key
 * needs an HDCP version (which this software CDM cannot attest), else 'usable'.
 */
export function statusOfKey(key: ClearKey): 'usable' | 'output-restricted' {
  return key.minHdcpVersion === undefined ? 'usable' : 'output-restricted';
}

export type SessionType = MediaKeySessionType;

/** A sanitized update() response: a license (EME 9.1.4) or a release acknowledgement (EME 9.1.6). */
export type LicenseResponse =
  { kind: 'license'; keys: ClearKey[]; type: SessionType | undefined } | { kind: 'release-ack'; kids: Uint8Array[] };

function encodeJson(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}

/** EME 9.1.3 License Request Format: {"kids": [base64url...], "type": sessionType}. */
export function licenseRequest(kids: readonly Uint8Array[], type: SessionType): Uint8Array {
  return encodeJson({ kids: kids.map(toBase64Url), type });
}

/** EME 9.1.5 License Release Format for a persistent-license session: {"kids": [base64url...]}. */
export function licenseRelease(kids: readonly Uint8Array[]): Uint8Array {
  return encodeJson({ kids: kids.map(toBase64Url) });
}

/**
 * Validates an update() response (EME 9.1.2, update(): "invalid if it is not a valid JWK Set with at least one valid
 * JWK key of a valid length ... [or] if it is not a valid JSON object"). Throws a TypeError naming what is wrong;
 * the message never holds a key.
 */
export function parseResponse(bytes: Uint8Array): LicenseResponse {
  if (bytes.length > MAX_RESPONSE_BYTES) {
    throw new TypeError(`The response is ${bytes.length} bytes; at most ${MAX_RESPONSE_BYTES} are allowed`);
  }
  // JWK and base64url are ASCII; a byte above 0x7f can only be garbage (or a key smuggled in another encoding).
  for (const b of bytes) if (b > 0x7f) throw new TypeError('The response holds non-ASCII bytes');
  const json = parseJsonObject(bytes);
  if (!json) throw new TypeError('The response is not a JSON object');
  if ('keys' in json) return parseJwkSet(json);
  if ('kids' in json) return { kind: 'release-ack', kids: parseKidList(json['kids'], 'kids') };
  throw new TypeError('The response is neither a JWK Set ("keys") nor a release acknowledgement ("kids")');
}

/**
 * EME 9.1.4 License Format: a JWK Set (RFC 7517 5) of "oct" keys, with an optional session "type". The type is
 * undefined when the member is absent: such a license updates a session of either type (see session.ts update()).
 */
function parseJwkSet(json: Record<string, unknown>): LicenseResponse {
  const list = json['keys'];
  if (!Array.isArray(list) || list.length === 0) throw new TypeError('The JWK Set has no keys');
  const keys = list.map((jwk: unknown, i): ClearKey => {
    if (typeof jwk !== 'object' || jwk === null) throw new TypeError(`keys[${i}] is not a JWK object`);
    const { kty, kid, k, minHdcpVersion } = jwk as Record<string, unknown>;
    if (kty !== 'oct') throw new TypeError(`keys[${i}].kty is not "oct"`);
    const kidBytes = typeof kid === 'string' ? fromBase64Url(kid) : undefined;
    if (!kidBytes || kidBytes.length === 0 || kidBytes.length > MAX_KEY_ID_BYTES) {
      throw new TypeError(`keys[${i}].kid is not a base64url key ID`);
    }
    const key = typeof k === 'string' ? fromBase64Url(k) : undefined;
    if (!key) throw new TypeError(`keys[${i}].k is not base64url`);
    if (key.length !== KEY_BYTES) throw new TypeError(`keys[${i}].k is ${key.length} bytes, not ${KEY_BYTES}`);
    if (minHdcpVersion === undefined) return { kid: kidBytes, key };
    // A member this CDM understands is validated: a malformed output requirement must not pass as no requirement.
    if (typeof minHdcpVersion !== 'string' || !HDCP_VERSION.test(minHdcpVersion)) {
      throw new TypeError(`keys[${i}].minHdcpVersion is not an HDCP version such as "2.2"`);
    }
    return { kid: kidBytes, key, minHdcpVersion };
  });
  const type = json['type'];
  if (type !== undefined && type !== 'temporary' && type !== 'persistent-license') {
    throw new TypeError('The JWK Set "type" is not a MediaKeySessionType');
  }
  return { kind: 'license', keys, type };
}

function parseKidList(value: unknown, name: string): Uint8Array[] {
  if (!Array.isArray(value)) throw new TypeError(`"${name}" is not an array`);
  return value.map((entry: unknown, i) => {
    const kid = typeof entry === 'string' ? fromBase64Url(entry) : undefined;
    if (!kid || kid.length === 0 || kid.length > MAX_KEY_ID_BYTES) {
      throw new TypeError(`${name}[${i}] is not a base64url key ID`);
    }
    return kid;
  });
}
