// File Type box, ISO/IEC 14496-12 4.3 ('ftyp'; 'styp' in segments, 8.16.2, has the same layout).
import type { Box } from '../box.js';
import { ByteReader } from '../reader.js';

export interface FtypBox {
  majorBrand: string;
  minorVersion: number;
  compatibleBrands: string[];
}

export function parseFtyp(box: Box): FtypBox {
  const r = new ByteReader(box.payload, box.path);
  const majorBrand = r.fourcc();
  const minorVersion = r.u32();
  const compatibleBrands: string[] = [];
  while (r.remaining >= 4) compatibleBrands.push(r.fourcc());
  return { majorBrand, minorVersion, compatibleBrands };
}
