/** The encrypted fixtures (test/fixtures/index.json, written by tools/packager) and their TEST keys. */
export interface FixtureTrack {
  kind: 'video' | 'audio';
  kids: string[];
}
export interface Fixture {
  name: string;
  scheme: 'cenc' | 'cbcs' | 'cens' | 'cbc1';
  path: string;
  dash: string;
  hls: string;
  pssh: boolean;
  clearLead: boolean;
  keyRotation: boolean;
  tracks: FixtureTrack[];
}

let index: Promise<{ fixtures: Fixture[] }> | undefined;
let keys: Promise<{ keys: Record<string, string>; names: Record<string, string> }> | undefined;

export async function fixtures(): Promise<Fixture[]> {
  index ??= fetch('/test/fixtures/index.json').then((r) => r.json());
  return (await index).fixtures;
}

/** KID hex -> key hex of the TEST keys. */
export async function testKeys(): Promise<Record<string, string>> {
  keys ??= fetch('/test/fixtures/keys.json').then((r) => r.json());
  return (await keys).keys;
}
