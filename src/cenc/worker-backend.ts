// The decrypt core's backend in the page's dedicated Worker (decrypt-worker.ts): requests out as messages, segment
// buffers transferred both ways, replies matched by id.
import type { InitInfo } from '../mp4/init.js';
import type { CencBackend, ParsedMedia } from './backend.js';
import { errorOf, type WorkerReply, type WorkerRequest } from './worker-protocol.js';

/** A view whose buffer can be transferred: `bytes` itself when it covers its whole ArrayBuffer, else a copy. */
function transferable(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const whole =
    bytes.buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  return whole ? (bytes as Uint8Array<ArrayBuffer>) : bytes.slice();
}

interface Call {
  resolve(value: ParsedMedia | Uint8Array): void;
  reject(error: Error): void;
}

export class WorkerBackend implements CencBackend {
  readonly thread = 'worker';
  readonly #worker: Worker;
  readonly #calls = new Map<number, Call>();
  #ids = 0;
  /** Set when the worker failed after it was ready: every call rejects with it. */
  #broken: Error | undefined;

  /** `worker` has sent its 'ready' message. */
  constructor(worker: Worker) {
    this.#worker = worker;
    worker.addEventListener('message', (event: MessageEvent<WorkerReply>) => {
      const reply = event.data;
      if (reply.op === 'ready') return;
      const call = this.#calls.get(reply.id);
      if (!call) return;
      this.#calls.delete(reply.id);
      if (reply.op === 'done') call.resolve(reply.value);
      else call.reject(errorOf(reply.error));
    });
    // An uncaught error in the worker (none is expected: every request answers its own failure) ends what waits.
    worker.addEventListener('error', (event) => {
      event.preventDefault();
      this.#broken = new Error('The decrypt worker failed');
      for (const call of this.#calls.values()) call.reject(this.#broken);
      this.#calls.clear();
    });
  }

  parse(bytes: Uint8Array, init: InitInfo): Promise<ParsedMedia> {
    const owned = transferable(bytes);
    return this.#call({ op: 'parse', id: 0, bytes: owned, init }, [owned.buffer]) as Promise<ParsedMedia>;
  }

  decrypt(ticket: number, keys: ReadonlyMap<string, Uint8Array>): Promise<Uint8Array> {
    // Copies of exactly 16 bytes: a key may be a view of a larger buffer (a license), which must not go along.
    const copies = new Map([...keys].map(([kid, key]) => [kid, key.slice()]));
    return this.#call({ op: 'decrypt', id: 0, ticket, keys: copies }) as Promise<Uint8Array>;
  }

  release(ticket: number): Promise<Uint8Array> {
    return this.#call({ op: 'release', id: 0, ticket }) as Promise<Uint8Array>;
  }

  #call(request: WorkerRequest, transfer: Transferable[] = []): Promise<ParsedMedia | Uint8Array> {
    if (this.#broken) return Promise.reject(this.#broken);
    request.id = ++this.#ids;
    return new Promise((resolve, reject) => {
      this.#calls.set(request.id, { resolve, reject });
      this.#worker.postMessage(request, transfer);
    });
  }
}
