// Runs one @web/test-runner process per browser, one browser at a time (two browsers at once flake on a two-core
// machine), so that one browser's crash cannot take the others' results with it. Shared by `npm test`
// (tools/run-tests.mjs) and the benchmarks (bench/*.mjs).
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findBrowser } from './browsers.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * One web-test-runner process for `browser`. Resolves what became of it: `passed`, `stopped` (it ran past
 * `timeoutMs` and was sent SIGTERM) and `unanswered`: the files that failed with no failed test among them, i.e.
 * whose browser never delivered results (summary-reporter.mjs writes them to SV_TEST_REPORT).
 */
function runOnce(browser, { config, args, env, timeoutMs }) {
  const report = join(tmpdir(), `sv-test-report-${process.pid}-${browser}.json`);
  rmSync(report, { force: true });
  const run = spawnSync(
    process.execPath,
    ['--import', 'tsx', join(root, 'node_modules/@web/test-runner/dist/bin.js'), '--config', config, ...args],
    {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, ...env, BROWSERS: browser, SV_TEST_REPORT: report },
      ...(timeoutMs ? { timeout: timeoutMs, killSignal: 'SIGTERM' } : {}),
    },
  );
  let failed;
  try {
    failed = JSON.parse(readFileSync(report, 'utf8')).failed;
  } catch {
    failed = undefined; // no report: the run was stopped before it finished
  } finally {
    rmSync(report, { force: true });
  }
  return {
    passed: run.status === 0,
    stopped: run.error?.code === 'ETIMEDOUT' || run.signal !== null,
    unanswered: failed?.filter((f) => f.failedTests === 0).map((f) => relative(root, f.file)) ?? [],
    failedTests: failed?.reduce((n, f) => n + f.failedTests, 0) ?? 0,
  };
}

/**
 * Runs web-test-runner with `config` once per browser of `browsers` (BROWSERS is set to that one browser in the
 * child's environment, plus `env`; `args` go to web-test-runner). `before(browser)` runs before each spawn, `after`
 * after it with the status. Returns `[{ browser, status: 'passed' | 'failed' | 'missing' }]`; a missing browser is
 * reported (findBrowser's message names its package) and skipped, never spawned.
 *
 * `retryUnanswered` (npm test: how many times): a browser's run whose only failures are files the browser never
 * answered for, or that passed `timeoutMs`, runs again, and says so. WebKitGTK's GStreamer can deadlock a web process (seen
 * here with gdb: the main thread in a pipeline state change, a streaming thread waiting on a lock it holds); such a
 * page never answers, which is not a test's verdict. A failed test is never run again.
 */
export function runPerBrowser(
  browsers,
  { config, args = [], env = {}, before, after, retryUnanswered = 0, timeoutMs } = {},
) {
  const results = [];
  for (const browser of browsers) {
    try {
      findBrowser(browser);
    } catch (e) {
      console.error(`\n✖ ${e.message}`);
      results.push({ browser, status: 'missing' });
      continue;
    }
    console.log(`\n━━━ ${browser} ━━━`);
    before?.(browser);
    let run = runOnce(browser, { config, args, env, timeoutMs });
    for (let retry = 1; retry <= retryUnanswered && !run.passed; retry++) {
      const noAnswer = run.stopped || (run.failedTests === 0 && run.unanswered.length > 0);
      if (!noAnswer) break;
      const what = run.stopped
        ? `the run passed ${Math.round(timeoutMs / 60_000)} min and was stopped`
        : `the browser never answered for ${run.unanswered.join(', ')}`;
      console.log(
        `\n⚠ ${browser}: ${what}, with no failed test; running ${browser} again (${retry}/${retryUnanswered}).`,
      );
      run = runOnce(browser, { config, args, env, timeoutMs });
    }
    const status = run.passed ? 'passed' : 'failed';
    after?.(browser, status);
    results.push({ browser, status });
  }
  return results;
}
