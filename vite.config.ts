/// <reference types="node" />
import { defineConfig } from 'vite';
import type { Plugin } from 'vite';
import { createLicenseServer } from './demo/server/license-server.js';

/**
 * Mounts the demo's Clear Key license server (demo/server) at /license in the dev and preview servers,
 * and sends `/` to the demo page.
 */
function demoServer(): Plugin {
  const license = createLicenseServer();
  return {
    name: 'secure-video-demo-server',
    configureServer(server) {
      server.middlewares.use(license);
      server.middlewares.use((req, res, next) => {
        if (req.url === '/' || req.url === '/index.html') {
          res.statusCode = 302;
          res.setHeader('Location', '/demo/');
          res.end();
        } else next();
      });
    },
    configurePreviewServer(server) {
      server.middlewares.use(license);
    },
  };
}

// `npm run build` builds the library: one ES module per entry point, code shared between entries in
// chunks, source maps; lit and shaka-player stay imports (they are dependencies), so shaka is still
// fetched only when a manifest is played. Type declarations come from tsc (tsconfig.build.json).
// `npm start` serves the repository root with the demo at /demo/ and the fixtures at /test/fixtures/,
// the same URLs the tests use.
export default defineConfig({
  plugins: [demoServer()],
  server: { host: 'localhost', port: 5173, open: false },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
    minify: false,
    lib: {
      entry: {
        index: 'src/index.ts',
        define: 'src/define.ts',
        'cdm/index': 'src/cdm/index.ts',
      },
      formats: ['es'],
    },
    rollupOptions: {
      external: [/^lit($|\/)/, /^@lit\//, /^shaka-player($|\/)/],
      output: { chunkFileNames: 'chunks/[name]-[hash].js' },
    },
  },
});
