/** Events the EME controller dispatches on its target (the element re-dispatches or forwards them as they are). */
import type { DrmError } from './errors.js';
import type { DrmState, KeyStatus } from './key-status.js';

export interface LicenseRequestDetail {
  keySystem: string;
  messageType: MediaKeyMessageType;
  sessionId: string;
  /** null when inline `clearKeys` answer without a server. */
  url: string | null;
  /** 1 for the first try, 2 for the first retry, ... */
  attempt: number;
}

export interface LicenseResponseDetail {
  keySystem: string;
  messageType: MediaKeyMessageType;
  sessionId: string;
  url: string | null;
  /** HTTP status; null for inline keys. */
  status: number | null;
  attempts: number;
  /** The license's expiration (ms since the epoch) when it carried one, else NaN. */
  expiration: number;
}

export interface KeyStatusesDetail {
  /** Aggregated status per KID (lowercase hex), across sessions. */
  statuses: ReadonlyMap<string, KeyStatus>;
  /** KIDs that decrypt. */
  usable: string[];
  /** KIDs whose variants the streaming layer should drop ('output-restricted', 'internal-error'). */
  restricted: string[];
  /** KIDs that expired. */
  expired: string[];
  /** Earliest expiration across sessions (ms since the epoch), NaN when none. */
  expiration: number;
}

export interface DrmStateDetail {
  state: DrmState;
  previous: DrmState;
}

export interface DrmErrorDetail {
  error: DrmError;
}

/** Event names and their types, for `addEventListener` typing on the target. */
export interface DrmEventMap {
  'license-request': CustomEvent<LicenseRequestDetail>;
  'license-response': CustomEvent<LicenseResponseDetail>;
  keystatuseschange: CustomEvent<KeyStatusesDetail>;
  drmstatechange: CustomEvent<DrmStateDetail>;
  drmerror: CustomEvent<DrmErrorDetail>;
}

export const DrmEvent = {
  LICENSE_REQUEST: 'license-request',
  LICENSE_RESPONSE: 'license-response',
  KEY_STATUSES_CHANGE: 'keystatuseschange',
  STATE_CHANGE: 'drmstatechange',
  ERROR: 'drmerror',
} as const satisfies Record<string, keyof DrmEventMap>;
