/// <reference types="node" />
import { defineConfig } from 'vite';

// The classic-script build of the Clear Key polyfill: dist/clearkey-polyfill.iife.js defines the global
// `SecureVideoClearKey` ({ install(options), uninstall(), isInstalled() }) for pages that load their player with
// <script> tags. Runs after the library build (`npm run build`), so it must not empty dist/. Self-contained: the
// polyfill imports nothing outside src/.
export default defineConfig({
  build: {
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
