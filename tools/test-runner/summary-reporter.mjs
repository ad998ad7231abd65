// Prints one plain line per browser, "<browser>: N passed, N failed, N skipped", so a CI log shows at a
// glance that tests ran, and how many, in each browser; then the slowest test files (the sum of their tests'
// durations), which is where to look when CI's time budget grows. With SV_TEST_REPORT set, it also appends there,
// one JSON object per line, the files the run will test (`{ testFiles }`) and then each file as it ends
// (`{ file, passed, failedTests }`), so that tools/test-runner/per-browser.mjs can tell a test that failed from a
// browser that stopped answering (a file that did not pass with no failed test), while the run goes on, and which
// files still have to run after it stopped one.
import { appendFileSync } from 'node:fs';

function duration(results) {
  if (!results) return 0;
  let ms = 0;
  for (const t of results.tests ?? []) ms += t.duration ?? 0;
  for (const s of results.suites ?? []) ms += duration(s);
  return ms;
}

function failedTests(results) {
  if (!results) return 0;
  let n = 0;
  for (const t of results.tests ?? []) if (!t.skipped && !t.passed) n++;
  for (const s of results.suites ?? []) n += failedTests(s);
  return n;
}

function count(results, acc) {
  if (!results) return acc;
  for (const t of results.tests ?? []) {
    if (t.skipped) acc.skipped++;
    else if (t.passed) acc.passed++;
    else acc.failed++;
  }
  for (const s of results.suites ?? []) count(s, acc);
  return acc;
}

function record(entry) {
  if (process.env.SV_TEST_REPORT) appendFileSync(process.env.SV_TEST_REPORT, `${JSON.stringify(entry)}\n`);
}

export function summaryReporter() {
  return {
    start({ testFiles }) {
      record({ testFiles });
    },
    reportTestFileResults({ sessionsForTestFile, testFile }) {
      const failed = sessionsForTestFile.reduce((n, s) => n + failedTests(s.testResults), 0);
      record({ file: testFile, passed: sessionsForTestFile.every((s) => s.passed), failedTests: failed });
    },
    onTestRunFinished({ sessions }) {
      const byBrowser = new Map();
      for (const s of sessions) {
        const name = s.browser.name.toLowerCase();
        const acc = byBrowser.get(name) ?? { passed: 0, failed: 0, skipped: 0, errors: 0 };
        count(s.testResults, acc);
        if (!s.passed && (s.errors?.length ?? 0) > 0) acc.errors += s.errors.length;
        byBrowser.set(name, acc);
      }
      for (const [name, a] of byBrowser) {
        const extra = a.errors ? ` (${a.errors} file-level errors)` : '';
        console.log(`${name}: ${a.passed} passed, ${a.failed + a.errors} failed, ${a.skipped} skipped${extra}`);
      }
      const slowest = sessions
        .map((s) => ({ file: s.testFile.replace(`${process.cwd()}/`, ''), s: duration(s.testResults) / 1000 }))
        .sort((a, b) => b.s - a.s)
        .slice(0, 8);
      console.log(`slowest files: ${slowest.map((f) => `${f.file} ${f.s.toFixed(1)} s`).join(', ')}`);
    },
  };
}
