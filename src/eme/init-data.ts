/**
 * Initialization data: de-duplication keys, the KIDs it names, and 'keyids' init data built from a tenc default_KID
 * (W3C "Keyids Initialization Data Format": `{"kids":["<base64url>",...]}`, UTF-8 JSON).
 */
import { toHex } from '../mp4/bytes.js';
import { isClearKeySystemId, parsePsshList } from '../mp4/boxes/pssh.js';
import { fromBase64url, toBase64url } from './base64url.js';

/** A string naming init data exactly: the same type and bytes give the same key, synchronously. */
export function initDataKey(initDataType: string, initData: Uint8Array): string {
  return `${initDataType}:${toHex(initData)}`;
}

/** 'keyids' init data for the given KIDs, e.g. the default_KID of an init segment's tenc box when it has no pssh. */
export function keyIdsInitData(kids: readonly Uint8Array[]): Uint8Array {
  return new TextEncoder().encode(JSON.stringify({ kids: kids.map(toBase64url) }));
}

/**
 * The KIDs (lowercase hex) that init data names, or null when it names none we can read (a pssh v0 of a DRM system,
 * unknown types, malformed data: the CDM will judge those). Used to skip init data whose keys a session already covers.
 */
export function kidsOfInitData(initDataType: string, initData: Uint8Array): string[] | null {
  try {
    switch (initDataType) {
      case 'keyids': {
        const json: unknown = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(initData));
        const kids = (json as { kids?: unknown } | null)?.kids;
        if (!Array.isArray(kids) || kids.length === 0) return null;
        const out: string[] = [];
        for (const kid of kids) {
          const bytes = typeof kid === 'string' ? fromBase64url(kid) : null;
          if (!bytes || bytes.length !== 16) return null;
          out.push(toHex(bytes));
        }
        return out;
      }
      case 'cenc': {
        // ISO/IEC 23001-7 8.1: KIDs listed in version 1 pssh boxes. Only the Clear Key box's list counts: another
        // system's box names keys its own CDM would fetch, not keys a Clear Key session will hold, so counting them
        // would skip the 'keyids' init data that does fetch them (multi-DRM content, see clearKeyKidsOfCenc).
        const kids = clearKeyKidsOfCenc(initData);
        return kids.length > 0 ? kids : null;
      }
      case 'webm':
        // WebM init data is one raw key ID.
        return initData.length === 16 ? [toHex(initData)] : null;
      default:
        return null;
    }
  } catch {
    return null;
  }
}

/**
 * The KIDs (lowercase hex) the Clear Key pssh boxes of 'cenc' init data list: version 1 boxes with the W3C common
 * system ID or the DASH-IF Clear Key one, as the bundled CDM reads them (EME "cenc" Initialization Data Format, 9.1.3:
 * a Clear Key CDM ignores every other system's box). Empty when there is none, e.g. multi-DRM content with Widevine and PlayReady boxes only, or
 * malformed data.
 */
export function clearKeyKidsOfCenc(initData: Uint8Array): string[] {
  const kids = new Set<string>();
  try {
    for (const pssh of parsePsshList(initData)) {
      if (pssh.version === 1 && isClearKeySystemId(pssh.systemId)) for (const k of pssh.kids) kids.add(toHex(k));
    }
  } catch {
    return [];
  }
  return [...kids];
}
