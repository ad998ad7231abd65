/// <reference types="node" />
// `npm run fixtures:check`: independent checks of the committed fixtures, for CI (needs ffmpeg 5.1 on PATH).
//  1. Reproducible: the packager, run again into a temporary folder, writes files byte-identical to the committed ones.
//  2. Same bytes as ffmpeg: with ffmpeg's IV sequence (8-byte IVs 0, 1, 2, ...) and its subsample layout, the
//     packager's cenc samples, IVs and subsample maps equal those of ffmpeg's own non-fragmented bitexact cenc output
//     for the same clear samples and key.
//  3. Decryptable by ffmpeg: every encrypted segment of every fixture (all four schemes) decrypted by ffmpeg gives back
//     the clear source's samples; segments left clear hold the clear samples unchanged.
// Prints what it compared; exits non-zero on any mismatch.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { bytesEqual, fromHex, toHex } from '../../src/mp4/bytes.js';
import { buildFixtureSet, readKeys } from './build.js';
import { encryptSample, IvSequence } from './cipher.js';
import { ffmpeg, ffmpegVersion, readFfmpegCenc } from './ffmpeg.js';
import { FIXTURES_DIR, writeFixtureSet } from './main.js';
import { parseSegment } from './mp4-read.js';
import { readSource, type SourceTrack } from './source.js';
import { avcSubsamples, type Subsample } from './subsamples.js';

const failures: string[] = [];
function fail(message: string): void {
  failures.push(message);
  console.log(`  ✖ ${message}`);
}

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? listFiles(path) : [path];
  });
}

function samplesOf(segment: Uint8Array): Uint8Array[] {
  return parseSegment(segment).samples.map((s) => segment.subarray(s.offset, s.offset + s.size));
}

function checkReproducible(tmp: string): void {
  console.log('1. Reproducibility: regenerating every fixture into a temporary folder');
  const out = join(tmp, 'regenerated');
  const set = buildFixtureSet(FIXTURES_DIR);
  writeFixtureSet(out, set.files);
  let compared = 0;
  for (const path of listFiles(out)) {
    const rel = relative(out, path);
    let committed: Uint8Array;
    try {
      committed = readFileSync(join(FIXTURES_DIR, rel));
    } catch {
      fail(`${rel} is generated but not in test/fixtures (run npm run fixtures)`);
      continue;
    }
    if (!bytesEqual(new Uint8Array(readFileSync(path)), committed)) fail(`${rel} differs from the committed file`);
    compared++;
  }
  const owned = new Set([...set.files.keys()].map((f) => f.split('/')[0]!).filter((f) => !f.includes('.')));
  for (const folder of owned) {
    for (const path of listFiles(join(FIXTURES_DIR, folder))) {
      const rel = relative(FIXTURES_DIR, path);
      if (!set.files.has(rel)) fail(`${rel} is committed but no longer generated`);
    }
  }
  console.log(`  ${compared} files compared byte for byte`);
}

function subsamplesEqual(a: Subsample[] | null, b: Subsample[] | null): boolean {
  if (a === null || b === null) return a === b;
  return a.length === b.length && a.every((s, i) => s.clear === b[i]!.clear && s.protected === b[i]!.protected);
}

function checkAgainstFfmpegEncryption(tmp: string, source: SourceTrack[], keys: Record<string, string>): void {
  console.log(`2. cenc bytes vs ffmpeg's non-fragmented bitexact cenc output (${ffmpegVersion()})`);
  const names = readKeys(FIXTURES_DIR).names;
  for (const track of source) {
    const kid = names[track.info.kind]!;
    const key = keys[kid]!;
    const input = join(tmp, `clear-${track.id}.mp4`);
    const output = join(tmp, `ffmpeg-cenc-${track.id}.mp4`);
    writeFileSync(input, Buffer.concat([track.init, ...track.segments.map((s) => s.bytes)]));
    ffmpeg(
      ['-i', input, '-map', '0', '-c', 'copy', '-encryption_scheme', 'cenc-aes-ctr'].concat([
        '-encryption_key',
        key,
        '-encryption_kid',
        kid,
        '-fflags',
        '+bitexact',
        '-map_metadata',
        '-1',
        output,
      ]),
    );
    const theirs = readFfmpegCenc(new Uint8Array(readFileSync(output)));
    const clear = track.segments.flatMap((s) => samplesOf(s.bytes));
    // ffmpeg's cenc-aes-ctr: 8-byte IVs counting from 0, one subsample per NAL unit (length + header byte clear).
    const ivs = new IvSequence(8, 0n);
    let bytes = 0;
    let subsampleCount = 0;
    if (theirs.length !== clear.length)
      fail(`${track.info.kind}: ffmpeg has ${theirs.length} samples, source ${clear.length}`);
    clear.forEach((sample, i) => {
      const ref = theirs[i];
      if (!ref) return;
      const subsamples =
        track.info.kind === 'video' ? avcSubsamples(sample, track.info.nalLengthSize!, 'ffmpeg', false) : null;
      const iv = ivs.next();
      const ours = encryptSample(sample, subsamples, { scheme: 'cenc', key: fromHex(key), iv, pattern: null });
      if (!bytesEqual(iv, ref.iv)) fail(`${track.info.kind} sample ${i}: IV ${toHex(iv)} vs ffmpeg ${toHex(ref.iv)}`);
      if (!subsamplesEqual(subsamples, ref.subsamples)) fail(`${track.info.kind} sample ${i}: subsample maps differ`);
      if (!bytesEqual(ours, ref.bytes)) fail(`${track.info.kind} sample ${i}: encrypted bytes differ from ffmpeg's`);
      bytes += sample.length;
      subsampleCount += subsamples?.length ?? 0;
    });
    console.log(
      `  ${track.info.kind} (KID ${kid}): ${clear.length} samples, ${bytes} bytes, ${subsampleCount} subsamples: ` +
        `encrypted bytes, IVs and subsample maps compared with ffmpeg's`,
    );
  }
}

