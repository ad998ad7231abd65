// Protection Scheme Information box, ISO/IEC 14496-12 8.12.1 ('sinf': frma, schm, schi/tenc), as CENC uses it
// (ISO/IEC 23001-7 4.2, 8.2).
import { childBoxes, requireChild, type Box } from '../box.js';
import { Mp4ErrorCode, Mp4ParseError } from '../errors.js';
import { parseFrma } from './frma.js';
import { parseSchm } from './schm.js';
import { isPiffTenc, parsePiffTenc, PiffAlgorithm } from './piff-tenc.js';
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

/** PIFF 1.1's scheme_type (PIFF 5.3: 'piff', version 0x00010001); its AlgorithmID says CTR or CBC. */
const PIFF_SCHEME = 'piff';

export function parseSinf(box: Box): SinfBox {
  const originalFormat = parseFrma(requireChild(box, 'frma'));
  const schmBox = requireChild(box, 'schm');
  const { schemeType, schemeVersion } = parseSchm(schmBox);
  if (!isCencScheme(schemeType) && schemeType !== PIFF_SCHEME) {
    throw new Mp4ParseError(Mp4ErrorCode.UNSUPPORTED, `Protection scheme '${schemeType}'`, schmBox.path, {
      scheme: schemeType,
    });
  }
  const schi = requireChild(box, 'schi');
  const children = childBoxes(schi);
  const tencBox = children.find((b) => b.type === 'tenc');
  // PIFF 1.1 content may carry the track defaults in PIFF's own TrackEncryptionBox only ('uuid', PIFF 5.3.2).
  const piffBox = tencBox ? undefined : children.find(isPiffTenc);
  if (!tencBox && !piffBox) {
    throw new Mp4ParseError(Mp4ErrorCode.MISSING_BOX, `Missing 'tenc' box`, `${schi.path}/tenc`);
  }
  const tenc = tencBox ? parseTenc(tencBox) : parsePiffTenc(piffBox!);
  let scheme: CencScheme;
  if (schemeType !== PIFF_SCHEME) scheme = schemeType as CencScheme;
  else {
    // PIFF's two algorithms are CENC's full-sample/subsample schemes without patterns: CTR is 'cenc', CBC 'cbc1'
    // (ISO/IEC 23001-7 10.1, 10.2). Without a PIFF tenc the ISO tenc's track is taken as CTR, PIFF's default.
    const algorithm = piffBox ? parsePiffTenc(piffBox).algorithm : PiffAlgorithm.AES_CTR;
    scheme = algorithm === PiffAlgorithm.AES_CBC ? 'cbc1' : 'cenc';
  }
  return { originalFormat, scheme, schemeVersion, tenc };
}
