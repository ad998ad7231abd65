/**
 * "Queue a task" for the CDM's algorithm steps (EME 6, HTML event loops).
 *
 * EME resolves promises and fires events from queued tasks: e.g. generateRequest() resolves its promise in one task
 * and fires 'message' from another task queued inside it, so promise reactions (microtasks) run before the event.
 * The tasks wait in one FIFO queue, as on the spec's single media task source. Each queued task wakes the queue
 * twice, by a MessageChannel message (a real task, without setTimeout's nesting clamp) and by a setTimeout(0); the
 * first wake-up runs the oldest task, the other finds it gone. The timer keeps the CDM's tasks ahead of the page's
 * later timers: while media plays, Chromium runs channel messages behind timers set after them (measured: 16 ms
 * late), and pages rely on a task the CDM queued before their setTimeout(0) running first (Session Closed's
 * 'keystatuseschange' before the timer a `closed` reaction sets, as native CDMs order them).
 */
type Task = () => void;

const queue: Task[] = [];
let channel: MessageChannel | undefined;

/** Runs the oldest queued task, if a wake-up before this one has not run it already. */
function runOldest(): void {
  const task = queue.shift();
  if (!task) return;
  try {
    task();
  } catch (e) {
    // One broken task must not stop the queue; surface it as an uncaught error would be.
    reportError(e);
  }
}

function port(): MessagePort {
  if (!channel) {
    channel = new MessageChannel();
    channel.port1.onmessage = runOldest;
  }
  return channel.port2;
}

/** Runs `task` in a later task of the event loop, after every task queued before it. */
export function queueTask(task: Task): void {
  queue.push(task);
  port().postMessage(undefined);
  setTimeout(runOldest, 0);
}
