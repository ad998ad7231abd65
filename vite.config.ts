/// <reference types="node" />
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import type { Plugin, UserConfig } from 'vite';
import { createLicenseServer } from './demo/server/license-server.js';
import { CSP_PAGE_PREFIX, STRICT_CSP, cspForQuery } from './demo/csp/policy.js';

const root = dirname(fileURLToPath(import.meta.url));

/** Sends `/` to the demo page. */
function redirectToDemo(req: IncomingMessage, res: ServerResponse, next: () => void): void {
  if (req.url === '/' || req.url === '/index.html') {
    res.statusCode = 302;
    res.setHeader('Location', '/demo/');
    res.end();
  } else next();
}

const RAW_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json',
};

/**
 * Serves the plain-HTML example and the built package (dist/) as files, untransformed: that example's point is that
 * no build tool stands between the page and the browser (it loads the one-file bundle, dist/secure-video.js).
 */
function serveRaw(req: IncomingMessage, res: ServerResponse, next: () => void): void {
  const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname);
  const raw = path.startsWith('/demo/examples/plain/') || path.startsWith('/dist/');
  const file = join(root, path.endsWith('/') ? `${path}index.html` : path);
  const type = RAW_TYPES[file.slice(file.lastIndexOf('.'))];
  if (!raw || !type || !file.startsWith(root) || !existsSync(file)) return next();
  res.setHeader('Content-Type', type);
  res.setHeader('Cache-Control', 'no-cache');
  res.end(readFileSync(file));
}

/**
 * The demo gallery's pages. The examples are left out: each framework example is its own app, and the plain-HTML
 * one carries its own meta policy.
 */
const GALLERY_PAGES = new Set(['/demo/', '/demo/index.html']);

/**
 * Serves the CSP demo page (demo/csp/) and the demo gallery with the strict Content-Security-Policy, as a site would.
 * In dev too: both pages link their CSS from the HTML and import none from JS, so Vite injects no <style> element, and
 * its client (/@vite/client) is an external module.
 */
function cspHeader(req: IncomingMessage, res: ServerResponse, next: () => void): void {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname.startsWith(CSP_PAGE_PREFIX)) res.setHeader('Content-Security-Policy', cspForQuery(url.searchParams));
  else if (GALLERY_PAGES.has(url.pathname)) res.setHeader('Content-Security-Policy', STRICT_CSP);
  next();
}

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
      server.middlewares.use(redirectToDemo);
      server.middlewares.use(cspHeader);
      server.middlewares.use(serveRaw);
    },
    configurePreviewServer(server) {
      server.middlewares.use(license);
      server.middlewares.use(redirectToDemo);
      server.middlewares.use(cspHeader);
    },
  };
}

/** Files the built demo fetches at run time, copied as they are into the demo's outDir. */
const DEMO_STATIC = [
  'test/fixtures/index.json',
  'test/fixtures/keys.json',
  ...['clear', 'cenc', 'cbcs', 'cens', 'cbc1', 'cenc-no-pssh', 'cenc-iv16', 'clear-lead', 'key-rotation'].map(
    (name) => `test/fixtures/${name}`,
  ),
  // The plain-HTML example: the page and the built package (its one-file bundle needs nothing else).
  'demo/examples/plain',
  'demo/examples/examples.css',
  'dist',
];

function copyDemoStatic(outDir: string): Plugin {
  return {
    name: 'secure-video-demo-static',
    apply: 'build',
    closeBundle() {
      if (!existsSync(join(root, 'dist/secure-video.js'))) {
        throw new Error('build:demo needs the built package in dist/ (npm run build) for the plain-HTML example');
      }
      for (const path of DEMO_STATIC) cpSync(join(root, path), join(root, outDir, path), { recursive: true });
    },
  };
}

// The pages Vite builds (and pre-bundles dependencies for in dev); the plain-HTML example is left out (it loads the built bundle).
const DEMO_PAGES = [
  'demo/index.html',
  'demo/examples/react/index.html',
  'demo/examples/vue/index.html',
  'demo/csp/index.html',
];

