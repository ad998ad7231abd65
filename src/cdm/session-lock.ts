/**
 * "A MediaKeySession object that is not closed in any Document" (EME 7.2 load() step 8.3) for persistent sessions:
 * a Web Lock per session ID, held from the moment a session takes the ID until it is closed. Web Locks are shared by
 * every document of the origin, and the browser releases them when a document goes away, so a session ID open in
 * another tab makes load() reject with QuotaExceededError there as it does here.
 */
const LOCK_PREFIX = 'secure-video-clearkey-session:';

interface LockManagerLike {
  request(
    name: string,
    options: { ifAvailable: boolean },
    callback: (lock: unknown) => Promise<unknown> | unknown,
  ): Promise<unknown>;
}

function lockManager(): LockManagerLike | undefined {
  const locks = (navigator as { locks?: LockManagerLike }).locks;
  return typeof locks?.request === 'function' ? locks : undefined;
}

/**
 * Takes the lock for `sessionId`. Resolves with the function that releases it, or undefined when another session (in
 * any document of this origin) holds it. Without Web Locks it always succeeds: the per-document check in session.ts
 * still applies.
 */
export function takeSessionLock(sessionId: string): Promise<(() => void) | undefined> {
  const locks = lockManager();
  const noop = (): void => {};
  if (!locks) return Promise.resolve(noop);
  return new Promise((resolve) => {
    locks
      .request(LOCK_PREFIX + sessionId, { ifAvailable: true }, (lock) => {
        if (lock === null) {
          resolve(undefined);
          return undefined;
        }
        // The lock is held until the returned promise settles.
        return new Promise<void>((release) => resolve(() => release()));
      })
      .catch(() => resolve(noop));
  });
}
