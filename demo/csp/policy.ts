/**
 * The strict Content-Security-Policy the CSP demo page (demo/csp/) and the demo gallery (/demo/) are served with, by
 * the Vite dev and preview servers (vite.config.ts), and the CSP page by the test runner
 * (tools/test-runner/csp-middleware.mjs). No inline script or style, no
 * eval, Trusted Types required for every script sink. MSE needs `blob:` media (the player's MediaSource URL).
 * `worker-src 'self'` says what script-src 'self' already allows workers (worker-src falls back to script-src, CSP 3
 * 6.1.12): the element's decrypt worker, a module file from the same origin as the library; not `blob:` or `data:`.
 * Kept free of Node and DOM types: both the browser and the Node build read it.
 */
export const STRICT_CSP: string = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "worker-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'self'",
  "require-trusted-types-for 'script'",
].join('; ');

/** The path prefix served with STRICT_CSP. */
export const CSP_PAGE_PREFIX = '/demo/csp/';

/**
 * The same policy with workers forbidden (`worker-src 'none'`): the CSP page served with `?workers=none`, where the
 * decrypt core runs on the main thread (test/security/csp.test.ts).
 */
export const NO_WORKER_CSP: string = STRICT_CSP.replace("worker-src 'self'", "worker-src 'none'");

/** The policy for a CSP page URL's query: NO_WORKER_CSP with `workers=none`, else STRICT_CSP. */
export function cspForQuery(search: { get(name: string): string | null }): string {
  return search.get('workers') === 'none' ? NO_WORKER_CSP : STRICT_CSP;
}