// Vue's bundler build reads these compile-time flags; defined so it neither warns nor keeps devtools hooks.
const VUE_FLAGS = {
  __VUE_OPTIONS_API__: 'true',
  __VUE_PROD_DEVTOOLS__: 'false',
  __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
};

// The decrypt worker (src/cenc/decrypt-worker.ts, imported as "?worker&url"): one ES module file with everything it
// imports, started as a module Worker (src/cenc/thread.ts) from a URL relative to the importing file, so it is
// fetched from wherever the package is served, and only when a protected media segment is first decrypted.
// `base: './'` makes that URL relative to the importing file (`new URL('...', import.meta.url)`) rather than to the
// site's root.
export const WORKER: UserConfig['worker'] = { format: 'es' };

// `npm run build` builds the library: one ES module per entry point, code shared between entries in
// chunks, source maps; lit and shaka-player stay imports (they are dependencies), so shaka is still
// fetched only when a manifest is played. Type declarations come from tsc (tsconfig.build.json).
// `npm start` serves the repository root with the demo at /demo/ and the fixtures at /test/fixtures/,
// the same URLs the tests use.
const library: UserConfig = {
  plugins: [demoServer()],
  worker: WORKER,
  base: './',
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
        'polyfill/index': 'src/polyfill/index.ts',
      },
      formats: ['es'],
    },
    rollupOptions: {
      external: [/^lit($|\/)/, /^@lit\//, /^shaka-player($|\/)/],
      output: { chunkFileNames: 'chunks/[name]-[hash].js' },
    },
  },
};

// `npm run build` also writes the one-file bundle (`--mode bundle`): dist/secure-video.js, a self-contained ES module
// (lit inside) that registers <secure-video>, for a page with no bundler and no import map:
// `<script type="module" src=".../secure-video.js"></script>` and the tag. shaka-player stays a chunk of its own
// (dist/secure-video/), imported by a relative URL on the first `src`: it comes from wherever the bundle came from,
// any static server or CDN path. Minified, with source maps. Runs after the library build, so it keeps dist/.
const BUNDLE_CHUNKS = 'secure-video';
const bundle: UserConfig = {
  worker: WORKER,
  base: './',
  build: {
    // The decrypt worker goes beside shaka's chunk.
    assetsDir: BUNDLE_CHUNKS,
    outDir: 'dist',
    emptyOutDir: false,
    sourcemap: true,
    target: 'es2022',
    minify: true,
    // shaka-player's compiled build is one ~700 kB chunk, loaded on the first src: expected, not a warning.
    chunkSizeWarningLimit: 800,
    // Not lib mode, whose ES output keeps its whitespace: an entry with its exports kept, fully minified.
    modulePreload: false,
    rollupOptions: {
      input: { 'secure-video': 'src/define.ts' },
      preserveEntrySignatures: 'exports-only',
      output: { format: 'es', entryFileNames: '[name].js', chunkFileNames: `${BUNDLE_CHUNKS}/[name]-[hash].js` },
    },
  },
};

// `npm run build:demo` (`--mode demo`) builds the demo pages into dist-demo/ at the same URLs as `npm start`
// (/demo/, /demo/examples/...), with the fixtures they play; `npm run preview` serves it with the license server.
const DEMO_OUT = 'dist-demo';
const demo: UserConfig = {
  plugins: [demoServer(), copyDemoStatic(DEMO_OUT)],
  worker: WORKER,
  define: VUE_FLAGS,
  preview: { host: 'localhost', port: 4173 },
  build: {
    outDir: DEMO_OUT,
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
    // shaka-player is one ~700 kB chunk, loaded on the first play: expected, not a warning.
    chunkSizeWarningLimit: 800,
    rollupOptions: {
      input: DEMO_PAGES,
    },
  },
};

export default defineConfig(({ mode, command }) =>
  mode === 'demo'
    ? demo
    : mode === 'bundle'
      ? bundle
      : command === 'serve'
        ? { ...library, define: VUE_FLAGS, optimizeDeps: { entries: DEMO_PAGES } }
        : library,
);
