// Sample Auxiliary Information Offsets box, ISO/IEC 14496-12 8.7.9 ('saio').
import type { Box } from '../box.js';
import { Mp4ErrorCode, Mp4ParseError } from '../errors.js';
import { readFullBox } from '../full-box.js';

export interface SaioBox {
  auxInfoType: string | undefined;
  /** Offsets relative to the track fragment's base offset (8.7.9: as tfhd's base data offset rules define it). */
  offsets: number[];
}

export function parseSaio(box: Box): SaioBox {
  const { version, flags, reader: r } = readFullBox(box, 1);
  let auxInfoType: string | undefined;
  if (flags & 1) {
    auxInfoType = r.fourcc();
    r.skip(4);
  }
  const count = r.u32();
  const width = version === 1 ? 8 : 4;
  if (count * width !== r.remaining) {
    throw new Mp4ParseError(Mp4ErrorCode.SIZE_MISMATCH, `saio entry_count ${count} vs its table`, box.path, { count });
  }
  const offsets: number[] = [];
  for (let i = 0; i < count; i++) offsets.push(version === 1 ? r.u64() : r.u32());
  return { auxInfoType, offsets };
}
