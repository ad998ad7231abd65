/**
 * "Queue a task" for the CDM's algorithm steps (EME 6, HTML event loops).
 *
 * EME resolves promises and fires events from queued tasks: e.g. generateRequest() resolves its promise in one task
 * and fires 'message' from another task queued inside it, so promise reactions (microtasks) run before the event.
 * A MessageChannel message is a real task (unlike a microtask) without setTimeout's nesting clamp, and one channel
 * keeps every CDM task in FIFO order, as the spec's single media task source does.
 */
type Task = () => void;

const queue: Task[] = [];
let channel: MessageChannel | undefined;

function port(): MessagePort {
  if (!channel) {
    channel = new MessageChannel();
    channel.port1.onmessage = () => {
      const task = queue.shift();
      if (!task) return;
      try {
        task();
      } catch (e) {
        // One broken task must not stop the queue; surface it as an uncaught error would be.
        reportError(e);
      }
    };
  }
  return channel.port2;
}

/** Runs `task` in a later task of the event loop, after every task queued before it. */
export function queueTask(task: Task): void {
  queue.push(task);
  port().postMessage(undefined);
}
