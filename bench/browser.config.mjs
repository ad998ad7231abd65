// web-test-runner config for the in-browser benches of `npm run bench` (bench/startup.ts, bench/main-thread.ts,
// bench/memory.ts; BENCH_FILES picks some): the same launchers and license server as the tests. Each bench reports
// its figures with the 'bench-result' server command; bench/run.mjs reads them from BENCH_OUT. 'bench-chromium'
// reads what only the DevTools protocol can give (heap after a forced GC, the renderer's script time) where the
// browser is driven by Playwright's Chromium; elsewhere its figures are null. BENCH_MEDIA is served at /bench-media/.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import { esbuildPlugin } from '@web/dev-server-esbuild';
import { workerUrlPlugin } from '../tools/test-runner/worker-url-plugin.mjs';
import { createLauncher, requestedBrowsers } from '../tools/test-runner/browsers.mjs';
import { licenseMiddleware } from '../tools/test-runner/license-middleware.mjs';

const DEFAULT_FILES = ['bench/startup.ts', 'bench/main-thread.ts', 'bench/memory.ts'];

const cdpSessions = new Map();

const results = {
  name: 'bench-results',
  async executeCommand({ command, payload, session }) {
    if (command === 'bench-result') {
      const out = process.env.BENCH_OUT;
      const all = existsSync(out) ? JSON.parse(readFileSync(out, 'utf8')) : {};
      all[payload.name] = payload.figures;
      writeFileSync(out, JSON.stringify(all));
      return true;
    }
    if (command === 'bench-chromium') {
      // The runner takes null for "not handled": answer an object whose figures are null instead.
      if (session.browser.type !== 'playwright') return { heapUsed: null, scriptSeconds: null, taskSeconds: null };
      // One DevTools session per page: Performance.getMetrics counts from Performance.enable.
      let cdp = cdpSessions.get(session.id);
      if (!cdp) {
        const page = session.browser.getPage(session.id);
        cdp = await page.context().newCDPSession(page);
        await cdp.send('Performance.enable');
        cdpSessions.set(session.id, cdp);
      }
      if (payload?.gc) await cdp.send('HeapProfiler.collectGarbage');
      const heap = await cdp.send('Runtime.getHeapUsage');
      const { metrics } = await cdp.send('Performance.getMetrics');
      const metric = (name) => metrics.find((m) => m.name === name)?.value ?? null;
      // Live instances per prototype the page put in globalThis.__benchPrototypes (what a leak keeps alive).
      let live = null;
      if (payload?.live) {
        live = {};
        const protos = await cdp.send('Runtime.evaluate', { expression: 'globalThis.__benchPrototypes' });
        const { result: props } = await cdp.send('Runtime.getProperties', {
          objectId: protos.result.objectId,
          ownProperties: true,
        });
        for (const p of props) {
          if (!p.value?.objectId) continue;
          const { objects } = await cdp.send('Runtime.queryObjects', { prototypeObjectId: p.value.objectId });
          const { result } = await cdp.send('Runtime.callFunctionOn', {
            objectId: objects.objectId,
            functionDeclaration: 'function () { return this.length; }',
            returnByValue: true,
          });
          live[p.name] = result.value;
          await cdp.send('Runtime.releaseObject', { objectId: objects.objectId });
        }
      }
      return {
        heapUsed: heap.usedSize,
        scriptSeconds: metric('ScriptDuration'),
        taskSeconds: metric('TaskDuration'),
        live,
      };
    }
    return undefined;
  },
};

/**
 * Serves the bench's generated media (bench/node/media.ts) read-only at /bench-media/. Every response allows the JS
 * Self-Profiling API (Document-Policy: js-profiling), which bench/main-thread.ts uses in Chromium to see how long our
 * code runs at a stretch.
 */
function benchMedia(ctx, next) {
  ctx.set('Document-Policy', 'js-profiling');
  const dir = process.env.BENCH_MEDIA;
  if (!dir || !ctx.path.startsWith('/bench-media/')) return next();
  const file = normalize(join(dir, ctx.path.slice('/bench-media/'.length)));
  if (!file.startsWith(dir) || !existsSync(file)) return next();
  const types = {
    '.mpd': 'application/dash+xml',
    '.m3u8': 'application/vnd.apple.mpegurl',
    '.m4s': 'video/iso.segment',
  };
  ctx.type = types[extname(file)] ?? 'video/mp4';
  ctx.body = readFileSync(file);
  return undefined;
}

export default {
  rootDir: '.',
  files: process.env.BENCH_FILES ? process.env.BENCH_FILES.split(',') : DEFAULT_FILES,
  // Production builds of the dependencies (lit's dev mode adds checks and warnings a user's page does not run).
  nodeResolve: { exportConditions: ['production'] },
  concurrency: 1,
  concurrentBrowsers: 1,
  testsFinishTimeout: 20 * 60_000,
  browserStartTimeout: 60_000,
  testsStartTimeout: 60_000,
  testFramework: { config: { timeout: 10 * 60_000 } },
  browsers: requestedBrowsers().map((name) => createLauncher(name)),
  plugins: [workerUrlPlugin(), esbuildPlugin({ ts: true, target: 'es2022', tsconfig: './tsconfig.json' }), results],
  middleware: [licenseMiddleware(), benchMedia],
};
