/**
 * The strict Content-Security-Policy the CSP demo page (demo/csp/) and the demo gallery (/demo/) are served with, by
 * the Vite dev and preview servers (vite.config.ts), and the CSP page by the test runner
 * (tools/test-runner/csp-middleware.mjs). No inline script or style, no
 * eval, Trusted Types required for every script sink. MSE needs `blob:` media (the player's MediaSource URL).
 * Kept free of Node and DOM types: both the browser and the Node build read it.
 */
export const STRICT_CSP: string = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "media-src 'self' blob:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'self'",
  "require-trusted-types-for 'script'",
].join('; ');

/** The path prefix served with STRICT_CSP. */
export const CSP_PAGE_PREFIX = '/demo/csp/';
