/**
 * Which thread the page's decrypt core runs on, chosen once per page on first use: the dedicated module Worker
 * (decrypt-worker.ts, its own chunk, fetched only then) where it starts, the main thread where it does not. It does
 * not start where Worker is missing, where constructing it throws (Trusted Types or CSP refusing it synchronously),
 * or where it fails to load (a CSP without 'self' in worker-src / script-src, a missing file): an 'error' event
 * before its 'ready' message. Either way the callers see the same CencBackend.
 */
import type { CencBackend, CoreThread } from './backend.js';
import { trustedWorkerUrl } from './trusted-types.js';
import { WorkerBackend } from './worker-backend.js';
// The worker's URL: in a build, of the one file Vite makes of decrypt-worker.ts and its imports, resolved against the
// importing file's URL (vite.config.ts; empty in a classic script whose own URL is unknown); in the test runner, the
// source file's (tools/test-runner/worker-url-plugin.mjs).
import workerUrl from './decrypt-worker.ts?worker&url';

/** Starts a decrypt worker: resolves once it is ready, rejects where it cannot start or load. */
export function startDecryptWorker(): Promise<CencBackend> {
  return new Promise((resolve, reject) => {
    if (typeof Worker !== 'function' || !workerUrl) throw new Error('No Worker here');
    const worker = new Worker(trustedWorkerUrl(workerUrl), { type: 'module', name: 'secure-video decrypt' });
    const onMessage = (event: MessageEvent<{ op?: string }>): void => {
      if (event.data?.op !== 'ready') return;
      off();
      resolve(new WorkerBackend(worker));
    };
    const onError = (event: Event): void => {
      event.preventDefault();
      off();
      worker.terminate();
      reject(new Error('The decrypt worker did not load'));
    };
    const off = (): void => {
      worker.removeEventListener('message', onMessage);
      worker.removeEventListener('error', onError);
    };
    worker.addEventListener('message', onMessage);
    worker.addEventListener('error', onError);
  });
}

/** The main-thread backend, in a chunk of its own: a page whose worker runs never fetches it. */
export async function mainThreadBackend(): Promise<CencBackend> {
  const { MainThreadBackend } = await import('./main-thread.js');
  return new MainThreadBackend();
}

let chosen: Promise<CencBackend> | undefined;
let chosenThread: CoreThread | null = null;

/** The page's backend: its one worker, or the main thread where the worker cannot start. */
export function coreBackend(): Promise<CencBackend> {
  chosen ??= startDecryptWorker()
    .catch(() => mainThreadBackend())
    .then((backend) => {
      chosenThread = backend.thread;
      return backend;
    });
  return chosen;
}

/** Where the page's decrypt core runs; null until it first ran (the first protected media segment). */
export function coreThread(): CoreThread | null {
  return chosenThread;
}
