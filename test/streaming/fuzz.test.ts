// Hostile input for manifest-derived init data (issue 9 item 2): DASH MPDs and HLS playlists, the fixtures' own and
// damaged copies of them (characters cut, flipped, inserted; lines dropped, duplicated and swapped), and generated
// key tags. A manifest the parsers cannot read announces nothing; they never throw, every pssh they return came out
// of the text (so it is shorter than it), every KID is 16 bytes, and every scheme is one of the four CENC schemes.
import { expect } from '@open-wc/testing';
import fc from 'fast-check';
import { hlsInitSegments, manifestInitData, type ManifestInitData } from '../../src/streaming/manifest-init-data.js';
import { fuzz } from '../helpers/fuzz.js';

const SCHEMES = ['cenc', 'cbcs', 'cens', 'cbc1'];

async function text(path: string): Promise<string> {
  return (await fetch(path)).text();
}

function check(found: ManifestInitData, text: string): void {
  for (const p of found.pssh) expect(p.length).to.be.at.most(text.length);
  for (const kid of found.kids) expect(kid.length).to.equal(16);
  if (found.scheme !== undefined) expect(SCHEMES).to.include(found.scheme);
  expect(found.kids.length * 32).to.be.at.most(text.length);
}

type Edit =
  | { kind: 'cut'; at: number; length: number }
  | { kind: 'char'; at: number; char: string }
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'line'; op: 'drop' | 'dup' | 'swap'; at: number; with: number };

const SNIPPETS = [
  '<',
  '>',
  '"',
  '&',
  '&amp;',
  '<!--',
  ']]>',
  '<!DOCTYPE x [<!ENTITY a "b">]>',
  'cenc:',
  '=',
  ',',
  '\n',
  'data:text/plain;base64,',
  '#EXT-X-KEY:',
  '#EXT-X-MAP:URI="',
  'URI="',
  'KEYID=0x',
  '\u0000',
  '\uffff',
  '%',
];

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('char' as const), at: fc.nat(), char: fc.string({ minLength: 1, maxLength: 1 }) }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: fc.nat(),
    text: fc.oneof(fc.constantFrom(...SNIPPETS), fc.string({ maxLength: 12 })),
  }),
  fc.record({
    kind: fc.constant('line' as const),
    op: fc.constantFrom('drop' as const, 'dup' as const, 'swap' as const),
    at: fc.nat(),
    with: fc.nat(),
  }),
);

function applyEdits(input: string, edits: readonly Edit[]): string {
  let s = input;
  for (const e of edits) {
    if (s.length === 0) break;
    const at = e.kind === 'line' ? 0 : e.at % s.length;
    switch (e.kind) {
      case 'cut':
        s = s.slice(0, at) + s.slice(at + e.length);
        break;
      case 'char':
        s = s.slice(0, at) + e.char + s.slice(at + 1);
        break;
      case 'insert':
        s = s.slice(0, at) + e.text + s.slice(at);
        break;
      case 'line': {
        const lines = s.split('\n');
        const i = e.at % lines.length;
        const j = e.with % lines.length;
        if (e.op === 'drop') lines.splice(i, 1);
        else if (e.op === 'dup') lines.splice(i, 0, lines[i]!);
        else [lines[i], lines[j]] = [lines[j]!, lines[i]!];
        s = lines.join('\n');
        break;
      }
    }
  }
  return s;
}

const edits = fc.array(edit, { minLength: 1, maxLength: 4 });

