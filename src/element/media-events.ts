/**
 * The HTMLMediaElement events the inner <video> fires that the host re-dispatches, so pages and control
 * UIs (e.g. media-chrome's <media-controller>) can listen on <secure-video> as on a <video>. Media events
 * neither bubble nor cross the shadow boundary, hence the re-dispatch.
 */
export const MEDIA_EVENTS = [
  'abort',
  'canplay',
  'canplaythrough',
  'durationchange',
  'emptied',
  'encrypted',
  'ended',
  'loadeddata',
  'loadedmetadata',
  'loadstart',
  'pause',
  'play',
  'playing',
  'progress',
  'ratechange',
  'resize',
  'seeked',
  'seeking',
  'stalled',
  'suspend',
  'timeupdate',
  'volumechange',
  'waiting',
  'waitingforkey',
  'enterpictureinpicture',
  'leavepictureinpicture',
] as const;

/** Makes a copy of a media event fit to dispatch from the host (an event can be dispatched only once). */
export function cloneMediaEvent(event: Event): Event {
  if (event.type === 'encrypted' && typeof MediaEncryptedEvent === 'function') {
    const e = event as MediaEncryptedEvent;
    return new MediaEncryptedEvent('encrypted', { initDataType: e.initDataType, initData: e.initData });
  }
  return new Event(event.type, { bubbles: false, cancelable: event.cancelable, composed: false });
}
