// `npm run test:interop` (tools/run-interop.mjs): the interop suite over a corpus of third-party Clear Key content
// (INTEROP_DIR, default ../shared/interop), one browser per run as in npm test. Its files end in .interop.ts so that
// npm test's glob (test/**/*.test.ts) never picks them up: they need the corpus, which is not part of the project.
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { workerUrlPlugin } from './tools/test-runner/worker-url-plugin.mjs';
import { defaultReporter } from '@web/test-runner';
import { createLauncher, requestedBrowsers } from './tools/test-runner/browsers.mjs';
import { interopMiddleware } from './tools/test-runner/interop-middleware.mjs';
import { summaryReporter } from './tools/test-runner/summary-reporter.mjs';
import { interopDir } from './tools/test-runner/interop-dir.mjs';

const names = requestedBrowsers();

export default {
  files: process.env.SV_TEST_FILES ? JSON.parse(process.env.SV_TEST_FILES) : ['test/interop/*.interop.ts'],
  nodeResolve: true,
  concurrency: 1,
  concurrentBrowsers: 1,
  testsFinishTimeout: 3 * 60_000,
  browserStartTimeout: 60_000,
  testsStartTimeout: 60_000,
  testFramework: { config: { timeout: 30_000 } },
  browsers: names.map((name) => createLauncher(name)),
  plugins: [workerUrlPlugin(), esbuildPlugin({ ts: true, target: 'es2022', tsconfig: './tsconfig.json' })],
  middleware: [
    interopMiddleware({ dir: interopDir(), reportPath: process.env.SV_INTEROP_REPORT, browser: names.join(',') }),
    (await import('./tools/test-runner/license-middleware.mjs')).licenseMiddleware(),
  ],
  reporters: [defaultReporter(), summaryReporter()],
};
