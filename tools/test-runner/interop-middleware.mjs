// The interop corpus (tools/run-interop.mjs) in the test runner's koa server: GET /interop/<path> serves a file of the
// corpus folder, with HTTP Range requests (RFC 9110 14) as a CDN would answer them, because the packager's on-demand
// MPDs (SegmentBase) and HLS playlists (EXT-X-BYTERANGE) fetch byte ranges of one file per track. POST /interop-report
// takes the page's verdict for one case and path and appends it, one JSON object per line, to SV_INTEROP_REPORT,
// with the browser this runner drives; tools/run-interop.mjs prints the table from it.
import { appendFileSync, readFileSync, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';

const TYPES = {
  '.json': 'application/json',
  '.mpd': 'application/dash+xml',
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.mp4': 'video/mp4',
  '.m4s': 'video/iso.segment',
};

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

/** One `bytes=first-last` / `bytes=first-` / `bytes=-suffix` range of a file of `size` bytes, or null if unsatisfiable. */
function parseRange(header, size) {
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  let start;
  let end;
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  return start <= end && start < size ? { start, end } : null;
}

export function interopMiddleware({ dir, reportPath, browser }) {
  const root = normalize(dir) + sep;
  return async (ctx, next) => {
    if (ctx.path === '/interop-report' && ctx.method === 'POST') {
      const entry = JSON.parse(await readBody(ctx.req));
      if (reportPath) appendFileSync(reportPath, JSON.stringify({ browser, ...entry }) + '\n');
      ctx.status = 204;
      return;
    }
    if (!ctx.path.startsWith('/interop/') || (ctx.method !== 'GET' && ctx.method !== 'HEAD')) return next();
    const file = normalize(join(root, decodeURIComponent(ctx.path.slice('/interop/'.length))));
    if (!file.startsWith(root)) return next();
    let size;
    try {
      const stat = statSync(file);
      if (!stat.isFile()) return next();
      size = stat.size;
    } catch {
      return next();
    }
    let bytes = readFileSync(file);
    // INTEROP_CASES=id,id runs only those cases (while working on one).
    const only = process.env.INTEROP_CASES?.split(',').filter(Boolean);
    if (file === join(root, 'cases.json') && only?.length) {
      bytes = Buffer.from(JSON.stringify(JSON.parse(bytes.toString('utf8')).filter((c) => only.includes(c.id))));
      size = bytes.length;
    }
    // A live-profile MPD golden has "some_time" where a live packager writes times: ?availabilityStartTime= fills
    // them in (the page picks one time per playback, so the manifest's refreshes agree with each other).
    const start = ctx.query.availabilityStartTime;
    if (extname(file) === '.mpd' && typeof start === 'string' && /^[\dT:.Z-]+$/.test(start)) {
      bytes = Buffer.from(bytes.toString('utf8').replaceAll('"some_time"', `"${start}"`));
      size = bytes.length;
    }
    ctx.set('Content-Type', TYPES[extname(file)] ?? 'application/octet-stream');
    ctx.set('Accept-Ranges', 'bytes');
    ctx.set('Cache-Control', 'no-store');
    const range = ctx.get('Range');
    if (!range) {
      ctx.status = 200;
      ctx.body = bytes;
      return;
    }
    const r = parseRange(range, size);
    if (!r) {
      ctx.status = 416;
      ctx.set('Content-Range', `bytes */${size}`);
      return;
    }
    ctx.status = 206;
    ctx.set('Content-Range', `bytes ${r.start}-${r.end}/${size}`);
    ctx.body = bytes.subarray(r.start, r.end + 1);
  };
}
