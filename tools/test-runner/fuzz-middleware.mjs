// GET /__fuzz/config tells the fuzz tests (test/helpers/fuzz.ts) how long to run. `npm test` sets nothing, so they run
// their small default counts with fixed seeds; `npm run fuzz` (tools/fuzz/run.mjs) sets FUZZ_RUNS or FUZZ_SECONDS and a
// FUZZ_SEED, which this passes on to the browser. Browser code cannot read the environment, hence the endpoint.
const PATH = '/__fuzz/config';

function numberFrom(name) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return null;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 0) throw new Error(`${name}=${raw}: expected a non-negative integer`);
  return n;
}

/** A koa middleware answering GET /__fuzz/config with {runs, seconds, seed} (each a number or null). */
export function fuzzConfigMiddleware() {
  const config = { runs: numberFrom('FUZZ_RUNS'), seconds: numberFrom('FUZZ_SECONDS'), seed: numberFrom('FUZZ_SEED') };
  return (ctx, next) => {
    if (ctx.path !== PATH) return next();
    ctx.set('Cache-Control', 'no-store');
    ctx.type = 'application/json';
    ctx.body = JSON.stringify(config);
    return undefined;
  };
}
