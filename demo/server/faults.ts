/**
 * Fault switches of the demo license server, chosen per request so that concurrent tests never share one.
 *
 * A request names its faults in the query string of the license URL: `?fault=status:500&fault=delay:200` or
 * `?fault=status:500,delay:200`, and an `id` that groups its requests (retries of one license, a test's whole run):
 *
 * | switch          | effect                                                                                      |
 * |-----------------|---------------------------------------------------------------------------------------------|
 * | `status:N`      | answers HTTP N (400-599) with a small JSON error body, no license                          |
 * | `fail-times:N`  | the first N requests with the same `id` answer 500, the later ones succeed (needs `id`)     |
 * | `delay:MS`      | waits MS milliseconds (at most 60 s) before answering; dropped if the client goes away      |
 * | `hang`          | never answers (until the client aborts, or 60 s pass: then 504)                             |
 * | `malformed`     | answers 200 with a body that is not JSON                                                    |
 * | `wrong-key`     | answers a well-formed JWK Set whose keys are NOT the content keys (decryption would fail)   |
 * | `expiry:MS`     | the license carries `"expiration"`: now + MS (see {@link ClearKeyLicense} for the format)   |
 * | `drop-kid`      | leaves the first requested KID out of the license (the other KIDs still get their keys)    |
 * | `auth:TOKEN`    | requires `Authorization: Bearer TOKEN` (401 without it, 403 with another token)            |
 * | `restrict:KID`  | the key of KID (hex) carries `"minHdcpVersion": "2.2"`: output-restricted in the bundled CDM |
 *
 * `restrict:KID` may be given several times, once per KID. The member is secure-video's Clear Key extension (see
 * src/cdm/license.ts): the bundled CDM cannot attest HDCP, so it gives that key the status 'output-restricted' and
 * drops the variants needing it; a browser's own Clear Key ignores the member and keeps the key usable.
 */

/** The longest delay or hang the server accepts, so that a forgotten request cannot keep a socket forever. */
export const MAX_WAIT_MS = 60_000;

export interface Faults {
  /** Fixed HTTP status to answer instead of a license. */
  status?: number;
  /** Answer 500 to the first N requests of one `id`. */
  failTimes?: number;
  /** Milliseconds to wait before answering. */
  delayMs?: number;
  /** Never answer. */
  hang?: boolean;
  /** Answer a body that is not JSON. */
  malformed?: boolean;
  /** Answer keys that do not decrypt. */
  wrongKey?: boolean;
  /** Give the license an expiration this many milliseconds from now. */
  expiryMs?: number;
  /** Leave the first requested KID out. */
  dropKid?: boolean;
  /** Bearer token this request must carry. */
  authToken?: string;
  /** KIDs (lowercase hex) whose keys get an output requirement (`minHdcpVersion`). */
  restrictKids?: string[];
}

/** The HDCP version `restrict:KID` asks for: one no software CDM can attest. */
export const RESTRICTED_HDCP_VERSION = '2.2';

/** A fault switch the server does not understand: answered with 400 so that a typo never passes silently. */
export class FaultSyntaxError extends Error {
  constructor(readonly fault: string) {
    super(`unknown or malformed fault switch "${fault}"`);
    this.name = 'FaultSyntaxError';
  }
}

function intArg(fault: string, value: string | undefined, min: number, max: number): number {
  if (value === undefined || !/^\d+$/.test(value)) throw new FaultSyntaxError(fault);
  const n = Number(value);
  if (n < min || n > max) throw new FaultSyntaxError(fault);
  return n;
}

/** Parses every `fault` query parameter (each may hold a comma-separated list). */
export function parseFaults(params: URLSearchParams): Faults {
  const faults: Faults = {};
  for (const fault of params.getAll('fault').flatMap((v) => v.split(','))) {
    const trimmed = fault.trim();
    if (!trimmed) continue;
    const colon = trimmed.indexOf(':');
    const name = colon < 0 ? trimmed : trimmed.slice(0, colon);
    const arg = colon < 0 ? undefined : trimmed.slice(colon + 1);
    switch (name) {
      case 'status':
        faults.status = intArg(trimmed, arg, 400, 599);
        break;
      case 'fail-times':
        faults.failTimes = intArg(trimmed, arg, 0, 1000);
        break;
      case 'delay':
        faults.delayMs = intArg(trimmed, arg, 0, MAX_WAIT_MS);
        break;
      case 'expiry':
        faults.expiryMs = intArg(trimmed, arg, 0, 365 * 24 * 3600_000);
        break;
      case 'restrict':
        if (!arg || !/^[0-9a-fA-F]{32}$/.test(arg)) throw new FaultSyntaxError(trimmed);
        faults.restrictKids = [...(faults.restrictKids ?? []), arg.toLowerCase()];
        break;
      case 'auth':
        if (!arg) throw new FaultSyntaxError(trimmed);
        faults.authToken = arg;
        break;
      case 'hang':
      case 'malformed':
      case 'wrong-key':
      case 'drop-kid':
        if (arg !== undefined) throw new FaultSyntaxError(trimmed);
        if (name === 'hang') faults.hang = true;
        else if (name === 'malformed') faults.malformed = true;
        else if (name === 'wrong-key') faults.wrongKey = true;
        else faults.dropKid = true;
        break;
      default:
        throw new FaultSyntaxError(trimmed);
    }
  }
  return faults;
}

/** The switches of one request as a short string for the log. */
export function describeFaults(params: URLSearchParams): string {
  return params.getAll('fault').join(',');
}
