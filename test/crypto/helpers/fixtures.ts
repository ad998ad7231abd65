// Loads the packager's encrypted fixtures (test/fixtures/index.json) and their TEST keys, and decrypts them with
// the decrypt core, for the cross-checks of issue 3 item 4 (c) and (d).
import { fromHex, toHex } from '../../../src/mp4/bytes.js';
import type { KeyLookup } from '../../../src/crypto/keys.js';

export interface FixtureSegment {
  file: string;
  clear: string;
  kid: string | null;
  duration: number;
}

export interface FixtureTrack {
  id: string;
  kind: 'video' | 'audio';
  mimeType: string;
  codecs: string;
  init: string;
  clearInit: string;
  timescale: number;
  segments: FixtureSegment[];
}

export interface Fixture {
  name: string;
  scheme: string;
  path: string;
  tracks: FixtureTrack[];
}

export interface FixtureIndex {
  clearPath: string;
  fixtures: Fixture[];
}

export async function fetchBytes(path: string): Promise<Uint8Array> {
  const res = await fetch(new URL(path, location.origin));
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

export async function loadIndex(): Promise<FixtureIndex> {
  const res = await fetch(new URL('/test/fixtures/index.json', location.origin));
  return (await res.json()) as FixtureIndex;
}

export async function loadKeys(): Promise<KeyLookup> {
  const res = await fetch(new URL('/test/fixtures/keys.json', location.origin));
  const { keys } = (await res.json()) as { keys: Record<string, string> };
  return (kid) => {
    const hex = keys[toHex(kid)];
    return hex ? fromHex(hex) : undefined;
  };
}
