/**
 * The 'message' event (EME 7.4 MediaKeyMessageEvent): the platform's MediaKeyMessageEvent where the browser has one
 * (so `instanceof MediaKeyMessageEvent` holds), else an Event subclass with the same members.
 */
export class ClearKeyMessageEvent extends Event implements MediaKeyMessageEvent {
  readonly messageType: MediaKeyMessageType;
  readonly message: ArrayBuffer;

  constructor(type: string, init: MediaKeyMessageEventInit) {
    super(type, init);
    this.messageType = init.messageType;
    this.message = init.message;
  }
}

/** EME 7.5.1 "Queue a message Event": named 'message', does not bubble, not cancelable. */
export function createMessageEvent(messageType: MediaKeyMessageType, message: ArrayBuffer): MediaKeyMessageEvent {
  const init: MediaKeyMessageEventInit = { messageType, message, bubbles: false, cancelable: false };
  const Native = (globalThis as { MediaKeyMessageEvent?: typeof MediaKeyMessageEvent }).MediaKeyMessageEvent;
  if (typeof Native === 'function') {
    try {
      return new Native('message', init);
    } catch {
      // A patched or partial global: fall through to our own event.
    }
  }
  return new ClearKeyMessageEvent('message', init);
}
