/// <reference types="node" />
// `npm run fixtures [-- --out DIR]`: writes the encrypted fixtures (see README.md) into test/fixtures (or DIR), each
// fixture folder replaced as a whole. Reads test/fixtures/clear and test/fixtures/keys.json, which it never changes.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildFixtureSet } from './build.js';

export const FIXTURES_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '../../test/fixtures');

export function writeFixtureSet(outDir: string, files: Map<string, Uint8Array>): void {
  const folders = new Set([...files.keys()].filter((f) => f.includes('/')).map((f) => f.split('/')[0]!));
  for (const folder of folders) {
    if (folder === 'clear') throw new Error('Refusing to overwrite the clear source');
    rmSync(join(outDir, folder), { recursive: true, force: true });
  }
  for (const [file, bytes] of files) {
    const path = join(outDir, file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, bytes);
  }
}

function main(argv: string[]): void {
  const outAt = argv.indexOf('--out');
  const outDir = outAt >= 0 && argv[outAt + 1] ? resolve(argv[outAt + 1]!) : FIXTURES_DIR;
  const set = buildFixtureSet(FIXTURES_DIR);
  writeFixtureSet(outDir, set.files);
  let bytes = 0;
  for (const b of set.files.values()) bytes += b.length;
  console.log(`Wrote ${set.files.size} files (${bytes} bytes) for ${set.index.length} fixtures to ${outDir}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main(process.argv.slice(2));
