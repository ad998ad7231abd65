#!/usr/bin/env node
// `npm run fuzz`: the fuzz tests (test/**/fuzz.test.ts) for longer than `npm test` runs them, through the same
// runner (tools/run-tests.mjs: one browser at a time, BROWSERS=chromium for one). The browsers read these through the
// test runner's /__fuzz/config endpoint (tools/test-runner/fuzz-middleware.mjs):
//   FUZZ_RUNS=N      cases per property (default 20000 when neither FUZZ_RUNS nor FUZZ_SECONDS is set)
//   FUZZ_SECONDS=S   run each property for S seconds instead
//   FUZZ_SEED=X      the base seed (default: random, printed); a failure prints the seed that replays it
// Extra arguments go to web-test-runner, e.g. `npm run fuzz -- --files test/cdm/fuzz.test.ts`.
import { spawnSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const env = { ...process.env };
if (!env.FUZZ_RUNS && !env.FUZZ_SECONDS) env.FUZZ_RUNS = '20000';
env.FUZZ_SEED ||= String(randomInt(0, 2 ** 31));
const args = process.argv.slice(2);
if (!args.includes('--files')) args.push('--files', 'test/**/fuzz.test.ts');
console.log(
  `fuzz: FUZZ_SEED=${env.FUZZ_SEED} ${env.FUZZ_SECONDS ? `FUZZ_SECONDS=${env.FUZZ_SECONDS}` : `FUZZ_RUNS=${env.FUZZ_RUNS}`}`,
);
const run = spawnSync(process.execPath, [join(root, 'tools/run-tests.mjs'), ...args], {
  cwd: root,
  stdio: 'inherit',
  env,
});
console.log(`fuzz: FUZZ_SEED=${env.FUZZ_SEED} (replay with the same FUZZ_SEED and FUZZ_RUNS)`);
process.exit(run.status ?? 1);
