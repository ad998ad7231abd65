#!/usr/bin/env node
// `npm run bench:decrypt`: runs bench/decrypt.ts in Chromium, Firefox and WebKit (one at a time, BROWSERS=... for a
// subset), collects each browser's figures through a test-runner server command, writes bench/results/decrypt.json
// as {"<browser>": {"<scheme>": {"mibps", "rawMibps", "ratio", ...}}} and prints it. `npm run bench` calls
// runDecryptBench() as one of its parts.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requestedBrowsers } from '../tools/test-runner/browsers.mjs';
import { runPerBrowser } from '../tools/test-runner/per-browser.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'bench/results/decrypt.json');
const partial = join(root, 'bench/results/decrypt-partial.tmp');

/** Runs the decrypt bench in `browsers`; merges their figures into decrypt.json. Resolves { results, failed }. */
export async function runDecryptBench(browsers = requestedBrowsers()) {
  mkdirSync(dirname(out), { recursive: true });
  const results = existsSync(out) ? JSON.parse(readFileSync(out, 'utf8')) : {};
  const runs = await runPerBrowser(browsers, {
    config: join(root, 'bench/decrypt.config.mjs'),
    env: { BENCH_OUT: partial },
    before: () => rmSync(partial, { force: true }),
    after: (browser, status) => {
      if (status === 'passed' && existsSync(partial)) results[browser] = JSON.parse(readFileSync(partial, 'utf8'));
      rmSync(partial, { force: true });
    },
  });
  writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
  const failed = runs.some((r) => r.status !== 'passed' || !results[r.browser]);
  return { results, failed };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { results, failed } = await runDecryptBench();
  console.log(JSON.stringify(results, null, 2));
  process.exit(failed ? 1 : 0);
}
