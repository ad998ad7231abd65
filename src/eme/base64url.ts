/**
 * base64url (RFC 4648 5), the encoding of every binary value in Clear Key JSON (EME 9.1.5). Encoding is the
 * CDM's (unpadded, as the spec requires); decoding here is lenient about padding, because license servers
 * and pages hand the controller whatever their base64 library wrote. The CDM itself stays strict.
 */
export { toBase64Url as toBase64url } from '../cdm/bytes.js';

/** Decodes base64url (padding optional); null when the text is not base64url. */
export function fromBase64url(text: string): Uint8Array | null {
  if (!/^[A-Za-z0-9_-]*={0,2}$/.test(text)) return null;
  const b64 = text.replace(/=+$/, '').replace(/-/g, '+').replace(/_/g, '/');
  if (b64.length % 4 === 1) return null;
  try {
    const binary = atob(b64 + '='.repeat((4 - (b64.length % 4)) % 4));
    const out = new Uint8Array(binary.length);
    for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
    return out;
  } catch {
    return null;
  }
}
