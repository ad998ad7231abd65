// Serves the CSP demo page (demo/csp/) with the strict Content-Security-Policy of demo/csp/policy.ts, as the Vite
// servers do, so test/security/csp.test.ts checks the page exactly as a site would serve it. Only HTML documents get
// the header: a policy applies to the document it arrives with, and the test runner's own pages keep theirs (none).
// `?workers=none` serves it with workers forbidden (demo/csp/policy.ts NO_WORKER_CSP).
import { CSP_PAGE_PREFIX, cspForQuery } from '../../demo/csp/policy.ts';

/** A koa middleware adding the strict policy to the CSP demo page's HTML responses. */
export function cspMiddleware() {
  return async (ctx, next) => {
    await next();
    if (ctx.path.startsWith(CSP_PAGE_PREFIX) && ctx.response.is('html')) {
      ctx.set('Content-Security-Policy', cspForQuery(new URLSearchParams(ctx.querystring)));
    }
  };
}
