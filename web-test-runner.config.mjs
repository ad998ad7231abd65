// One config for every test file and every browser. `npm test` (tools/run-tests.mjs) runs it once per
// browser, one browser at a time and one file at a time (SV_CONCURRENCY for more: fileConcurrency);
// `BROWSERS=firefox npm test` runs a subset.
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { workerUrlPlugin } from './tools/test-runner/worker-url-plugin.mjs';
import { createLauncher, fileConcurrency, requestedBrowsers } from './tools/test-runner/browsers.mjs';
import { summaryReporter } from './tools/test-runner/summary-reporter.mjs';
import { testFileTimeoutMs } from './tools/test-runner/timeouts.mjs';
import { defaultReporter } from '@web/test-runner';

const browsers = requestedBrowsers().map((name) => createLauncher(name));

export default {
  // SV_TEST_FILES: the files a rerun still has to run (tools/test-runner/per-browser.mjs), as a JSON list.
  files: process.env.SV_TEST_FILES ? JSON.parse(process.env.SV_TEST_FILES) : ['test/**/*.test.ts'],
  nodeResolve: true,
  concurrency: fileConcurrency(),
  concurrentBrowsers: 1,
  testsFinishTimeout: testFileTimeoutMs(),
  browserStartTimeout: 60_000,
  testsStartTimeout: 60_000,
  testFramework: { config: { timeout: 30_000 } },
  browsers,
  plugins: [workerUrlPlugin(), esbuildPlugin({ ts: true, target: 'es2022', tsconfig: './tsconfig.json' })],
  middleware: [
    (await import('./tools/test-runner/license-middleware.mjs')).licenseMiddleware(),
    (await import('./tools/test-runner/fuzz-middleware.mjs')).fuzzConfigMiddleware(),
    (await import('./tools/test-runner/csp-middleware.mjs')).cspMiddleware(),
    (await import('./tools/test-runner/range-middleware.mjs')).rangeMiddleware(),
    (await import('./tools/test-runner/media-fault-middleware.mjs')).mediaFaultMiddleware(),
  ],
  reporters: [defaultReporter(), summaryReporter()],
};
