// Serves the test fixtures with a fault switch on one file, for the cases only a damaged or stalled segment produces
// (the stall watchdog of issue 19 item 2). A real HTTP route, so shaka fetches it as it fetches any manifest:
//
//   GET /media-fault/<fault>/<file>/<fixture path>
//
// serves <fixture path> (under test/fixtures/ only) as the dev server would, except the file named <file> (e.g.
// seg-0-2.m4s), which gets <fault>. Relative segment URLs of a manifest served this way stay under the same prefix,
// so a manifest URL is enough: /media-fault/mdat-noise/seg-0-2.m4s/test/fixtures/clear/manifest.mpd.
//
// Faults:
//   mdat-noise  the payload of every top-level 'mdat' box (ISO/IEC 14496-12 8.1.1) replaced with pseudo-random bytes
//               (fixed seed: the same bytes every time), sizes and every other box kept: the file still parses, the
//               samples do not decode. Firefox then drops the source without an 'error' (issue 19 item 2).
//   hang        no answer until the client gives up (the connection is held open).
//   senc-count  the sample_count of every 'senc' box (moof/traf/senc, ISO/IEC 23001-7 7.2) one higher than the track
//               fragment's sample count: the file's boxes still walk, its encryption data contradicts its trun (the
//               decrypt path's parser reports SIZE_MISMATCH, 3007; issue 16 item 3).
import { existsSync, readFileSync } from 'node:fs';
import { basename, extname, join, normalize, sep } from 'node:path';

const PREFIX = '/media-fault/';
const FAULTS = new Set(['mdat-noise', 'hang', 'senc-count']);
const TYPES = {
  '.mpd': 'application/dash+xml',
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.m4s': 'video/iso.segment',
  '.mp4': 'video/mp4',
};

/** xorshift32 from a fixed seed: noise that is the same on every run. */
function noise(length) {
  const out = new Uint8Array(length);
  let x = 0x9e3779b9;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

/** A copy of an ISO-BMFF file whose top-level mdat payloads are noise. 64-bit and to-end sizes are handled. */
function withNoisyMdat(bytes) {
  const out = Uint8Array.from(bytes);
  const view = new DataView(out.buffer);
  let at = 0;
  while (at + 8 <= out.length) {
    let size = view.getUint32(at);
    let header = 8;
    if (size === 1) {
      size = Number(view.getBigUint64(at + 8));
      header = 16;
    } else if (size === 0) size = out.length - at;
    if (size < header || at + size > out.length) break;
    const type = String.fromCharCode(...out.subarray(at + 4, at + 8));
    if (type === 'mdat') out.set(noise(size - header), at + header);
    at += size;
  }
  return out;
}

/** Calls `visit(type, start, headerSize, size)` for each box of out[from, to), and walks into `containers`. */
function walkBoxes(out, from, to, containers, visit) {
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  let at = from;
  while (at + 8 <= to) {
    let size = view.getUint32(at);
    let header = 8;
    if (size === 1) {
      size = Number(view.getBigUint64(at + 8));
      header = 16;
    } else if (size === 0) size = to - at;
    if (size < header || at + size > to) break;
    const type = String.fromCharCode(...out.subarray(at + 4, at + 8));
    visit(type, at, header, size);
    if (containers.has(type)) walkBoxes(out, at + header, at + size, containers, visit);
    at += size;
  }
}

/** A copy of a media segment whose senc boxes claim one sample more than they describe (see senc-count above). */
function withSencCountOffByOne(bytes) {
  const out = Uint8Array.from(bytes);
  const view = new DataView(out.buffer);
  walkBoxes(out, 0, out.length, new Set(['moof', 'traf']), (type, at, header, size) => {
    // FullBox: version and flags (4 bytes), then sample_count (32 bits).
    const count = at + header + 4;
    if (type === 'senc' && count + 4 <= at + size) view.setUint32(count, view.getUint32(count) + 1);
  });
  return out;
}

const DAMAGE = { 'mdat-noise': withNoisyMdat, 'senc-count': withSencCountOffByOne };

/** A koa middleware answering GET /media-fault/... (see above); other paths go on to `next()`. */
export function mediaFaultMiddleware({ root = process.cwd() } = {}) {
  const fixtures = join(root, 'test', 'fixtures') + sep;
  return async (ctx, next) => {
    if (!ctx.path.startsWith(PREFIX)) return next();
    const [fault, target, ...rest] = ctx.path.slice(PREFIX.length).split('/');
    const file = normalize(join(root, ...rest));
    if (!FAULTS.has(fault) || !target || !file.startsWith(fixtures) || !existsSync(file)) {
      ctx.status = 404;
      return undefined;
    }
    ctx.set('Cache-Control', 'no-store');
    if (basename(file) === target && fault === 'hang') {
      // Held until the client closes the connection; 499 (client closed request) keeps koa from answering.
      await new Promise((resolve) => ctx.req.once('close', resolve));
      ctx.status = 499;
      return undefined;
    }
    const bytes = readFileSync(file);
    ctx.type = TYPES[extname(file)] ?? 'application/octet-stream';
    ctx.body = Buffer.from(basename(file) === target ? DAMAGE[fault](bytes) : bytes);
    return undefined;
  };
}