describe('manifest init data under generated and mutated manifests (fast-check)', () => {
  let manifests: string[] = [];
  let playlists: { text: string; uri: string }[] = [];

  before(async () => {
    const names = ['cenc', 'cbcs', 'cens', 'cbc1', 'cenc-no-pssh', 'key-rotation'];
    manifests = await Promise.all(
      names.flatMap((n) => [text(`/test/fixtures/${n}/manifest.mpd`), text(`/test/fixtures/${n}/media-0.m3u8`)]),
    );
    playlists = await Promise.all(
      names.map(async (n) => ({
        uri: `${location.origin}/test/fixtures/${n}/media-1.m3u8`,
        text: await text(`/test/fixtures/${n}/media-1.m3u8`),
      })),
    );
  });

  it('manifestInitData on damaged fixture manifests and arbitrary text', async function () {
    const input = fc.oneof(
      fc.tuple(fc.nat(), edits).map(([which, e]) => applyEdits(manifests[which % manifests.length]!, e)),
      fc.string({ maxLength: 200 }),
      fc.string({ maxLength: 200 }).map((s) => `#EXTM3U\n${s}`),
    );
    let announced = 0;
    await fuzz(
      this,
      fc.property(input, (t) => {
        const found = manifestInitData(t);
        check(found, t);
        if (found.pssh.length || found.kids.length) announced++;
      }),
      400,
    );
    expect(announced, 'cases that announced init data').to.be.greaterThan(0);
  });

  it('generated HLS key tags', async function () {
    const attr = fc.oneof(
      fc.constantFrom(
        'METHOD=SAMPLE-AES-CTR',
        'METHOD=SAMPLE-AES',
        'METHOD=NONE',
        'METHOD=AES-128',
        'KEYFORMAT="urn:uuid:1077efec-c0b2-4d02-ace3-3c1e52e2fb4b"',
        'KEYID=0xa0a1a2a3a4a5a6a7a8a9aaabacadaeaf',
      ),
      fc.uint8Array({ maxLength: 60 }).map((b) => `URI="data:text/plain;base64,${btoa(String.fromCharCode(...b))}"`),
      fc.string({ maxLength: 30 }).map((s) => `URI="data:;base64,${s}"`),
      fc.string({ maxLength: 30 }).map((s) => `KEYID=${s}`),
      fc.string({ maxLength: 20 }),
    );
    const tag = fc
      .tuple(fc.constantFrom('#EXT-X-KEY:', '#EXT-X-SESSION-KEY:'), fc.array(attr, { maxLength: 5 }))
      .map(([name, attrs]) => name + attrs.join(','));
    await fuzz(
      this,
      fc.property(fc.array(tag, { maxLength: 4 }), (tags) => {
        const t = ['#EXTM3U', ...tags].join('\n');
        check(manifestInitData(t), t);
      }),
      400,
    );
  });

  it('long hostile lines parse in one pass: a 300000-character key tag and EXT-X-MAP', () => {
    // A regular expression used to backtrack on these (quadratic: about a minute). Finishing within mocha's timeout
    // is the property; what the lines still hold must come out.
    const junk = 'A'.repeat(300_000);
    const key = `#EXT-X-KEY:${junk},METHOD=SAMPLE-AES-CTR,KEYID=0xa0a1a2a3a4a5a6a7a8a9aaabacadaeaf,${junk}`;
    const found = manifestInitData(`#EXTM3U\n${key}\n#EXT-X-SESSION-KEY:${junk}`);
    expect(found.scheme).to.equal('cenc');
    expect(found.kids.length).to.equal(1);
    const playlist = `${location.origin}/p.m3u8`;
    const map = hlsInitSegments(`#EXTM3U\n#EXT-X-MAP:${junk},URI="init.mp4"\nseg.m4s\n`, playlist);
    expect([...map]).to.deep.equal([[`${location.origin}/seg.m4s`, `${location.origin}/init.mp4`]]);
  });

  it('hlsInitSegments on damaged playlists: every entry comes from a line of the playlist', async function () {
    const input = fc.oneof(
      fc.tuple(fc.nat(), edits).map(([which, e]) => {
        const p = playlists[which % playlists.length]!;
        return { text: applyEdits(p.text, e), uri: p.uri };
      }),
      fc
        .tuple(fc.string({ maxLength: 100 }), fc.string({ maxLength: 20 }))
        .map(([s, uri]) => ({ text: `#EXTM3U\n#EXT-X-MAP:URI="${uri}"\n${s}`, uri })),
    );
    await fuzz(
      this,
      fc.property(input, ({ text: t, uri }) => {
        const map = hlsInitSegments(t, uri);
        expect(map.size).to.be.at.most(t.split('\n').length);
      }),
      400,
    );
  });
});
