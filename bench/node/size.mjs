// Bundle size (issue 10 item 5): gzip bytes (level 9) of what a page downloads, bundled and minified the way an
// application's bundler would (esbuild, ES2022, code splitting so that shaka-player's lazy import becomes a chunk of
// its own). Writes bench/results/size.json; `npm run bench` calls measureSize().
//   elementWithoutShaka   src/define.ts with everything it loads up front (element, EME controller, bundled CDM,
//                         decrypt core's main-thread part, lit): the entry and its static imports; the lazily
//                         imported chunks (shaka, the decrypt core's main-thread fallback) left out
//   elementOwnCode        the same with lit left external: our code alone (the 35 KB target)
//   decryptWorker         the decrypt worker (src/cenc/decrypt-worker.ts), its own file, fetched on the first protected
//                         media segment
//   mainThreadFallback    the chunks the element imports only where the worker cannot run (src/cenc/main-thread.ts)
//   cdm                   secure-video/cdm (src/cdm/index.ts) on its own
//   polyfillIife          dist/clearkey-polyfill.iife.js as `npm run build` ships it (unminified), built afresh here
//   polyfillIifeMinified  the same entry minified
//   shakaChunk            the chunk the element's lazy shaka import becomes
//   shakaCompiled         shaka-player's own build (dist/shaka-player.compiled-es2021.js, the one we load), as shipped
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const TARGET_GZIP = 35 * 1024;

const gz = (bytes) => gzipSync(bytes, { level: 9 }).length;

async function bundle(entry, { external = [], format = 'esm', minify = true } = {}) {
  const result = await build({
    entryPoints: [join(root, entry)],
    bundle: true,
    write: false,
    minify,
    format,
    splitting: format === 'esm',
    outdir: '/out',
    target: 'es2022',
    external,
    metafile: true,
    logLevel: 'error',
    define: { 'process.env.NODE_ENV': '"production"' },
    conditions: ['production'],
    plugins: [workerUrl],
  });
  return result.outputFiles.map((f) => {
    // Metafile output keys are relative to the working directory; the file name is unique within one build.
    const name = f.path.slice(f.path.lastIndexOf('/'));
    const key = Object.keys(result.metafile.outputs).find((k) => k.endsWith(name));
    const meta = key ? result.metafile.outputs[key] : {};
    const inputs = Object.keys(meta.inputs ?? {});
    const imports = (meta.imports ?? []).filter((i) => i.kind === 'import-statement').map((i) => i.path);
    return {
      path: f.path,
      key,
      bytes: f.contents.length,
      gzip: gz(f.contents),
      inputs,
      imports,
      entry: meta.entryPoint === entry,
    };
  });
}

/** Vite's "?worker&url" import (src/cenc/thread.ts) as esbuild sees it: a URL string; the worker is measured apart. */
const workerUrl = {
  name: 'worker-url',
  setup(b) {
    b.onResolve({ filter: /\?worker&url$/ }, (args) => ({ path: args.path, namespace: 'worker-url' }));
    b.onLoad({ filter: /.*/, namespace: 'worker-url' }, () => ({ contents: 'export default "./decrypt-worker.js";' }));
  },
};

/** The entry's output file and every file it imports statically: what a page loads up front. */
function upFront(files) {
  const byKey = new Map(files.map((f) => [f.key, f]));
  const seen = new Set();
  const queue = files.filter((f) => f.entry);
  while (queue.length) {
    const f = queue.shift();
    if (!f || seen.has(f)) continue;
    seen.add(f);
    for (const path of f.imports) queue.push(byKey.get(path));
  }
  return [...seen];
}

const sum = (files) => ({
  bytes: files.reduce((n, f) => n + f.bytes, 0),
  gzip: files.reduce((n, f) => n + f.gzip, 0),
});
const isShaka = (f) => f.inputs.some((i) => i.includes('node_modules/shaka-player/'));

export async function measureSize() {
  const element = await bundle('src/define.ts');
  const own = await bundle('src/define.ts', { external: ['lit', 'lit/*', '@lit/*', 'shaka-player', 'shaka-player/*'] });
  const cdm = await bundle('src/cdm/index.ts');
  const worker = await bundle('src/cenc/decrypt-worker.ts');
  const polyMin = await bundle('src/polyfill/global.ts', { format: 'iife' });
  // The shipped IIFE, built by the project's own Vite config into a temporary folder (dist/ is left alone).
  const out = mkdtempSync(join(tmpdir(), 'sv-size-'));
  let polyfillIife;
  try {
    execFileSync(
      process.execPath,
      [
        join(root, 'node_modules/vite/bin/vite.js'),
        'build',
        '-c',
        'vite.polyfill.config.ts',
        '--outDir',
        out,
        '--logLevel',
        'error',
      ],
      { cwd: root, stdio: 'inherit' },
    );
    const bytes = readFileSync(join(out, 'clearkey-polyfill.iife.js'));
    polyfillIife = { bytes: bytes.length, gzip: gz(bytes) };
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
  const shaka = readFileSync(join(root, 'node_modules/shaka-player/dist/shaka-player.compiled-es2021.js'));
  const shakaVersion = JSON.parse(readFileSync(join(root, 'node_modules/shaka-player/package.json'), 'utf8')).version;
  const result = {
    elementWithoutShaka: sum(upFront(element)),
    elementOwnCode: sum(upFront(own)),
    decryptWorker: sum(worker),
    mainThreadFallback: sum(element.filter((f) => !isShaka(f) && !upFront(element).includes(f))),
    cdm: sum(cdm),
    polyfillIife,
    polyfillIifeMinified: sum(polyMin),
    shakaChunk: sum(element.filter(isShaka)),
    shakaCompiled: { bytes: shaka.length, gzip: gz(shaka), version: shakaVersion },
    targetGzip: TARGET_GZIP,
    targetMet: sum(upFront(own)).gzip <= TARGET_GZIP,
    method: 'esbuild bundle, minified, ES2022, gzip -9; bytes are uncompressed sizes',
  };
  writeFileSync(join(root, 'bench/results/size.json'), JSON.stringify(result, null, 2) + '\n');
  return result;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  console.log(JSON.stringify(await measureSize(), null, 2));
}
