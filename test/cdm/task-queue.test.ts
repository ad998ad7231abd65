// The CDM's "queue a task" (src/cdm/task-queue.ts): FIFO, one task per event-loop task, and never behind a timer
// the page sets later, even when the page's message channels keep the posted-message task source busy.
import { expect } from '@open-wc/testing';
import { queueTask } from '../../src/cdm/task-queue.js';
import { KEY_SYSTEM, BASIC_CONFIG, keyIdsInitData, license, next, testKeys } from './conformance.js';
import { requestClearKeyAccess } from '../../src/cdm/index.js';

/** Keeps the posted-message task source busy: `count` messages on a channel of the page's own, then resolves. */
function floodMessages(count: number): Promise<void> {
  const channel = new MessageChannel();
  let left = count;
  return new Promise((resolve) => {
    channel.port1.onmessage = () => {
      if (--left === 0) {
        channel.port1.close();
        resolve();
      }
    };
    for (let i = 0; i < count; i++) channel.port2.postMessage(i);
  });
}

describe('cdm: queueTask (HTML "queue a task" for the EME algorithms)', () => {
  it('runs tasks in order, each in its own task: microtasks of one run before the next', async () => {
    const log: string[] = [];
    await new Promise<void>((resolve) => {
      queueTask(() => {
        log.push('task 1');
        queueMicrotask(() => log.push('microtask of 1'));
      });
      queueTask(() => log.push('task 2'));
      queueTask(resolve);
    });
    expect(log).to.deep.equal(['task 1', 'microtask of 1', 'task 2']);
  });

  it("fires Session Closed's 'keystatuseschange' before the timer a `closed` reaction sets (WPT temporary-events)", async () => {
    const keys = await testKeys();
    const kid = keys.names.video;
    const mediaKeys = await (await requestClearKeyAccess(KEY_SYSTEM, [BASIC_CONFIG])).createMediaKeys();
    const session = mediaKeys.createSession();
    const message = next(session, 'message');
    await session.generateRequest('keyids', keyIdsInitData(kid));
    await message;
    const usable = next(session, 'keystatuseschange');
    await session.update(license(keys, [kid]));
    await usable;
    const log: string[] = [];
    session.addEventListener('keystatuseschange', () => log.push(`keystatuseschange:${session.keyStatuses.size}`));
    const flooded = floodMessages(5000);
    const checked = new Promise<void>((resolve) => {
      void session.closed.then(() => {
        log.push('closed');
        setTimeout(() => {
          log.push('page timer');
          resolve();
        }, 0);
      });
    });
    await session.close();
    await checked;
    await flooded;
    expect(log).to.deep.equal(['closed', 'keystatuseschange:0', 'page timer']);
  });
});
