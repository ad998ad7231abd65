/// <reference types="node" />
// Running ffmpeg 5.1 for the cross-checks, and reading what its non-fragmented cenc output holds: sample bytes
// (stsz/stsc/stco, ISO/IEC 14496-12 8.7.3-8.7.5) and per-sample encryption info (senc in stbl, ISO/IEC 23001-7 7.2).
import { spawnSync } from 'node:child_process';
import { findBox } from '../../src/mp4/box.js';
import { ByteReader } from '../../src/mp4/reader.js';
import type { Subsample } from './subsamples.js';

/** Runs ffmpeg with `args`; returns stdout, or throws with ffmpeg's stderr. */
export function ffmpeg(args: string[]): Uint8Array {
  const run = spawnSync('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-nostdin', '-y', ...args], {
    maxBuffer: 256 * 1024 * 1024,
  });
  if (run.error)
    throw new Error(`ffmpeg could not run (${run.error.message}): install it, e.g. apt-get install ffmpeg`);
  if (run.status !== 0) throw new Error(`ffmpeg ${args.join(' ')} failed:\n${run.stderr.toString()}`);
  return new Uint8Array(run.stdout);
}

export function ffmpegVersion(): string {
  const run = spawnSync('ffmpeg', ['-version']);
  return run.status === 0 ? (run.stdout.toString().split('\n')[0] ?? '') : 'ffmpeg not found';
}

export interface EncryptedSample {
  bytes: Uint8Array;
  iv: Uint8Array;
  subsamples: Subsample[] | null;
}

const STBL = ['moov', 'trak', 'mdia', 'minf', 'stbl'];

function need(file: Uint8Array, path: string[]): ByteReader {
  const b = findBox(file, path);
  if (!b) throw new Error(`ffmpeg output has no ${path.join('/')}`);
  return new ByteReader(b.payload, b.path);
}

/** The samples of the single track of a non-fragmented MP4 written by ffmpeg with -encryption_scheme cenc-aes-ctr. */
export function readFfmpegCenc(file: Uint8Array, ivSize = 8): EncryptedSample[] {
  const stsz = need(file, [...STBL, 'stsz']);
  stsz.skip(4);
  const fixedSize = stsz.u32();
  const count = stsz.u32();
  const sizes = Array.from({ length: count }, () => (fixedSize ? fixedSize : stsz.u32()));

  const stsc = need(file, [...STBL, 'stsc']);
  stsc.skip(4);
  const runs = Array.from({ length: stsc.u32() }, () => {
    const first = stsc.u32();
    const perChunk = stsc.u32();
    stsc.u32();
    return { first, perChunk };
  });
  const co64 = findBox(file, [...STBL, 'co64']);
  const stco = co64 ? new ByteReader(co64.payload, co64.path) : need(file, [...STBL, 'stco']);
  stco.skip(4);
  const chunks = Array.from({ length: stco.u32() }, () => (co64 ? stco.u64() : stco.u32()));

  const offsets: number[] = [];
  chunks.forEach((chunkOffset, c) => {
    let run = runs[0]!;
    for (const r of runs) if (r.first <= c + 1) run = r;
    let at = chunkOffset;
    for (let i = 0; i < run.perChunk && offsets.length < count; i++) {
      offsets.push(at);
      at += sizes[offsets.length - 1]!;
    }
  });
  if (offsets.length !== count) throw new Error(`ffmpeg output: ${offsets.length} sample offsets for ${count} samples`);

  const senc = need(file, [...STBL, 'senc']);
  const flags = senc.u32() & 0xffffff;
  if (senc.u32() !== count) throw new Error('ffmpeg output: senc sample_count differs from stsz');
  return sizes.map((size, i) => {
    const iv = senc.bytes(ivSize);
    let subsamples: Subsample[] | null = null;
    if (flags & 2) {
      const n = senc.u16();
      subsamples = Array.from({ length: n }, () => ({ clear: senc.u16(), protected: senc.u32() }));
    }
    return { bytes: file.subarray(offsets[i]!, offsets[i]! + size), iv, subsamples };
  });
}
