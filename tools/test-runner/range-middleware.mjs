// Byte ranges for the media fixtures (RFC 9110 14: Range / 206 Partial Content / Content-Range), which the test
// runner's static server does not do: it answers a range request with the whole file. A DASH SegmentList or
// SegmentBase presentation of a single file (test/fixtures/gpac-single-file) is fetched by range, as from any web
// server. One range (`bytes=first-last`, `bytes=first-`, `bytes=-suffix`) of a file under /test/fixtures/; anything
// else falls through to the static server.
import { open, stat } from 'node:fs/promises';
import { resolve, sep } from 'node:path';

const PREFIX = '/test/fixtures/';

/** A koa middleware serving single byte ranges of the files under `rootDir`/test/fixtures. */
export function rangeMiddleware(rootDir = process.cwd()) {
  const base = resolve(rootDir, 'test/fixtures');
  return async (ctx, next) => {
    const header = ctx.get('Range');
    const m = /^bytes=(\d*)-(\d*)$/.exec(header);
    if (ctx.method !== 'GET' || !ctx.path.startsWith(PREFIX) || !m || (m[1] === '' && m[2] === '')) return next();
    const path = resolve(base, decodeURIComponent(ctx.path.slice(PREFIX.length)));
    if (!path.startsWith(base + sep)) return next();
    let size;
    try {
      const s = await stat(path);
      if (!s.isFile()) return next();
      size = s.size;
    } catch {
      return next();
    }
    let first = m[1] === '' ? Math.max(0, size - Number(m[2])) : Number(m[1]);
    let last = m[1] === '' || m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (first > last || first >= size) {
      ctx.status = 416;
      ctx.set('Content-Range', `bytes */${size}`);
      return;
    }
    const file = await open(path);
    try {
      const body = Buffer.alloc(last - first + 1);
      await file.read(body, 0, body.length, first);
      ctx.status = 206;
      ctx.set('Content-Range', `bytes ${first}-${last}/${size}`);
      ctx.set('Accept-Ranges', 'bytes');
      ctx.type = path.endsWith('.mp4') || path.endsWith('.m4s') ? 'video/mp4' : 'application/octet-stream';
      ctx.body = body;
    } finally {
      await file.close();
    }
  };
}
