/**
 * What an EME controller (and the element around it) still holds: sessions the CDM has open, timers and tasks in
 * flight. Internal: for leak checks in tests and for debugging, not part of the public API. Reach it through the
 * well-known symbol, `element[Symbol.for('secure-video.diagnostics')]()` (or `controller[...]()`), so a test needs no
 * private access and a page never sees it by accident.
 */
export const diagnostics: unique symbol = Symbol.for('secure-video.diagnostics');

export interface Diagnostics {
  /**
   * Sessions this controller created that the CDM still has open: a session ID assigned (generateRequest() or
   * load() succeeded) and neither its `closed` promise nor a close() call has settled yet. Across runs, so a session
   * of a torn-down run that was never closed counts.
   */
  openSessions: number;
  /** How many of `openSessions` belong to the current run (the current `src`); the rest are leaks. */
  currentSessions: number;
  /** Timers of the controller that are armed (license expiry). */
  timers: number;
  /** Tasks in flight: sessions opening, license exchanges (their timeouts and retry delays), renewals, teardowns. */
  tasks: number;
  /** Resolves once every task has settled (a teardown included): then the counts above are final. */
  idle(): Promise<void>;
}
