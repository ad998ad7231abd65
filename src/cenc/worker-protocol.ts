// The messages between the page and its decrypt worker (worker-backend.ts <-> decrypt-worker.ts). Requests carry an
// id that the reply repeats. Keys travel only in a 'decrypt' request, as raw 16-byte copies, in a message to the
// worker itself (a dedicated worker's messages reach nobody else); replies never hold a key, and errors carry their
// name, code, message and data, which never hold key material (see crypto/errors.ts, mp4/errors.ts).
import { CryptoError, type CryptoErrorCode } from '../crypto/errors.js';
import { MissingKeyError } from '../crypto/keys.js';
import { fromHex } from '../mp4/bytes.js';
import { Mp4ParseError, type Mp4ErrorCode } from '../mp4/errors.js';
import type { InitInfo } from '../mp4/init.js';
import type { ParsedMedia } from './backend.js';

export type WorkerRequest =
  | { op: 'parse'; id: number; bytes: Uint8Array; init: InitInfo }
  | { op: 'decrypt'; id: number; ticket: number; keys: Map<string, Uint8Array> }
  | { op: 'release'; id: number; ticket: number };

export type WorkerReply =
  /** Sent once, when the worker's module has loaded: it takes requests from then on. */
  | { op: 'ready' }
  | { op: 'done'; id: number; value: ParsedMedia | Uint8Array }
  | { op: 'failed'; id: number; error: ErrorRecord };

/** An error as it crosses the boundary (Error objects clone without their class and fields). */
export interface ErrorRecord {
  name: string;
  message: string;
  code?: number;
  boxPath?: string;
  data?: Record<string, number | string>;
}

export function errorRecord(e: unknown): ErrorRecord {
  if (e instanceof Mp4ParseError) {
    return { name: e.name, message: e.message, code: e.code, boxPath: e.boxPath, data: { ...e.data } };
  }
  if (e instanceof MissingKeyError)
    return { name: e.name, message: e.message, code: e.code, data: { kidHex: e.kidHex } };
  if (e instanceof CryptoError) return { name: e.name, message: e.message, code: e.code, data: { ...e.data } };
  if (e instanceof Error) return { name: e.name, message: e.message };
  return { name: 'Error', message: String(e) };
}

/** The error an ErrorRecord stands for, of the class it was thrown as where the core has one. */
export function errorOf(r: ErrorRecord): Error {
  if (r.name === 'Mp4ParseError') {
    const e = new Mp4ParseError(r.code as Mp4ErrorCode, '', r.boxPath ?? '', r.data);
    e.message = r.message;
    return e;
  }
  if (r.name === 'MissingKeyError' && typeof r.data?.['kidHex'] === 'string') {
    return new MissingKeyError(fromHex(r.data['kidHex']));
  }
  if (r.name === 'CryptoError') return new CryptoError(r.code as CryptoErrorCode, r.message, r.data);
  const e = new Error(r.message);
  e.name = r.name;
  return e;
}
