#!/usr/bin/env node
// `npm run test:interop`: the interop suite (test/interop/*.interop.ts) over a corpus of Clear Key content made by
// other packagers (INTEROP_DIR, default ../shared/interop; its README.md and cases.json say what is in it), in
// Chromium, Firefox and WebKit, one browser at a time (BROWSERS for a subset). Each case is checked on four paths:
//   bytes     the samples our decryptor makes equal the packager's own clear output (`expected_clear`), byte for byte
//   element   <secure-video> (bundled CDM, fallback 'always', inline clearKeys) plays the packager's MPD, its HLS
//             playlist where there is one, and a live-profile MPD as a dynamic manifest
//   polyfill  a plain EME + MSE page with the Clear Key polyfill plays the media files
//   native    the same page with the browser's own Clear Key: a reference, so a browser limit is told from our bug
// A codec the browser cannot decode (MediaSource.isTypeSupported on the clear codec) is skipped, with the reason.
// Prints a case x browser x path table and `N passed, N failed, N skipped`; exits 1 when anything failed. When the
// corpus folder is absent it says so and tests nothing. The corpus is never copied into the project.
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requestedBrowsers } from './test-runner/browsers.mjs';
import { interopDir } from './test-runner/interop-dir.mjs';
import { runPerBrowser } from './test-runner/per-browser.mjs';

const dir = interopDir();
if (!existsSync(join(dir, 'cases.json'))) {
  console.log(`Interop corpus not found at ${dir} (no cases.json): NOTHING was tested. Set INTEROP_DIR to run it.`);
  process.exit(0);
}

const started = Date.now();
const reportPath = join(tmpdir(), `sv-interop-${process.pid}.jsonl`);
rmSync(reportPath, { force: true });
const browsers = requestedBrowsers();
const runs = await runPerBrowser(browsers, {
  config: 'web-test-runner.interop.config.mjs',
  args: process.argv.slice(2),
  env: { SV_INTEROP_REPORT: reportPath, INTEROP_DIR: dir },
  retryUnanswered: 1,
  stallMs: 3 * 60_000,
});

const entries = existsSync(reportPath)
  ? readFileSync(reportPath, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line))
  : [];
rmSync(reportPath, { force: true });

// The last verdict counts (a browser rerun after it stopped answering reports again).
const PATHS = ['bytes', 'element-dash', 'element-hls', 'polyfill', 'native'];
const verdicts = new Map();
for (const e of entries) verdicts.set(`${e.case}|${e.browser}|${e.path}`, e);
const cases = JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')).map((c) => c.id);

const MARK = { passed: 'ok', failed: 'FAIL', skipped: 'skip', limit: 'limit' };
const width = Math.max(...cases.map((c) => c.length));
const cellWidth = 6;
console.log(`\n━━━ interop: ${dir} ━━━`);
console.log('paths: ' + PATHS.map((p, i) => `${i + 1}=${p}`).join(' ') + '   (-: the case has no such path)');
console.log(''.padEnd(width) + ' | ' + browsers.map((b) => b.padEnd(PATHS.length * cellWidth - 1)).join(' | '));
console.log(
  ''.padEnd(width) +
    ' | ' +
    browsers.map(() => PATHS.map((_, i) => String(i + 1).padEnd(cellWidth - 1)).join(' ')).join(' | '),
);
const notes = [];
const totals = { passed: 0, failed: 0, skipped: 0, limit: 0 };
const perBrowserPath = new Map();
for (const c of cases) {
  const cells = browsers.map((b) =>
    PATHS.map((p) => {
      const v = verdicts.get(`${c}|${b}|${p}`);
      if (!v) return '-'.padEnd(cellWidth - 1);
      totals[v.status]++;
      const key = `${b}|${p}`;
      const agg = perBrowserPath.get(key) ?? { passed: 0, failed: 0, skipped: 0, limit: 0 };
      agg[v.status]++;
      perBrowserPath.set(key, agg);
      if (v.status !== 'passed') notes.push(`${c} / ${b} / ${p}: ${v.status}: ${v.detail}`);
      return MARK[v.status].padEnd(cellWidth - 1);
    }).join(' '),
  );
  console.log(c.padEnd(width) + ' | ' + cells.join(' | '));
}
// A test run that failed without a verdict (a page that crashed before it could report) is a failure too.
for (const r of runs) {
  if (r.status !== 'passed' && !entries.some((e) => e.browser === r.browser && e.status === 'failed')) {
    totals.failed++;
    notes.push(`${r.browser}: the test run ${r.status} with no failed verdict reported (see the log above)`);
  }
}
console.log("\nper browser and path (passed/failed/skipped, limit = the browser's own Clear Key could not play it):");
for (const b of browsers) {
  const parts = PATHS.map((p) => {
    const a = perBrowserPath.get(`${b}|${p}`);
    return a ? `${p} ${a.passed}/${a.failed}/${a.skipped}${a.limit ? ` +${a.limit} limit` : ''}` : `${p} -`;
  });
  console.log(`  ${b}: ${parts.join(', ')}`);
}
if (notes.length) console.log('\n' + notes.join('\n'));
console.log(`\ninterop took ${Math.round((Date.now() - started) / 1000)} s`);
// Native limits are the browser's, not ours: counted as skipped, each with its reason above.
console.log(`${totals.passed} passed, ${totals.failed} failed, ${totals.skipped + totals.limit} skipped`);
process.exit(totals.failed ? 1 : 0);
