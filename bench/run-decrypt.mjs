#!/usr/bin/env node
// `npm run bench:decrypt`: runs bench/decrypt.ts in Chromium, Firefox and WebKit (one at a time, BROWSERS=... for a
// subset), collects each browser's figures through a test-runner server command, writes bench/results/decrypt.json
// as {"<browser>": {"<scheme>": {"mibps", "rawMibps", "ratio", ...}}} and prints it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requestedBrowsers } from '../tools/test-runner/browsers.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'bench/results/decrypt.json');
const partial = join(root, 'bench/results/decrypt-partial.tmp');
mkdirSync(dirname(out), { recursive: true });

const results = existsSync(out) ? JSON.parse(readFileSync(out, 'utf8')) : {};
let failed = false;
for (const browser of requestedBrowsers()) {
  console.log(`\n━━━ ${browser} ━━━`);
  const run = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      join(root, 'node_modules/@web/test-runner/dist/bin.js'),
      '--config',
      join(root, 'bench/decrypt.config.mjs'),
    ],
    { cwd: root, stdio: 'inherit', env: { ...process.env, BROWSERS: browser, BENCH_OUT: partial } },
  );
  if (run.status !== 0 || !existsSync(partial)) {
    failed = true;
    continue;
  }
  results[browser] = JSON.parse(readFileSync(partial, 'utf8'));
  rmSync(partial);
}
writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
console.log(JSON.stringify(results, null, 2));
process.exit(failed ? 1 : 0);
