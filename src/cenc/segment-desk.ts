// The work behind a CencBackend, the same on either thread: media segments parsed and held by ticket until their
// keys come, then decrypted in place (decrypt-segment.ts). The worker (decrypt-worker.ts) and the main-thread backend
// (main-thread.ts) each keep one.
import { toHex } from '../mp4/bytes.js';
import type { InitInfo } from '../mp4/init.js';
import { parseSegment, type SegmentInfo } from '../mp4/segment.js';
import type { ParsedMedia } from './backend.js';
import { decryptParsedSegment } from './decrypt-segment.js';

export class SegmentDesk {
  readonly #held = new Map<number, { bytes: Uint8Array; segment: SegmentInfo }>();

  parse(ticket: number, bytes: Uint8Array, init: InitInfo): ParsedMedia {
    const segment = parseSegment(bytes, init);
    this.#held.set(ticket, { bytes, segment });
    // Copies: the parsed pssh boxes and KIDs are views of the segment's buffer, which would go with them if sent.
    return {
      ticket,
      pssh: segment.pssh.map((p) => ({ systemId: p.systemId.slice(), bytes: p.bytes.slice() })),
      kids: segment.kids.map((kid) => kid.slice()),
    };
  }

  decrypt(ticket: number, keys: ReadonlyMap<string, Uint8Array>): Promise<Uint8Array> {
    const { bytes, segment } = this.#take(ticket);
    // In place: the bytes are the core's (see CencTrack), and a failure leaves them as they were.
    return decryptParsedSegment(bytes, segment, (kid) => keys.get(toHex(kid)), { inPlace: true });
  }

  release(ticket: number): Uint8Array {
    return this.#take(ticket).bytes;
  }

  #take(ticket: number): { bytes: Uint8Array; segment: SegmentInfo } {
    const held = this.#held.get(ticket);
    if (!held) throw new Error(`No parsed segment ${ticket}`);
    this.#held.delete(ticket);
    return held;
  }
}
