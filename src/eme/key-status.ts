/**
 * Key statuses -> one state for the element.
 *
 * Statuses come per session (MediaKeySession.keyStatuses, EME 5.2 / "Update Key Statuses" 6.x); one KID can appear in
 * several sessions (key rotation, a renewal on a new session). A key decrypts when it is usable in ANY session, so the
 * per-KID aggregate is the most useful status across sessions.
 */

/** The element-level DRM state. */
export const DrmState = {
  /** No encrypted content seen, or torn down. */
  NONE: 'none',
  /** Choosing a key system, acquiring a license, or waiting for a key. */
  PENDING: 'pending',
  /** Every key seen so far is usable (or some are restricted but others remain usable). */
  USABLE: 'usable',
  /** A key expired (renewal is attempted when the key system allows it). */
  EXPIRED: 'expired',
  /** Every key is output-restricted: nothing can play here. */
  OUTPUT_RESTRICTED: 'output-restricted',
  /** A fatal error (see the controller's `error`), or every key is unusable with at least one 'internal-error'. */
  ERROR: 'error',
} as const;
export type DrmState = (typeof DrmState)[keyof typeof DrmState];

/** MediaKeyStatus values (EME 5.2.1) as a const object, for comparisons without string literals scattered around. */
export const KeyStatus = {
  USABLE: 'usable',
  EXPIRED: 'expired',
  RELEASED: 'released',
  OUTPUT_RESTRICTED: 'output-restricted',
  OUTPUT_DOWNSCALED: 'output-downscaled',
  USABLE_IN_FUTURE: 'usable-in-future',
  STATUS_PENDING: 'status-pending',
  INTERNAL_ERROR: 'internal-error',
} as const;
export type KeyStatus = (typeof KeyStatus)[keyof typeof KeyStatus];

// Higher wins when one KID has different statuses in different sessions: anything that still decrypts beats
// anything that does not; among the rest, the one that may still resolve (pending) beats final failures.
const RANK: Record<KeyStatus, number> = {
  usable: 8,
  'output-downscaled': 7,
  'usable-in-future': 6,
  'status-pending': 5,
  expired: 4,
  released: 3,
  'output-restricted': 2,
  'internal-error': 1,
};

/** Statuses with which a key decrypts (EME 5.2.1: 'output-downscaled' still decrypts, at a lower quality). */
export function isUsable(status: KeyStatus): boolean {
  return status === 'usable' || status === 'output-downscaled';
}

/** Statuses that make the streaming layer drop the variants needing that key. */
export function isRestricted(status: KeyStatus): boolean {
  return status === 'output-restricted' || status === 'internal-error';
}

/** Combines per-session statuses (KID hex -> status) into one status per KID. */
export function aggregateStatuses(perSession: Iterable<ReadonlyMap<string, KeyStatus>>): Map<string, KeyStatus> {
  const out = new Map<string, KeyStatus>();
  for (const statuses of perSession) {
    for (const [kid, status] of statuses) {
      const seen = out.get(kid);
      if (seen === undefined || RANK[status] > RANK[seen]) out.set(kid, status);
    }
  }
  return out;
}

export interface StateInputs {
  /** Aggregated statuses (KID hex -> status). */
  statuses: ReadonlyMap<string, KeyStatus>;
  /** A fatal error is recorded. */
  failed: boolean;
  /** Work is in flight: key system selection, license exchange, session creation, renewal. */
  busy: boolean;
  /** Open sessions with no key status yet (the license has not been applied). */
  waitingSessions: number;
}

/** Derives the element's state; precedence: error, restricted-only, expired, pending, usable, none. */
export function deriveState({ statuses, failed, busy, waitingSessions }: StateInputs): DrmState {
  if (failed) return DrmState.ERROR;
  const values = [...statuses.values()];
  if (values.length > 0 && values.every(isRestricted)) {
    return values.includes('internal-error') ? DrmState.ERROR : DrmState.OUTPUT_RESTRICTED;
  }
  if (values.includes('expired')) return DrmState.EXPIRED;
  if (busy || waitingSessions > 0 || values.some((s) => s === 'status-pending' || s === 'usable-in-future')) {
    return DrmState.PENDING;
  }
  if (values.some(isUsable)) return DrmState.USABLE;
  return DrmState.NONE;
}
