// Sample to Group box, ISO/IEC 14496-12 8.9.2 ('sbgp').
import type { Box } from '../box.js';
import { Mp4ErrorCode, Mp4ParseError } from '../errors.js';
import { readFullBox } from '../full-box.js';

export interface SbgpEntry {
  sampleCount: number;
  /** 0: no group; 1..0x10000: the stbl's sgpd; above 0x10000: the fragment's own sgpd (index - 0x10000), 8.9.4. */
  groupDescriptionIndex: number;
}

export interface SbgpBox {
  groupingType: string;
  entries: SbgpEntry[];
}

export function parseSbgp(box: Box): SbgpBox {
  const { version, reader: r } = readFullBox(box, 1);
  const groupingType = r.fourcc();
  if (version === 1) r.skip(4); // grouping_type_parameter
  const count = r.u32();
  if (count * 8 !== r.remaining) {
    throw new Mp4ParseError(Mp4ErrorCode.SIZE_MISMATCH, `sbgp entry_count ${count} vs its table`, box.path, { count });
  }
  const entries: SbgpEntry[] = [];
  for (let i = 0; i < count; i++) entries.push({ sampleCount: r.u32(), groupDescriptionIndex: r.u32() });
  return { groupingType, entries };
}
