/**
 * The media element's EME events (EME 7.4 MediaEncryptedEvent, 7.3.4 'waitingforkey') as the polyfill fires them.
 * Where the platform has MediaEncryptedEvent (Chromium, Firefox) its constructor is used, so pages see the same class
 * a native CDM would give them; elsewhere (WebKitGTK: no EME) a stand-in with the same members.
 */
export class ClearKeyMediaEncryptedEvent extends Event {
  readonly initDataType: string;
  readonly initData: ArrayBuffer | null;
  constructor(type: string, init: MediaEncryptedEventInit = {}) {
    super(type, init);
    this.initDataType = init.initDataType ?? '';
    this.initData = init.initData ?? null;
  }

  get [Symbol.toStringTag](): string {
    return 'MediaEncryptedEvent';
  }
}

/** An 'encrypted' event carrying `initData` (a copy) of `initDataType`. */
export function encryptedEvent(initDataType: string, initData: Uint8Array): Event {
  const Ctor = (globalThis as { MediaEncryptedEvent?: typeof MediaEncryptedEvent }).MediaEncryptedEvent;
  const init: MediaEncryptedEventInit = { initDataType, initData: initData.slice().buffer };
  return Ctor ? new Ctor('encrypted', init) : new ClearKeyMediaEncryptedEvent('encrypted', init);
}
