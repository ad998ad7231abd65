/**
 * Which init data the streaming layer announces for Clear Key, from what a manifest or segment holds: the Clear Key
 * pssh boxes as 'cenc' init data, else the KIDs as 'keyids' init data.
 *
 * A Clear Key CDM reads only version 1 pssh boxes with a Clear Key system ID (EME 9.1.3, "cenc" Initialization Data
 * Format; see isClearKeySystemId): content packaged for other systems (Widevine, PlayReady pssh only) names no key for
 * it in its pssh boxes,
 * and its KIDs are in cenc:default_KID, tenc, or the seig sample groups (ISO/IEC 23001-7 8.2, 6) as for content with
 * no pssh at all. An all-zero KID names no key: key rotation writes it in tenc as a placeholder, the real KIDs of
 * each period being in the seig entries of the fragments (Shaka Packager's --crypto_period_duration output).
 */
import { isClearKeySystemId, parsePsshList } from '../mp4/boxes/pssh.js';
import type { PsshBox } from '../mp4/boxes/pssh.js';

export function isClearKeyPssh(box: PsshBox): boolean {
  return box.version === 1 && box.kids.length > 0 && isClearKeySystemId(box.systemId);
}

/** Whether 'cenc' init data (one or more pssh boxes) holds a Clear Key pssh; false for malformed data. */
export function hasClearKeyPssh(initData: Uint8Array): boolean {
  try {
    return parsePsshList(initData).some(isClearKeyPssh);
  } catch {
    return false;
  }
}

/** The KIDs that name a key: without the all-zero placeholder. */
export function realKids(kids: readonly Uint8Array[]): Uint8Array[] {
  return kids.filter((kid) => kid.some((b) => b !== 0));
}
