import { trustedXmlSource } from '../cenc/trusted-types.js';
import { fromHex, toHex } from '../mp4/bytes.js';

/** Init data a manifest announces, before any segment arrives. */
export interface ManifestInitData {
  /** Clear Key / any pssh boxes (base64-decoded), each usable as 'cenc' init data. */
  pssh: Uint8Array[];
  /** Default KIDs, usable as 'keyids' init data where no pssh is given. */
  kids: Uint8Array[];
  /** The protection scheme announced ('cenc', 'cbcs', 'cens', 'cbc1'), if any. */
  scheme: string | undefined;
}

const CENC_NS = 'urn:mpeg:cenc:2013';
const MP4_PROTECTION = 'urn:mpeg:dash:mp4protection:2011';
const SCHEMES = new Set(['cenc', 'cbcs', 'cens', 'cbc1']);
/** HLS METHOD -> scheme (RFC 8216bis 4.4.4.4: SAMPLE-AES-CTR is cenc, SAMPLE-AES over CMAF is cbcs). */
const HLS_METHOD_SCHEME: Record<string, string> = { 'SAMPLE-AES-CTR': 'cenc', 'SAMPLE-AES': 'cbcs' };
const CLEAR_KEY_PSSH_KEYFORMAT = 'urn:uuid:1077efec-c0b2-4d02-ace3-3c1e52e2fb4b';

function decodeBase64(text: string): Uint8Array | undefined {
  try {
    return Uint8Array.from(atob(text.trim()), (c) => c.charCodeAt(0));
  } catch {
    return undefined; // a malformed value announces nothing; the init segment is the next source
  }
}

function kidFromUuid(uuid: string): Uint8Array | undefined {
  const hex = uuid.replace(/-/g, '').replace(/^0x/i, '');
  return /^[0-9a-f]{32}$/i.test(hex) ? fromHex(hex.toLowerCase()) : undefined;
}

/**
 * Appends `item` unless an equal one is there already. `seen` holds the hex of every item of `list`: a set, not a
 * scan, so that a manifest with many key tags or ContentProtection elements stays linear.
 */
function pushUnique(list: Uint8Array[], seen: Set<string>, item: Uint8Array | undefined): void {
  if (!item) return;
  const hex = toHex(item);
  if (seen.has(hex)) return;
  seen.add(hex);
  list.push(item);
}

/**
 * DASH: cenc:pssh and cenc:default_KID of every ContentProtection (ISO/IEC 23009-1 5.8.4.1, and the
 * 'urn:mpeg:cenc:2013' namespace of ISO/IEC 23001-7 11.2). A manifest that is not XML, or that the page's
 * Trusted Types policy does not let us parse, announces nothing (the init segments are the next source).
 */
export function dashInitData(text: string): ManifestInitData {
  const found: ManifestInitData = { pssh: [], kids: [], scheme: undefined };
  const seenKids = new Set<string>();
  const seenPssh = new Set<string>();
  let doc: Document;
  try {
    doc = new DOMParser().parseFromString(trustedXmlSource(text), 'application/xml');
  } catch {
    return found;
  }
  if (doc.getElementsByTagName('parsererror').length) return found;
  for (const cp of Array.from(doc.getElementsByTagName('ContentProtection'))) {
    const kid = cp.getAttributeNS(CENC_NS, 'default_KID') ?? cp.getAttribute('cenc:default_KID');
    if (kid) pushUnique(found.kids, seenKids, kidFromUuid(kid));
    const value = cp.getAttribute('value') ?? '';
    if (cp.getAttribute('schemeIdUri')?.toLowerCase() === MP4_PROTECTION && SCHEMES.has(value)) found.scheme ??= value;
    for (const p of Array.from(cp.getElementsByTagNameNS(CENC_NS, 'pssh'))) {
      pushUnique(found.pssh, seenPssh, decodeBase64(p.textContent ?? ''));
    }
  }
  return found;
}

