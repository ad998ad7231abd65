// Sample Description box, ISO/IEC 14496-12 8.5.2 ('stsd'), and the sample entries in it: visual (12.1.3: avc1, avc3,
// hvc1, hev1, vp09, av01, encv ...) and audio (12.2.3: mp4a, Opus, ec-3, ac-3, enca ...). Protected entries
// ('encv'/'enca', ISO/IEC 23001-7 4.1 / 14496-12 8.12) carry a 'sinf' among their child boxes.
import { readBoxes, type Box } from '../box.js';
import { readFullBox } from '../full-box.js';
import { Mp4ErrorCode, Mp4ParseError } from '../errors.js';
import { ByteReader } from '../reader.js';
import { parseSinf, type SinfBox } from './sinf.js';

export type EntryKind = 'visual' | 'audio' | 'other';

export interface SampleEntry {
  /** The sample entry type as stored: 'avc1', 'encv', 'mp4a', 'enca', ... */
  type: string;
  /** The clear codec format: the entry type, or frma's original format for a protected entry. */
  format: string;
  kind: EntryKind;
  /** Bytes of fixed fields between the box header and the child boxes. */
  fieldsSize: number;
  /** The entry's child boxes (avcC, esds, sinf, btrt, ...). */
  children: Box[];
  /** Present when the entry holds a 'sinf' (a protected entry). */
  sinf: SinfBox | undefined;
  box: Box;
}

export interface StsdBox {
  version: number;
  entries: SampleEntry[];
}

const VISUAL = new Set(['avc1', 'avc3', 'hvc1', 'hev1', 'vp08', 'vp09', 'av01', 'dvh1', 'dvhe', 'mp4v', 'encv']);
const AUDIO = new Set(['mp4a', 'Opus', 'ec-3', 'ac-3', 'ac-4', 'fLaC', 'alac', 'dtsc', 'enca']);

/** The kind of sample entry, from its type and failing that the track's handler (ISO/IEC 14496-12 12.1, 12.2). */
export function entryKind(type: string, handlerType: string | undefined): EntryKind {
  if (VISUAL.has(type)) return 'visual';
  if (AUDIO.has(type)) return 'audio';
  if (handlerType === 'vide') return 'visual';
  if (handlerType === 'soun') return 'audio';
  return 'other';
}

/**
 * Size of the fixed fields of a sample entry. SampleEntry is 8 bytes (reserved, data_reference_index);
 * VisualSampleEntry adds 70; AudioSampleEntry adds 20, plus 16 (QuickTime sound v1) or 36 (v2) when an stsd of
 * version 0 holds an entry_version 1 or 2 entry (ISO/IEC 14496-12 12.2.3 keeps v1 entries inside stsd v1).
 */
function fixedFieldsSize(entry: Box, kind: EntryKind, stsdVersion: number): number {
  if (kind === 'visual') return 78;
  if (kind === 'other') return 8;
  const r = new ByteReader(entry.payload, entry.path);
  r.skip(8);
  const entryVersion = r.u16();
  if (stsdVersion === 0 && entryVersion === 1) return 28 + 16;
  if (stsdVersion === 0 && entryVersion === 2) return 28 + 36;
  return 28;
}

export function parseSampleEntry(entry: Box, handlerType: string | undefined, stsdVersion: number): SampleEntry {
  const kind = entryKind(entry.type, handlerType);
  const fieldsSize = fixedFieldsSize(entry, kind, stsdVersion);
  if (entry.payload.length < fieldsSize) {
    throw new Mp4ParseError(
      Mp4ErrorCode.TRUNCATED,
      `Sample entry shorter than its ${fieldsSize} fixed bytes`,
      entry.path,
    );
  }
  // Only visual and audio entries have a known layout before their child boxes; other entries (tx3g, stpp, ...)
  // carry fields of their own, so their bytes are not read as boxes and they are never treated as protected.
  const children =
    kind === 'other'
      ? []
      : readBoxes(entry.payload.subarray(fieldsSize), entry.path, entry.start + entry.headerSize + fieldsSize);
  const sinfBox = children.find((b) => b.type === 'sinf');
  const sinf = sinfBox ? parseSinf(sinfBox) : undefined;
  return { type: entry.type, format: sinf?.originalFormat ?? entry.type, kind, fieldsSize, children, sinf, box: entry };
}

export function parseStsd(box: Box, handlerType?: string): StsdBox {
  const { version, reader: r } = readFullBox(box, 1);
  const count = r.u32();
  const boxes = readBoxes(r.rest(), box.path, box.start + box.headerSize + 8);
  if (boxes.length !== count) {
    throw new Mp4ParseError(
      Mp4ErrorCode.SIZE_MISMATCH,
      `stsd entry_count ${count} but ${boxes.length} entries`,
      box.path,
      {
        count,
        found: boxes.length,
      },
    );
  }
  return { version, entries: boxes.map((b) => parseSampleEntry(b, handlerType, version)) };
}
