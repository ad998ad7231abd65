// Runs one @web/test-runner process per browser, one browser at a time (two browsers at once flake on a two-core
// machine), so that one browser's crash cannot take the others' results with it. Shared by `npm test`
// (tools/run-tests.mjs) and the benchmarks (bench/*.mjs).
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findBrowser } from './browsers.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

/**
 * Runs web-test-runner with `config` once per browser of `browsers` (BROWSERS is set to that one browser in the
 * child's environment, plus `env`; `args` go to web-test-runner). `before(browser)` runs before each spawn, `after`
 * after it with the status. Returns `[{ browser, status: 'passed' | 'failed' | 'missing' }]`; a missing browser is
 * reported (findBrowser's message names its package) and skipped, never spawned.
 */
export function runPerBrowser(browsers, { config, args = [], env = {}, before, after } = {}) {
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
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', join(root, 'node_modules/@web/test-runner/dist/bin.js'), '--config', config, ...args],
      { cwd: root, stdio: 'inherit', env: { ...process.env, ...env, BROWSERS: browser } },
    );
    const status = run.status === 0 ? 'passed' : 'failed';
    after?.(browser, status);
    results.push({ browser, status });
  }
  return results;
}
