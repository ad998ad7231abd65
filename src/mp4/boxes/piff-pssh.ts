// PIFF 1.1 ProtectionSystemSpecificHeaderBox (PIFF 1.1 5.3.1): a 'uuid' box with extended type
// d08a4f18-10f3-4a82-b6c8-32d8aba183d3 in 'moov', the layout of a version 0 'pssh' (ISO/IEC 23001-7 8.1): SystemID,
// DataSize, Data. Browsers do not read it as 'cenc' init data (only 'pssh' boxes are, EME cenc format), so neither
// does the decrypt path: it is parsed (checked) and dropped from the clear init segment.
import type { Box } from '../box.js';
import { bytesEqual, fromHex } from '../bytes.js';
import { expectEnd } from '../full-box.js';
import { Mp4ErrorCode, Mp4ParseError } from '../errors.js';
import { ByteReader } from '../reader.js';

export const PIFF_PSSH_USER_TYPE = fromHex('d08a4f1810f34a82b6c832d8aba183d3');

export function isPiffPssh(box: Box): boolean {
  return box.type === 'uuid' && !!box.userType && bytesEqual(box.userType, PIFF_PSSH_USER_TYPE);
}

export interface PiffPsshBox {
  systemId: Uint8Array;
  /** Zero-copy; its length was checked against the box (a lying DataSize is TRUNCATED). */
  data: Uint8Array;
}

export function parsePiffPssh(box: Box): PiffPsshBox {
  const r = new ByteReader(box.payload, box.path);
  const version = r.u8();
  r.u24();
  if (version !== 0) {
    throw new Mp4ParseError(Mp4ErrorCode.UNSUPPORTED, `PIFF pssh version ${version}`, box.path, { version });
  }
  const systemId = r.bytes(16);
  const data = r.bytes(r.u32());
  expectEnd(r, 'the PIFF pssh Data');
  return { systemId, data };
}