interface IndexFixtureDoc {
  name: string;
  scheme: string;
  tracks: { kind: string; init: string; segments: { file: string; clear: string; kid: string | null }[] }[];
}

interface IndexDoc {
  fixtures: IndexFixtureDoc[];
  variantFixtures?: IndexFixtureDoc[];
}

function checkFfmpegDecryption(tmp: string, keys: Record<string, string>): void {
  console.log('3. Every encrypted segment decrypted by ffmpeg (-decryption_key) gives back the clear samples');
  const index = JSON.parse(readFileSync(join(FIXTURES_DIR, 'index.json'), 'utf8')) as IndexDoc;
  const clearDir = join(FIXTURES_DIR, 'clear');
  for (const f of [...index.fixtures, ...(index.variantFixtures ?? [])]) {
    let decrypted = 0;
    let leftClear = 0;
    let samples = 0;
    const notes = new Set<string>();
    for (const track of f.tracks) {
      const init = readFileSync(join(FIXTURES_DIR, f.name, track.init));
      for (const seg of track.segments) {
        const encrypted = new Uint8Array(readFileSync(join(FIXTURES_DIR, f.name, seg.file)));
        const clear = samplesOf(new Uint8Array(readFileSync(join(clearDir, seg.clear))));
        const where = `${f.name}/${seg.file}`;
        const fixtureSamples = samplesOf(encrypted);
        samples += clear.length;
        if (seg.kid === null) {
          // ffmpeg 5.1 ignores which sample entry a fragment selects, so a clear-lead fragment is compared directly.
          if (!fixtureSamples.every((s, i) => bytesEqual(s, clear[i]!))) fail(`${where}: clear segment was changed`);
          leftClear++;
          continue;
        }
        if (fixtureSamples.every((s, i) => bytesEqual(s, clear[i]!))) fail(`${where}: samples are not encrypted`);
        const input = join(tmp, 'segment.mp4');
        writeFileSync(input, Buffer.concat([init, encrypted]));
        const out = ffmpeg([
          '-decryption_key',
          keys[seg.kid]!,
          '-i',
          input,
          '-map',
          '0',
          '-c',
          'copy',
          '-f',
          'data',
          '-',
        ]);
        let at = 0;
        clear.forEach((sample, i) => {
          const got = out.subarray(at, at + sample.length);
          at += sample.length;
          // ffmpeg 5.1 decrypts the trailing partial block of full-sample 'cens' (it ignores the pattern there);
          // ISO/IEC 23001-7 9.7 (whole-block full-sample encryption) leaves it clear, as the packager does.
          const whole =
            f.scheme === 'cens' && track.kind === 'audio' ? sample.length - (sample.length % 16) : sample.length;
          if (whole !== sample.length) {
            notes.add('cens audio: trailing partial blocks checked in the fixture itself (ffmpeg decrypts them)');
            const tail = fixtureSamples[i]!.subarray(whole);
            if (!bytesEqual(tail, sample.subarray(whole)))
              fail(`${where} sample ${i}: trailing partial block not clear`);
          }
          if (!bytesEqual(got.subarray(0, whole), sample.subarray(0, whole))) {
            fail(`${where} sample ${i}: ffmpeg's decryption differs from the clear sample`);
          }
        });
        if (at !== out.length) fail(`${where}: ffmpeg returned ${out.length} bytes, the clear samples have ${at}`);
        decrypted++;
      }
    }
    console.log(
      `  ${f.name} (${f.scheme}): ${decrypted} segments decrypted by ffmpeg, ${leftClear} clear, ${samples} samples` +
        [...notes].map((n) => `; ${n}`).join(''),
    );
  }
}

function main(): void {
  const tmp = mkdtempSync(join(tmpdir(), 'fixtures-check-'));
  try {
    const keys = readKeys(FIXTURES_DIR).keys;
    checkReproducible(tmp);
    checkAgainstFfmpegEncryption(tmp, readSource(join(FIXTURES_DIR, 'clear')), keys);
    checkFfmpegDecryption(tmp, keys);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  if (failures.length) {
    console.log(`\n✖ ${failures.length} mismatch(es)`);
    process.exit(1);
  }
  console.log('\n✔ fixtures are reproducible, match ffmpeg, and decrypt to the clear source');
}

main();
