// The decrypt core's backend on the main thread: where the page has no Worker, or its Content-Security-Policy
// forbids ours (thread.ts). The same SegmentDesk the worker runs, called directly.
import type { InitInfo } from '../mp4/init.js';
import type { CencBackend, ParsedMedia } from './backend.js';
import { SegmentDesk } from './segment-desk.js';

export class MainThreadBackend implements CencBackend {
  readonly thread = 'main';
  readonly #desk = new SegmentDesk();
  #tickets = 0;

  async parse(bytes: Uint8Array, init: InitInfo): Promise<ParsedMedia> {
    return this.#desk.parse(++this.#tickets, bytes, init);
  }

  decrypt(ticket: number, keys: ReadonlyMap<string, Uint8Array>): Promise<Uint8Array> {
    return this.#desk.decrypt(ticket, keys);
  }

  async release(ticket: number): Promise<Uint8Array> {
    return this.#desk.release(ticket);
  }
}
