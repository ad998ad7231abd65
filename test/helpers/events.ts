/**
 * Resolves with the first `type` event on `target` for which `predicate` holds (every event when no
 * predicate). Tests wait on events, never on sleeps; mocha's timeout catches what never comes.
 */
export function until<E extends Event = Event>(
  target: EventTarget,
  type: string,
  predicate: (event: E) => boolean = () => true,
): Promise<E> {
  return new Promise((resolve) => {
    const listener = (event: Event) => {
      if (!predicate(event as E)) return;
      target.removeEventListener(type, listener);
      resolve(event as E);
    };
    target.addEventListener(type, listener);
  });
}

/** Resolves once the media element's currentTime has moved past `seconds` (playback really advances). */
export function playedPast(media: EventTarget & { currentTime: number }, seconds: number): Promise<Event> {
  return media.currentTime > seconds
    ? Promise.resolve(new Event('timeupdate'))
    : until(media, 'timeupdate', () => media.currentTime > seconds);
}
