import type { Box } from './box.js';
import { Mp4ErrorCode, Mp4ParseError } from './errors.js';
import { ByteReader } from './reader.js';

/** The version/flags header of a full box (ISO/IEC 14496-12 4.2) and a reader positioned after it. */
export interface FullBoxHeader {
  version: number;
  flags: number;
  reader: ByteReader;
}

export function readFullBox(box: Box, maxVersion: number): FullBoxHeader {
  const reader = new ByteReader(box.payload, box.path);
  const version = reader.u8();
  const flags = reader.u24();
  if (version > maxVersion) {
    throw new Mp4ParseError(Mp4ErrorCode.UNSUPPORTED, `'${box.type}' version ${version}`, box.path, { version });
  }
  return { version, flags, reader };
}

/** Rejects bytes left over after a parser read every field it knows (a lying size or count). */
export function expectEnd(reader: ByteReader, what: string): void {
  if (reader.remaining !== 0) {
    throw new Mp4ParseError(
      Mp4ErrorCode.SIZE_MISMATCH,
      `${reader.remaining} unexpected byte(s) after ${what}`,
      reader.path,
      {
        extra: reader.remaining,
      },
    );
  }
}

export function badValue(box: Box | ByteReader, field: string, message: string): Mp4ParseError {
  return new Mp4ParseError(Mp4ErrorCode.BAD_VALUE, message, box.path, { field });
}
