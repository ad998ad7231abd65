import { parseInit } from '../mp4/init.js';
import type { InitInfo } from '../mp4/init.js';
import { parseSegment } from '../mp4/segment.js';
import { rewriteInitToClear } from '../mp4/rewrite.js';
import { concat } from '../mp4/writer.js';
import { decryptSegment } from '../crypto/decrypt.js';
import type { ClearKeyStore } from '../cdm/index.js';
import { manifestInitData } from './manifest-init-data.js';
import type { ShakaRequestContext, ShakaResponse } from './shaka-types.js';

/** What the streaming layer needs from whoever owns EME (the element wires it to its EME controller). */
export interface DrmHooks {
  /** pssh boxes found in a manifest, an init segment or a media segment (key rotation): 'cenc' init data. */
  onInitData(initDataType: 'cenc', initData: Uint8Array): void;
  /** Default KIDs of protected content with no pssh: the owner turns them into 'keyids' init data. */
  onKeyIds(kids: Uint8Array[]): void;
  /**
   * The key store to decrypt with on the bundled path, or null on the native path (encrypted bytes go to
   * MSE as they are). Asked once, on the first protected init segment. Rejects when no CDM can be had.
   */
  decryption(): Promise<ClearKeyStore | null>;
  /** A segment waits for a key that no session has usable yet (the media element's 'waitingforkey'). */
  onWaitingForKey(kid: Uint8Array): void;
}

/** shaka.net.NetworkingEngine.RequestType and AdvancedRequestType values used here. */
export interface RequestTypes {
  MANIFEST: number;
  SEGMENT: number;
  INIT_SEGMENT: number;
  MEDIA_SEGMENT: number;
}

function bytesOf(data: ArrayBuffer | ArrayBufferView): Uint8Array {
  return data instanceof ArrayBuffer
    ? new Uint8Array(data)
    : new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/**
 * A shaka response filter: finds init data in manifests and segments and, on the bundled path, hands MSE
 * clear bytes: init segments rewritten to their clear form, media segments decrypted (waiting for keys
 * when needed). Errors from parsing or decryption are thrown, so shaka reports them (RESPONSE_FILTER_ERROR
 * carrying ours as data[0]).
 */
export class SegmentFilter {
  readonly #hooks: DrmHooks;
  readonly #types: RequestTypes;
  readonly #signal: AbortSignal;
  /** Parsed init segment per shaka stream id: a media segment is read against its stream's init. */
  readonly #inits = new Map<number, InitInfo>();
  #store: Promise<ClearKeyStore | null> | undefined;

  constructor(hooks: DrmHooks, types: RequestTypes, signal: AbortSignal) {
    this.#hooks = hooks;
    this.#types = types;
    this.#signal = signal;
  }

  readonly filter = async (type: number, response: ShakaResponse, context?: ShakaRequestContext): Promise<void> => {
    if (type === this.#types.MANIFEST) {
      this.#announce(manifestInitData(new TextDecoder().decode(bytesOf(response.data))));
      return;
    }
    // Segments fetched without a stream (the HLS parser probing timestamps) are not appended: leave them.
    const stream = context?.stream;
    if (type !== this.#types.SEGMENT || !stream) return;
    if (context.type === this.#types.INIT_SEGMENT) {
      response.data = await this.#onInit(stream.id, bytesOf(response.data));
    } else if (context.type === this.#types.MEDIA_SEGMENT) {
      const init = this.#inits.get(stream.id);
      if (init) response.data = await this.#onMedia(init, bytesOf(response.data));
    }
  };

  #announce(found: { pssh: Uint8Array[]; kids: Uint8Array[] }): void {
    for (const pssh of found.pssh) this.#hooks.onInitData('cenc', pssh);
    if (!found.pssh.length && found.kids.length) this.#hooks.onKeyIds(found.kids);
  }

  async #onInit(streamId: number, bytes: Uint8Array): Promise<Uint8Array> {
    const init = parseInit(bytes);
    if (!init.tracks.some((t) => t.protection)) {
      this.#inits.delete(streamId);
      return bytes;
    }
    this.#inits.set(streamId, init);
    // As a browser's 'encrypted' event would: all pssh boxes of the init segment as one 'cenc' init data
    // (EME 9.1 / ISO/IEC 23001-7 8.1), else the tenc default KIDs (what a native CDM needs 'keyids' for).
    if (init.pssh.length) this.#hooks.onInitData('cenc', concat(...init.pssh.map((p) => p.bytes)));
    else this.#hooks.onKeyIds(init.defaultKids);
    const store = await this.#decryption();
    return store ? rewriteInitToClear(bytes) : bytes;
  }

  async #onMedia(init: InitInfo, bytes: Uint8Array): Promise<Uint8Array> {
    const segment = parseSegment(bytes, init);
    // Key rotation: a pssh in moof announces the keys of the samples that follow (ISO/IEC 23001-7 8.1.1).
    if (segment.pssh.length) this.#hooks.onInitData('cenc', concat(...segment.pssh.map((p) => p.bytes)));
    const store = await this.#decryption();
    if (!store) return bytes;
    // Clear-lead segments have no KIDs: the lookup is never called, and only encryption boxes go.
    return decryptSegment(bytes, init, async (kid) => {
      const key = await store.lookup(kid);
      if (key) return key;
      this.#hooks.onWaitingForKey(kid);
      return store.waitForKey(kid, this.#signal);
    });
  }

  #decryption(): Promise<ClearKeyStore | null> {
    this.#store ??= this.#hooks.decryption();
    return this.#store;
  }
}
