/**
 * MediaKeyStatusMap (EME 5.2): a read-only map from key ID to MediaKeyStatus for one session's known keys.
 * Iteration yields ArrayBuffer key IDs in the spec's key ID order (see compareKeyIds); has() and get() accept any
 * BufferSource. Only the session that owns a map changes it, through updateKeyStatusMap().
 */
import { compareKeyIds, viewOf } from './bytes.js';
import { bytesEqual } from '../mp4/bytes.js';

type Entry = readonly [kid: Uint8Array, status: MediaKeyStatus];

let replaceEntries: (map: ClearKeyMediaKeyStatusMap, entries: Entry[]) => void;

export class ClearKeyMediaKeyStatusMap implements MediaKeyStatusMap {
  #entries: readonly Entry[] = [];

  static {
    replaceEntries = (map, entries) => {
      map.#entries = entries;
    };
  }

  get size(): number {
    return this.#entries.length;
  }

  has(keyId: BufferSource): boolean {
    return this.#find(keyId) !== undefined;
  }

  get(keyId: BufferSource): MediaKeyStatus | undefined {
    return this.#find(keyId)?.[1];
  }

  forEach(
    callbackfn: (value: MediaKeyStatus, key: BufferSource, parent: MediaKeyStatusMap) => void,
    thisArg?: unknown,
  ): void {
    if (typeof callbackfn !== 'function') throw new TypeError('forEach callback is not a function');
    for (const [kid, status] of this.#entries) callbackfn.call(thisArg, status, toArrayBuffer(kid), this);
  }

  *entries(): MediaKeyStatusMapIterator<[BufferSource, MediaKeyStatus]> {
    for (const [kid, status] of this.#entries) yield [toArrayBuffer(kid), status];
  }

  *keys(): MediaKeyStatusMapIterator<BufferSource> {
    for (const [kid] of this.#entries) yield toArrayBuffer(kid);
  }

  *values(): MediaKeyStatusMapIterator<MediaKeyStatus> {
    for (const [, status] of this.#entries) yield status;
  }

  [Symbol.iterator](): MediaKeyStatusMapIterator<[BufferSource, MediaKeyStatus]> {
    return this.entries();
  }

  get [Symbol.toStringTag](): string {
    return 'MediaKeyStatusMap';
  }

  #find(keyId: BufferSource): Entry | undefined {
    // WebIDL converts the argument to a BufferSource first: anything else is a TypeError.
    const kid = viewOf(keyId);
    if (!kid) throw new TypeError('The key ID is not a BufferSource');
    return this.#entries.find(([k]) => bytesEqual(k, kid));
  }
}

/**
 * EME 7.5.3 "Update Key Statuses" step 4: empty the map, then insert each pair. Entries are kept sorted by key ID;
 * a key ID given twice keeps its last status.
 */
export function updateKeyStatusMap(
  map: ClearKeyMediaKeyStatusMap,
  statuses: Iterable<readonly [Uint8Array, MediaKeyStatus]>,
): void {
  const byKid = new Map<string, Entry>();
  for (const [kid, status] of statuses) byKid.set(kid.join(','), [kid.slice(), status]);
  replaceEntries(
    map,
    [...byKid.values()].sort((a, b) => compareKeyIds(a[0], b[0])),
  );
}

/** Each key ID handed out is a fresh ArrayBuffer, so a caller writing to it cannot change the map. */
function toArrayBuffer(kid: Uint8Array): ArrayBuffer {
  return kid.slice().buffer;
}
