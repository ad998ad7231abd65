// Sample Group Description box, ISO/IEC 14496-12 8.9.3 ('sgpd'), holding CENC 'seig' entries
// (CencSampleEncryptionInformationGroupEntry, ISO/IEC 23001-7 6): per-group KID, IV size, constant IV and pattern.
import type { Box } from '../box.js';
import { Mp4ErrorCode, Mp4ParseError } from '../errors.js';
import { badValue, readFullBox } from '../full-box.js';
import { ByteReader } from '../reader.js';
import { readEncryptionDefaults, type EncryptionDefaults } from './tenc.js';

export interface SgpdBox {
  groupingType: string;
  /** Parsed entries for grouping type 'seig'; empty for other grouping types. */
  seig: EncryptionDefaults[];
}

export function parseSgpd(box: Box): SgpdBox {
  const { version, reader: r } = readFullBox(box, 2);
  const groupingType = r.fourcc();
  let defaultLength = 0;
  if (version === 1) defaultLength = r.u32();
  if (version >= 2) r.skip(4); // default_sample_description_index
  const count = r.u32();
  if (groupingType !== 'seig') return { groupingType, seig: [] };
  // Every seig entry is at least 20 bytes: a larger count is a lie, caught before looping.
  if (count * 20 > r.remaining) {
    throw new Mp4ParseError(Mp4ErrorCode.TRUNCATED, `sgpd entry_count ${count} exceeds the box`, box.path, { count });
  }
  const seig: EncryptionDefaults[] = [];
  for (let i = 0; i < count; i++) {
    let length = defaultLength;
    if (version === 1 && length === 0) length = r.u32();
    const entry = length > 0 ? new ByteReader(r.bytes(length), box.path) : r;
    const start = entry.offset;
    const parsed = readEncryptionDefaults(entry, true);
    if (length > 0 && entry.offset - start !== length) {
      throw badValue(box, 'description_length', `seig entry of ${entry.offset - start} bytes, length says ${length}`);
    }
    seig.push(parsed);
  }
  return { groupingType, seig };
}
