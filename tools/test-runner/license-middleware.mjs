// Mounts the demo license server (demo/server/license-server.ts, a connect-style middleware) in the test runner's
// koa server. The runner is started with `node --import tsx`, so the TypeScript module loads as it is.
import { createLicenseServer } from '../../demo/server/license-server.ts';

/**
 * A koa middleware around the Node-style handler: requests the server does not take go on to `next()`, the others are
 * answered on the raw response (`ctx.respond = false` keeps koa from writing to it). Logs only with LICENSE_SERVER_LOG=1,
 * so the test reporter's output stays readable.
 */
export function licenseMiddleware(options = {}) {
  const handler = createLicenseServer({ log: process.env.LICENSE_SERVER_LOG === '1' ? undefined : null, ...options });
  return (ctx, next) =>
    new Promise((resolve, reject) => {
      let passedOn = false;
      const finished = () => {
        if (passedOn) return;
        // koa presets 404 on the raw response; a request the client abandoned before any answer (a deliberate `hang`
        // or `delay`) would then be listed by the runner as a missing file. 499 is nginx's "client closed request".
        if (!ctx.res.headersSent) ctx.status = 499;
        resolve();
      };
      ctx.res.once('close', finished);
      handler(ctx.req, ctx.res, (error) => {
        passedOn = true;
        ctx.res.off('close', finished);
        if (error) reject(error);
        else next().then(resolve, reject);
      });
      if (!passedOn) ctx.respond = false;
    });
}
