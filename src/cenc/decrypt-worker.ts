/**
 * The page's decrypt worker (a dedicated module Worker, started by thread.ts, built into its own chunk): parses,
 * plans and decrypts media segments for every track and element of the page, off the main thread. Segments come
 * and go as transferred buffers. Nothing here logs: a key is in this scope only while its segment is decrypted, and
 * in the CryptoKey cache of crypto/key-cache.ts.
 */
import { SegmentDesk } from './segment-desk.js';
import { errorRecord, type WorkerReply, type WorkerRequest } from './worker-protocol.js';

const desk = new SegmentDesk();

function reply(message: WorkerReply, transfer: Transferable[] = []): void {
  self.postMessage(message, { transfer });
}

async function answer(request: WorkerRequest): Promise<void> {
  try {
    if (request.op === 'parse') {
      reply({ op: 'done', id: request.id, value: desk.parse(request.id, request.bytes, request.init) });
    } else {
      const bytes =
        request.op === 'decrypt' ? await desk.decrypt(request.ticket, request.keys) : desk.release(request.ticket);
      reply({ op: 'done', id: request.id, value: bytes }, [bytes.buffer]);
    }
  } catch (e) {
    reply({ op: 'failed', id: request.id, error: errorRecord(e) });
  }
}

self.addEventListener('message', (event: MessageEvent<WorkerRequest>) => void answer(event.data));
reply({ op: 'ready' });