/**
 * An HLS attribute list (RFC 8216bis 4.2: `NAME=value` pairs separated by commas, quoted-string values may hold
 * commas). One pass with indexOf: a regular expression with a repeated name group before '=' backtracks on a long
 * line without '=' (quadratic: a 200 kB line took a minute).
 */
function hlsAttributes(list: string): Map<string, string> {
  const attrs = new Map<string, string>();
  let at = 0;
  let eq = -1;
  while (at < list.length) {
    // Every indexOf starts past the previous one's result, so the whole list is scanned a bounded number of times.
    if (eq < at) eq = list.indexOf('=', at);
    if (eq < 0) break;
    const comma = list.indexOf(',', at);
    if (comma >= 0 && comma < eq) {
      at = comma + 1; // an item without '=' (junk): skip it
      continue;
    }
    const name = list.slice(at, eq).trim();
    let value: string;
    let end: number;
    if (list[eq + 1] === '"') {
      const close = list.indexOf('"', eq + 2);
      value = list.slice(eq + 2, close < 0 ? list.length : close);
      end = close < 0 ? -1 : list.indexOf(',', close);
    } else {
      end = list.indexOf(',', eq + 1);
      value = list.slice(eq + 1, end < 0 ? list.length : end);
    }
    if (/^[A-Z0-9-]+$/.test(name)) attrs.set(name, value);
    if (end < 0) break;
    at = end + 1;
  }
  return attrs;
}

/**
 * HLS: EXT-X-KEY and EXT-X-SESSION-KEY tags (RFC 8216bis 4.4.4.4, 4.4.6.5) with the Clear Key pssh
 * KEYFORMAT carry a pssh box in a data: URI, and KEYID the default KID.
 */
export function hlsInitData(text: string): ManifestInitData {
  const found: ManifestInitData = { pssh: [], kids: [], scheme: undefined };
  const seenKids = new Set<string>();
  const seenPssh = new Set<string>();
  for (const line of text.split(/\r?\n/)) {
    if (!line.startsWith('#EXT-X-KEY:') && !line.startsWith('#EXT-X-SESSION-KEY:')) continue;
    const attrs = hlsAttributes(line.slice(line.indexOf(':') + 1));
    const method = attrs.get('METHOD') ?? 'NONE';
    if (method === 'NONE') continue;
    found.scheme ??= HLS_METHOD_SCHEME[method];
    const keyId = attrs.get('KEYID');
    if (keyId) pushUnique(found.kids, seenKids, kidFromUuid(keyId));
    const uri = attrs.get('URI') ?? '';
    if (attrs.get('KEYFORMAT') === CLEAR_KEY_PSSH_KEYFORMAT && uri.startsWith('data:')) {
      const comma = uri.indexOf(',');
      if (comma > 0 && uri.slice(0, comma).endsWith(';base64'))
        pushUnique(found.pssh, seenPssh, decodeBase64(uri.slice(comma + 1)));
    }
  }
  return found;
}

/** Picks the parser by content: HLS playlists start with #EXTM3U, anything else is tried as an MPD. */
export function manifestInitData(text: string): ManifestInitData {
  return text.trimStart().startsWith('#EXTM3U') ? hlsInitData(text) : dashInitData(text);
}

/**
 * HLS media playlist: segment URI -> URI of the init segment (EXT-X-MAP, RFC 8216bis 4.4.4.5) that
 * precedes it, both resolved against the playlist's URI. Empty for anything else.
 */
export function hlsInitSegments(text: string, playlistUri: string): Map<string, string> {
  const map = new Map<string, string>();
  if (!text.trimStart().startsWith('#EXTM3U') || !text.includes('#EXT-X-MAP')) return map;
  const resolve = (ref: string): string | undefined => {
    try {
      return new URL(ref, playlistUri).href;
    } catch {
      return undefined;
    }
  };
  let init: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line.startsWith('#EXT-X-MAP:')) init = resolve(hlsAttributes(line.slice(11)).get('URI') ?? '');
    else if (line && !line.startsWith('#') && init) {
      const segment = resolve(line);
      if (segment) map.set(segment, init);
    }
  }
  return map;
}
