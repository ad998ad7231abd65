// Runs one @web/test-runner process per browser, one browser at a time (two browsers at once flake on a two-core
// machine), so that one browser's crash cannot take the others' results with it. Shared by `npm test`
// (tools/run-tests.mjs) and the benchmarks (bench/*.mjs).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findBrowser } from './browsers.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** How often a run's progress (its report file) is looked at, and how long SIGTERM gets before SIGKILL. */
const WATCH_MS = 1000;
const KILL_GRACE_MS = 10_000;

/** The report summary-reporter.mjs appends to SV_TEST_REPORT: `{ testFiles }` first, then one line per file. */
function readReport(path) {
  const report = { testFiles: undefined, files: [] };
  if (!existsSync(path)) return report;
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line) continue;
    let entry;
    try {
      entry = JSON.parse(line);
    } catch {
      continue; // a line cut short by a kill
    }
    if (entry.testFiles) report.testFiles = entry.testFiles;
    else report.files.push(entry);
  }
  return report;
}

/** `args` without web-test-runner's `--files` option and its values (a rerun names its own files). */
function withoutFiles(args) {
  const out = [];
  for (let i = 0; i < args.length; i++) {
    if (args[i].startsWith('--files=')) continue;
    if (args[i] === '--files') {
      while (i + 1 < args.length && !args[i + 1].startsWith('-')) i++;
      continue;
    }
    out.push(args[i]);
  }
  return out;
}

/**
 * One web-test-runner process for `browser`, in its own process group, so that a stop reaches everything it started
 * (WebKit's driver and browser, in a group of their own, go when the runner handles SIGTERM). With `watch`, the run
 * is stopped as soon as a file ends with no failed test but without passing (the browser never delivered its
 * results: a hung or crashed page makes every later file wait on it), or when no file has ended for `watch.stallMs`.
 * Resolves `{ code, stopped, report }`.
 */
function runOnce(browser, { config, args, env, files, watch }) {
  const reportPath = join(tmpdir(), `sv-test-report-${process.pid}-${browser}.jsonl`);
  rmSync(reportPath, { force: true });
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(root, 'node_modules/@web/test-runner/dist/bin.js'), '--config', config, ...args],
    {
      cwd: root,
      stdio: 'inherit',
      detached: true,
      env: {
        ...process.env,
        ...env,
        BROWSERS: browser,
        SV_TEST_REPORT: reportPath,
        ...(files ? { SV_TEST_FILES: JSON.stringify(files) } : {}),
      },
    },
  );
  const group = (signal) => {
    try {
      process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  };
  // Ctrl-C reaches only the foreground process group, which the child left. SIGTERM lets it stop what it started
  // in groups of its own (WebKit's driver, tools/test-runner/webkit-driver.mjs).
  const onInterrupt = () => {
    group('SIGTERM');
    process.exit(130);
  };
  process.once('SIGINT', onInterrupt);

  let stopped;
  let seen = 0;
  let lastProgress = Date.now();
  const stop = (why) => {
    if (stopped) return;
    stopped = why;
    group('SIGTERM');
    setTimeout(() => group('SIGKILL'), KILL_GRACE_MS).unref();
  };
  const watcher =
    watch &&
    setInterval(() => {
      const { files: ended } = readReport(reportPath);
      const unanswered = ended.slice(seen).find((f) => !f.passed && f.failedTests === 0);
      if (ended.length > seen) lastProgress = Date.now();
      seen = ended.length;
      if (unanswered) stop(`the browser never answered for ${relative(root, unanswered.file)}`);
      else if (Date.now() - lastProgress > watch.stallMs)
        stop(`no test file ended for ${Math.round(watch.stallMs / 1000)} s`);
    }, WATCH_MS);

  return new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      if (watcher) clearInterval(watcher);
      process.off('SIGINT', onInterrupt);
      group('SIGKILL'); // whatever the runner left behind in its group
      const report = readReport(reportPath);
      rmSync(reportPath, { force: true });
      resolve({ code: signal ? null : code, stopped, report });
    });
  });
}

/**
 * Runs web-test-runner with `config` once per browser of `browsers` (BROWSERS is set to that one browser in the
 * child's environment, plus `env`; `args` go to web-test-runner). `before(browser)` runs before each spawn, `after`
 * after it with the status. Resolves `[{ browser, status: 'passed' | 'failed' | 'missing' }]`; a missing browser is
 * reported (findBrowser's message names its package) and skipped, never spawned.
 *
 * `retryUnanswered` (npm test: how many times): when a browser stops answering (a file ends with no failed test
 * but without passing, or no file ends for `stallMs`), its run is stopped and the files that have not passed run
 * again in a fresh browser, and the log says so. WebKitGTK's GStreamer can deadlock or crash a web process (seen
 * here with gdb: the main thread in a pipeline state change, a streaming thread waiting on a lock it holds); such
 * a page never answers, which is not a test's verdict. A failed test is never run again: a run with one fails.
 */
export async function runPerBrowser(
  browsers,
  { config, args = [], env = {}, before, after, retryUnanswered = 0, stallMs } = {},
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
    const watch = retryUnanswered > 0 ? { stallMs } : undefined;
    let run = await runOnce(browser, { config, args, env, watch });
    let testFiles = run.report.testFiles;
    const passed = new Set();
    let failedTests = 0;
    for (let retry = 1; ; retry++) {
      for (const f of run.report.files) {
        if (f.passed) passed.add(f.file);
        failedTests += f.failedTests;
      }
      const left = testFiles?.filter((f) => !passed.has(f));
      if (run.code === 0 || failedTests > 0 || retry > retryUnanswered || !left?.length) break;
      const what = run.stopped ?? `the run ended (exit code ${run.code}) before every file had passed`;
      console.log(
        `\n⚠ ${browser}: ${what}, with no failed test; running the ${left.length} file(s) that have not passed` +
          ` in a fresh ${browser} (${retry}/${retryUnanswered}).`,
      );
      run = await runOnce(browser, { config, args: withoutFiles(args), env, files: left, watch });
      testFiles = left;
    }
    const allPassed = testFiles?.length > 0 && testFiles.every((f) => passed.has(f));
    const status = failedTests === 0 && (run.code === 0 || allPassed) ? 'passed' : 'failed';
    if (status === 'passed' && run.code !== 0)
      console.log(`\n⚠ ${browser}: every file passed, though the last run ended with exit code ${run.code}.`);
    after?.(browser, status);
    results.push({ browser, status });
  }
  return results;
}
