// Handler Reference box, ISO/IEC 14496-12 8.4.3 ('hdlr').
import type { Box } from '../box.js';
import { readFullBox } from '../full-box.js';

export interface HdlrBox {
  /** 'vide', 'soun', 'text', 'subt', ... */
  handlerType: string;
}

export function parseHdlr(box: Box): HdlrBox {
  const { reader: r } = readFullBox(box, 0);
  r.skip(4); // pre_defined
  return { handlerType: r.fourcc() };
}
