/// <reference types="node" />
// The 1080p-like stream the main-thread bench plays: made at bench time, never committed (tens of MB). ffmpeg encodes
// 40 s of 1920x1080 test pattern (H.264, x264 ultrafast, ~6 Mbit/s, 2 s segments) and AAC as clear CMAF, the way
// tools/fixtures/make-clear.sh makes the small clear fixture; the fixture packager (tools/packager) then encrypts it
// as its 'cenc' fixture, with the TEST keys the license server knows. A 720p one (~3 Mbit/s) is made beside it. The
// result is cached in the temp folder: a later run with the same recipe reuses it.
//
// `tsx bench/node/media.ts` prints the folder; bench/run.mjs serves it at /bench-media/.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readKeys } from '../../tools/packager/build.js';
import { buildFixture, FIXTURES } from '../../tools/packager/fixtures.js';
import { FIXTURES_DIR } from '../../tools/packager/main.js';
import { readSource } from '../../tools/packager/source.js';

const SECONDS = 40;

/** The streams made: 1080p for the bench, 720p for browsers that refuse the 1080p one (see bench/main-thread.ts). */
export const STREAMS = { '1080p': { size: '1920x1080', bitrate: '6M' }, '720p': { size: '1280x720', bitrate: '3M' } };

const ffmpegArgs = (size: string, bitrate: string): string[] => [
  '-hide_banner',
  '-loglevel',
  'error',
  '-nostdin',
  '-f',
  'lavfi',
  '-i',
  `testsrc2=size=${size}:rate=25:duration=${SECONDS}`,
  '-f',
  'lavfi',
  '-i',
  `sine=frequency=1000:sample_rate=48000:duration=${SECONDS}`,
  '-map',
  '0:v',
  '-map',
  '1:a',
  '-c:v',
  'libx264',
  '-profile:v',
  'high',
  '-pix_fmt',
  'yuv420p',
  '-preset',
  'ultrafast',
  '-b:v',
  bitrate,
  '-maxrate',
  bitrate,
  '-bufsize',
  bitrate,
  '-g',
  '50',
  '-keyint_min',
  '50',
  '-sc_threshold',
  '0',
  '-x264-params',
  'nal-hrd=none:force-cfr=1',
  '-c:a',
  'aac',
  '-b:a',
  '128k',
  '-ac',
  '2',
  '-ar',
  '48000',
  '-fflags',
  '+bitexact',
  '-map_metadata',
  '-1',
  '-f',
  'dash',
  '-seg_duration',
  '2',
  '-use_template',
  '1',
  '-use_timeline',
  '0',
  '-init_seg_name',
  'init-$RepresentationID$.mp4',
  '-media_seg_name',
  'seg-$RepresentationID$-$Number$.m4s',
  '-adaptation_sets',
  'id=0,streams=v id=1,streams=a',
];

/** Makes (or reuses) one encrypted stream under `root`; returns its manifest's path relative to `root`. */
function makeStream(root: string, label: string, size: string, bitrate: string): string {
  const args = ffmpegArgs(size, bitrate);
  const recipe = createHash('sha256')
    .update(JSON.stringify(args))
    .update(readFileSync(join(FIXTURES_DIR, 'keys.json')))
    .digest('hex')
    .slice(0, 12);
  const name = `${label}-${recipe}`;
  const dir = join(root, name);
  if (existsSync(join(dir, 'cenc', 'manifest.mpd'))) return `${name}/cenc/manifest.mpd`;
  rmSync(dir, { recursive: true, force: true });
  const clear = join(dir, 'clear');
  mkdirSync(clear, { recursive: true });
  console.error(`bench media: encoding ${SECONDS} s of ${size} with ffmpeg into ${dir} ...`);
  execFileSync('ffmpeg', [...args, join(clear, 'manifest.mpd')], { stdio: 'inherit' });
  const spec = FIXTURES.find((f) => f.name === 'cenc')!;
  const built = buildFixture(spec, readSource(clear), readKeys(FIXTURES_DIR));
  // The manifest comes last: its presence marks a complete folder.
  const files = [...built.files].sort(([a], [b]) => Number(a === 'manifest.mpd') - Number(b === 'manifest.mpd'));
  for (const [file, bytes] of files) {
    const path = join(dir, 'cenc', file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, bytes);
  }
  return `${name}/cenc/manifest.mpd`;
}

/**
 * Makes (or reuses) every stream of STREAMS in one folder with a streams.json naming each one's manifest
 * ({"1080p": "1080p-<recipe>/cenc/manifest.mpd", ...}); returns the folder.
 */
export function benchMedia(): string {
  const root = join(tmpdir(), 'secure-video-bench-media');
  const index: Record<string, string> = {};
  for (const [label, { size, bitrate }] of Object.entries(STREAMS))
    index[label] = makeStream(root, label, size, bitrate);
  writeFileSync(join(root, 'streams.json'), JSON.stringify(index));
  return root;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) console.log(benchMedia());
