#!/usr/bin/env node
// `npm test`: runs every test file in Chromium, Firefox and WebKit, one browser at a time (two browsers
// at once flake on a two-core machine), each in its own @web/test-runner process so that one browser's
// crash cannot take the others' results with it. BROWSERS=firefox,webkit runs a subset.
// Extra arguments go to web-test-runner (e.g. `npm test -- --files test/mp4/**/*.test.ts`).
import { requestedBrowsers } from './test-runner/browsers.mjs';
import { runPerBrowser } from './test-runner/per-browser.mjs';
import { testFileTimeoutMs } from './test-runner/timeouts.mjs';

const ci = process.env.CI === 'true' || process.env.CI === '1';
const results = await runPerBrowser(requestedBrowsers(), {
  config: 'web-test-runner.config.mjs',
  args: process.argv.slice(2),
  // When a browser stops answering, the files that have not passed run again in a fresh one, three times at most (see
  // runPerBrowser). A run in which no file ended for half a minute longer than a file may take has stopped answering
  // too: a hung WebKit page can keep web-test-runner from reporting the file it timed out (seen in CI).
  retryUnanswered: 3,
  stallMs: testFileTimeoutMs() + 30_000,
});

console.log('\n━━━ summary ━━━');
for (const r of results) console.log(`${r.browser}: ${r.status}`);
const failed = results.filter((r) => r.status === 'failed');
const missing = results.filter((r) => r.status === 'missing');
if (missing.length) {
  const names = missing.map((r) => r.browser).join(', ');
  if (ci) console.error(`CI=true: ${names} missing, so the run fails (the suite never runs in fewer browsers on CI).`);
  else
    console.error(
      `WARNING: ${names} missing: these browsers were NOT tested. Install them (see above) or set BROWSERS.`,
    );
}
process.exit(failed.length || (ci && missing.length) ? 1 : 0);
