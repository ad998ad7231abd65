// Original Format box, ISO/IEC 14496-12 8.12.2 ('frma' in 'sinf'): the sample entry type before encryption.
import type { Box } from '../box.js';
import { ByteReader } from '../reader.js';

export function parseFrma(box: Box): string {
  return new ByteReader(box.payload, box.path).fourcc();
}
