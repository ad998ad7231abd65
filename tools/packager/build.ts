/// <reference types="node" />
// Builds the whole fixture set in memory: every fixture's files, the identity key files HLS points at, and index.json.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fromHex } from '../../src/mp4/bytes.js';
import {
  buildFixture,
  FIXTURES,
  VARIANT_FIXTURES,
  type FixtureSpec,
  type IndexFixture,
  type KeysFile,
} from './fixtures.js';
import { buildFormatFixtures, type FormatFixture } from './formats.js';
import { readSource } from './source.js';

export interface FixtureSet {
  /** Paths relative to the fixtures folder (e.g. 'cenc/init-0.mp4') to their bytes. */
  files: Map<string, Uint8Array>;
  index: IndexFixture[];
  /** The fixtures of VARIANT_FIXTURES (index.json's `variantFixtures`). */
  variantIndex: IndexFixture[];
  /** The fixtures of formats.ts (index.json's `formatFixtures`). */
  formatIndex: FormatFixture[];
}

export function readKeys(fixturesDir: string): KeysFile {
  return JSON.parse(readFileSync(join(fixturesDir, 'keys.json'), 'utf8')) as KeysFile;
}

/** Everything `npm run fixtures` writes under `fixturesDir`, built from `fixturesDir`/clear and keys.json. */
export function buildFixtureSet(fixturesDir: string): FixtureSet {
  const keys = readKeys(fixturesDir);
  const source = readSource(join(fixturesDir, 'clear'));
  const files = new Map<string, Uint8Array>();
  const build = (specs: readonly FixtureSpec[]): IndexFixture[] =>
    specs.map((spec) => {
      const built = buildFixture(spec, source, keys);
      for (const [file, bytes] of built.files) files.set(`${spec.name}/${file}`, bytes);
      return built.index;
    });
  const index = build(FIXTURES);
  const variantIndex = build(VARIANT_FIXTURES);
  const formatIndex = buildFormatFixtures(source, keys).map((built) => {
    for (const [file, bytes] of built.files) files.set(`${built.index.name}/${file}`, bytes);
    return built.index;
  });
  // Raw keys for HLS KEYFORMAT="identity" URIs (see hls.ts). TEST keys only, as in keys.json.
  for (const [kid, key] of Object.entries(keys.keys)) files.set(`keys/${kid}.key`, fromHex(key));
  const doc = {
    comment:
      'Encrypted fixtures made by `npm run fixtures` (tools/packager) from test/fixtures/clear with the TEST keys in ' +
      'keys.json. Paths in a fixture entry are relative to its `path`; each segment names the clear segment it ' +
      'encrypts (in /test/fixtures/clear/) and the KID of its samples (null: left clear). KIDs are lowercase hex.',
    clearPath: '/test/fixtures/clear/',
    licenseUrl: '/license',
    fixtures: index,
    // Fixtures with more than one video track (see VARIANT_FIXTURES): apart, so loops over `fixtures` stay as they are.
    variantFixtures: variantIndex,
    // Layouts of other packagers (see formats.ts): their own shape (muxed tracks, single files), apart again.
    formatFixtures: formatIndex,
  };
  files.set('index.json', new TextEncoder().encode(JSON.stringify(doc, null, 2) + '\n'));
  return { files, index, variantIndex, formatIndex };
}
