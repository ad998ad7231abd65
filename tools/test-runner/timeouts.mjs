// How long one test file may take, shared by web-test-runner.config.mjs (testsFinishTimeout) and tools/run-tests.mjs
// (which stops a run in which no file ended for a while longer than that). A file's tests take under a minute here
// (the slowest, test/element/encrypted-playback.test.ts, 43-48 s in CI), so two minutes means the browser stopped
// answering; `npm run fuzz`'s long runs (FUZZ_RUNS or FUZZ_SECONDS set) get an hour.
export function testFileTimeoutMs(env = process.env) {
  return env.FUZZ_RUNS || env.FUZZ_SECONDS ? 60 * 60_000 : 2 * 60_000;
}
