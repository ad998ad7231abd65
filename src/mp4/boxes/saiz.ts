// Sample Auxiliary Information Sizes box, ISO/IEC 14496-12 8.7.8 ('saiz').
import type { Box } from '../box.js';
import { Mp4ErrorCode, Mp4ParseError } from '../errors.js';
import { readFullBox } from '../full-box.js';

export interface SaizBox {
  /** aux_info_type when flag 0x1 is set; otherwise the protection scheme type applies (ISO/IEC 23001-7 7.1). */
  auxInfoType: string | undefined;
  sampleCount: number;
  /** Size in bytes of sample i's auxiliary information. */
  sizeOf(i: number): number;
  /** Sum of all sizes. */
  totalSize: number;
}

export function parseSaiz(box: Box): SaizBox {
  const { flags, reader: r } = readFullBox(box, 0);
  let auxInfoType: string | undefined;
  if (flags & 1) {
    auxInfoType = r.fourcc();
    r.skip(4); // aux_info_type_parameter
  }
  const defaultSize = r.u8();
  const sampleCount = r.u32();
  if (defaultSize === 0) {
    if (sampleCount !== r.remaining) {
      throw new Mp4ParseError(Mp4ErrorCode.SIZE_MISMATCH, `saiz sample_count ${sampleCount} vs its table`, box.path, {
        sampleCount,
        remaining: r.remaining,
      });
    }
    const sizes = r.bytes(sampleCount);
    let totalSize = 0;
    for (const s of sizes) totalSize += s;
    return { auxInfoType, sampleCount, sizeOf: (i) => sizes[i] ?? 0, totalSize };
  }
  return { auxInfoType, sampleCount, sizeOf: () => defaultSize, totalSize: defaultSize * sampleCount };
}
