import { expect } from '@open-wc/testing';
import {
  Recorder,
  browser,
  expectLog,
  implementations,
  keyIdsInitData,
  license,
  mediaKeysFor,
  next,
  testKeys,
  type TestKeys,
} from './conformance.js';
import { describeSessionCases } from './cases/session.js';

for (const impl of implementations) describeSessionCases(impl);

describe('cdm conformance: one session lifecycle, native and bundled logs side by side', () => {
  /** generateRequest -> update -> close, recording every event and settlement in order. */
  async function lifecycle(mediaKeys: MediaKeys, keys: TestKeys): Promise<string[]> {
    const kids = [keys.names.audio, keys.names.video];
    const session = mediaKeys.createSession();
    const rec = new Recorder(session);
    const message = next(session, 'message');
    await rec.track('generateRequest', session.generateRequest('keyids', keyIdsInitData(...kids)));
    await message;
    const usable = next(session, 'keystatuseschange');
    await rec.track('update', session.update(license(keys, kids)));
    await usable;
    const emptied = next(session, 'keystatuseschange');
    await rec.track('close', session.close());
    await emptied;
    return rec.log;
  }

  it('records the order the spec prescribes in every implementation present (native Firefox: same entries)', async () => {
    const keys = await testKeys();
    const logs: Record<string, string[]> = {};
    for (const impl of implementations) logs[impl.name] = await lifecycle(await mediaKeysFor(impl), keys);
    // EME 7.2: each method's promise settles in the task that queues its events, so it comes first; Session
    // Closed resolves `closed` before close() resolves.
    const spec = [
      'generateRequest:resolved',
      'message:license-request',
      'update:resolved',
      'keystatuseschange:2',
      'closed:closed-by-application',
      'close:resolved',
      'keystatuseschange:0',
    ];
    for (const impl of implementations) expectLog(impl, logs[impl.name]!, spec);
    expect(Object.keys(logs)).to.deep.equal(browser === 'webkit' ? ['bundled'] : ['native', 'bundled']);
  });
});
