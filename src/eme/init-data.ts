/**
 * Initialization data: de-duplication keys, the KIDs it names, and 'keyids' init data built from a tenc default_KID
 * (W3C "Keyids Initialization Data Format": `{"kids":["<base64url>",...]}`, UTF-8 JSON).
 */
import { toHex } from '../mp4/bytes.js';
import { parsePsshList } from '../mp4/boxes/pssh.js';
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
        // ISO/IEC 23001-7 8.1: KIDs listed in version 1 pssh boxes; several systems may list the same KIDs.
        const kids = new Set<string>();
        for (const pssh of parsePsshList(initData)) for (const kid of pssh.kids) kids.add(toHex(kid));
        return kids.size > 0 ? [...kids] : null;
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
