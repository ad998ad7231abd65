/// <reference types="node" />
// The clear CMAF input (test/fixtures/clear, made by tools/fixtures/make-clear.sh): one init segment and numbered
// media segments per track, plus the attributes its DASH manifest states (codecs, bandwidth, picture size).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseInit, parseSegment, type InitInfo } from './mp4-read.js';

export interface SourceSegment {
  file: string;
  bytes: Uint8Array;
  /** tfdt baseMediaDecodeTime and the sum of sample durations, in the track's timescale. */
  time: number;
  duration: number;
}

export interface SourceTrack {
  /** The representation id, also the N in init-N.mp4 and seg-N-M.m4s. */
  id: string;
  initFile: string;
  init: Uint8Array;
  info: InitInfo;
  segments: SourceSegment[];
  /** Representation attributes from the clear manifest.mpd (mimeType, codecs, bandwidth, width, ...). */
  attributes: Record<string, string>;
}

function representationAttributes(mpd: string, id: string): Record<string, string> {
  const m = new RegExp(`<Representation\\s([^>]*\\bid="${id}"[^>]*)>`).exec(mpd);
  if (!m) throw new Error(`Representation ${id} is not in the clear manifest`);
  const attrs: Record<string, string> = {};
  for (const a of m[1]!.matchAll(/([\w:]+)="([^"]*)"/g)) attrs[a[1]!] = a[2]!;
  const channels = new RegExp(`id="${id}"[^>]*>\\s*<AudioChannelConfiguration[^>]*value="(\\d+)"`).exec(mpd);
  if (channels) attrs['channels'] = channels[1]!;
  return attrs;
}

export function readSource(dir: string): SourceTrack[] {
  const files = readdirSync(dir).sort();
  const mpd = readFileSync(join(dir, 'manifest.mpd'), 'utf8');
  const tracks: SourceTrack[] = [];
  for (const initFile of files.filter((f) => /^init-\d+\.mp4$/.test(f))) {
    const id = /^init-(\d+)\.mp4$/.exec(initFile)![1]!;
    const init = new Uint8Array(readFileSync(join(dir, initFile)));
    const info = parseInit(init);
    const segFiles = files
      .filter((f) => new RegExp(`^seg-${id}-\\d+\\.m4s$`).test(f))
      .sort((a, b) => Number(/(\d+)\.m4s$/.exec(a)![1]) - Number(/(\d+)\.m4s$/.exec(b)![1]));
    const segments = segFiles.map((file) => {
      const bytes = new Uint8Array(readFileSync(join(dir, file)));
      const seg = parseSegment(bytes);
      return { file, bytes, time: seg.baseTime, duration: seg.samples.reduce((n, s) => n + s.duration, 0) };
    });
    tracks.push({ id, initFile, init, info, segments, attributes: representationAttributes(mpd, id) });
  }
  return tracks;
}
