/**
 * Clear Key message formats on the server side (W3C EME, 9.1 Clear Key).
 *
 * - License request (9.1.3): `{"kids":["<base64url KID>", ...],"type":"temporary"|"persistent-license"}`.
 * - License (9.1.4): a JWK Set `{"keys":[{"kty":"oct","kid":"<base64url>","k":"<base64url>"}],"type":...}`.
 * - License release (the "License Release Format"): `{"kids":[...]}` with no `type`; the server acknowledges with the
 *   "License Release Acknowledgement Format", `{"kids":[...]}` of the released KIDs.
 *
 * Expiration: the JWK Set of 9.1.4 has no way to carry one, and the Clear Key CDMs ignore members they do not know
 * (Chromium's and Firefox's JSON parsers read only `keys` and `type`). This server therefore adds one non-standard
 * top-level member when asked to (`expiry:MS` fault switch): `"expiration"`, milliseconds since the Unix epoch, the unit
 * of MediaKeySession.expiration. The EME controller reads it, enforces it (the keys become 'expired' at that time) and
 * renews; other clients simply ignore it.
 */

/** A JWK Set as 9.1.4 defines it, plus the optional `expiration` extension described above. */
export interface ClearKeyLicense {
  /** `minHdcpVersion`: secure-video's output-requirement extension (src/cdm/license.ts), from `restrict:KID`. */
  keys: { kty: 'oct'; kid: string; k: string; minHdcpVersion?: string }[];
  type: string;
  expiration?: number;
}

export type ClientMessage =
  { kind: 'license-request'; kids: string[]; type: string } | { kind: 'license-release'; kids: string[] };

/** Why a request body is not a Clear Key message; answered with 400. */
export class BadMessageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadMessageError';
  }
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

export function hexToBase64url(hex: string): string {
  return Buffer.from(hex, 'hex').toString('base64url');
}

export function base64urlToHex(b64: string): string {
  return Buffer.from(b64, 'base64url').toString('hex');
}

/** Parses a license request or a license release message. Only KIDs are read: nothing else of the body is kept. */
export function parseClientMessage(body: Buffer): ClientMessage {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw new BadMessageError('body is not JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new BadMessageError('body is not an object');
  const { kids, type } = json as { kids?: unknown; type?: unknown };
  if (!Array.isArray(kids) || kids.length === 0 || kids.length > 64)
    throw new BadMessageError('"kids" must list 1-64 KIDs');
  for (const kid of kids) {
    // A KID is 16 bytes: 22 base64url characters without padding.
    if (typeof kid !== 'string' || kid.length !== 22 || !BASE64URL.test(kid)) {
      throw new BadMessageError('a KID is not 16 bytes of base64url');
    }
  }
  const kidList = kids as string[];
  if (type === undefined) return { kind: 'license-release', kids: kidList };
  if (type !== 'temporary' && type !== 'persistent-license') throw new BadMessageError('"type" is not a session type');
  return { kind: 'license-request', kids: kidList, type };
}

/**
 * A key that is valid in form but is not the content key: every byte inverted. Decrypting with it yields garbage,
 * which is exactly the case the `wrong-key` switch exists to produce.
 */
export function wrongKeyHex(keyHex: string): string {
  return Buffer.from(Buffer.from(keyHex, 'hex').map((b) => b ^ 0xff)).toString('hex');
}
