// web-test-runner config for bench/decrypt.ts only (see bench/run-decrypt.mjs).
import { writeFileSync } from 'node:fs';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { workerUrlPlugin } from '../tools/test-runner/worker-url-plugin.mjs';
import { createLauncher, requestedBrowsers } from '../tools/test-runner/browsers.mjs';

const benchResults = {
  name: 'bench-decrypt-results',
  executeCommand({ command, payload }) {
    if (command !== 'bench-decrypt-result') return undefined;
    writeFileSync(process.env.BENCH_OUT, JSON.stringify(payload));
    return true;
  },
};

export default {
  rootDir: '.',
  files: ['bench/decrypt.ts'],
  nodeResolve: true,
  concurrency: 1,
  concurrentBrowsers: 1,
  testsFinishTimeout: 20 * 60_000,
  browserStartTimeout: 60_000,
  testFramework: { config: { timeout: 10 * 60_000 } },
  browsers: requestedBrowsers().map((name) => createLauncher(name)),
  plugins: [
    workerUrlPlugin(),
    esbuildPlugin({ ts: true, target: 'es2022', tsconfig: './tsconfig.json' }),
    benchResults,
  ],
};
