// Protection Scheme Information box, ISO/IEC 14496-12 8.12.1 ('sinf': frma, schm, schi/tenc), as CENC uses it
// (ISO/IEC 23001-7 4.2, 8.2).
import { childBoxes, requireChild, type Box } from '../box.js';
import { Mp4ErrorCode, Mp4ParseError } from '../errors.js';
import { parseFrma } from './frma.js';
import { parseSchm } from './schm.js';
import { parseTenc, type EncryptionDefaults } from './tenc.js';

export type CencScheme = 'cenc' | 'cbc1' | 'cens' | 'cbcs';
export const CENC_SCHEMES: readonly CencScheme[] = ['cenc', 'cbc1', 'cens', 'cbcs'];

export function isCencScheme(s: string): s is CencScheme {
  return (CENC_SCHEMES as readonly string[]).includes(s);
}

export interface SinfBox {
  originalFormat: string;
  scheme: CencScheme;
  schemeVersion: number;
  tenc: EncryptionDefaults;
}

export function parseSinf(box: Box): SinfBox {
  const originalFormat = parseFrma(requireChild(box, 'frma'));
  const schmBox = requireChild(box, 'schm');
  const { schemeType, schemeVersion } = parseSchm(schmBox);
  if (!isCencScheme(schemeType)) {
    throw new Mp4ParseError(Mp4ErrorCode.UNSUPPORTED, `Protection scheme '${schemeType}'`, schmBox.path, {
      scheme: schemeType,
    });
  }
  const schi = requireChild(box, 'schi');
  const tencBox = childBoxes(schi).find((b) => b.type === 'tenc');
  if (!tencBox) throw new Mp4ParseError(Mp4ErrorCode.MISSING_BOX, `Missing 'tenc' box`, `${schi.path}/tenc`);
  return { originalFormat, scheme: schemeType, schemeVersion, tenc: parseTenc(tencBox) };
}
