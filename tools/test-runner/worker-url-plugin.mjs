// Vite's "?worker&url" import (src/cenc/thread.ts) in the test runner: Vite answers it with the URL of the bundled
// worker; here the worker is the source module itself, served (and compiled from TypeScript) like any other, so the
// import answers with the source file's URL. Tests then start the same worker code that the build bundles.
const QUERY = '?worker&url';
const MARK = 'worker-url';

export function workerUrlPlugin() {
  return {
    name: 'secure-video-worker-url',
    resolveImport({ source }) {
      if (source.endsWith(QUERY)) return `${source.slice(0, -QUERY.length)}?${MARK}`;
      return undefined;
    },
    serve(context) {
      if (!context.URL.searchParams.has(MARK)) return undefined;
      return { body: `export default new URL(${JSON.stringify(context.path)}, import.meta.url).href;\n`, type: 'js' };
    },
  };
}
