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

/**
 * Handlers of tracks the clear init segment of the decrypt path leaves out: 'clcp', QuickTime closed captions
 * (CEA-608 'c608', CEA-708 'c708' sample entries). The MSE ISO BMFF byte stream format defines no such track, and
 * WebKitGTK's MSE fails the whole append on one ('Media failed to decode', measured with clear avc1 + c608), while
 * Chromium and Firefox ignore it: the captions are not played from MSE anywhere, so dropping them loses nothing.
 */
export function isUnplayableHandler(handler: string | undefined): boolean {
  return handler === 'clcp';
}
