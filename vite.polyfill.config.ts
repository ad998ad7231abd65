/// <reference types="node" />
import { defineConfig } from 'vite';

// The classic-script build of the Clear Key polyfill: dist/clearkey-polyfill.iife.js defines the global
// `SecureVideoClearKey` ({ install(options), uninstall(), isInstalled() }) for pages that load their player with
// <script> tags. Runs after the library build (`npm run build`), so it must not empty dist/. Self-contained: the
// polyfill imports nothing outside src/.
//
// The decrypt worker (src/cenc/decrypt-worker.ts) is a module file beside it, dist/assets/decrypt-worker-*.js, which a
// classic script can start too. A classic script has no import.meta.url: the worker's URL is resolved against the
// script's own URL, taken while the script runs (document.currentScript is null afterwards). Where that is unknown
// (the script was not loaded from a src), the URL is empty and the decrypt core runs on the main thread.
const SCRIPT_URL = '__secureVideoScriptUrl';

export default defineConfig({
  worker: { format: 'es' },
  experimental: {
    renderBuiltUrl: (filename) => ({
      runtime: `(${SCRIPT_URL} ? new URL(${JSON.stringify(filename)}, ${SCRIPT_URL}).href : '')`,
    }),
  },
  build: {
    rollupOptions: {
      output: {
        intro: `var ${SCRIPT_URL} = typeof document !== 'undefined' && document.currentScript instanceof HTMLScriptElement ? document.currentScript.src : '';`,
      },
    },
    outDir: 'dist',
    emptyOutDir: false,
    sourcemap: true,
    target: 'es2022',
    minify: false,
    lib: {
      entry: 'src/polyfill/global.ts',
      name: 'SecureVideoClearKey',
      formats: ['iife'],
      fileName: () => 'clearkey-polyfill.iife.js',
    },
  },
});
