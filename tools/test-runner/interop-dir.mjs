// Where the interop corpus is: INTEROP_DIR, else ../shared/interop beside the project root.
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

export function interopDir(env = process.env) {
  return resolve(root, env.INTEROP_DIR || '../shared/interop');
}
