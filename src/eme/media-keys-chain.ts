/**
 * setMediaKeys() calls on media elements, one after the other: EME 7.2 setMediaKeys() rejects while another call on
 * the same element is in progress, and a detach of an old run must not land after the next run's attach.
 */
export class MediaKeysChain {
  #chain: Promise<unknown> = Promise.resolve();

  /** Sets `mediaKeys` on `media` once every earlier call has settled; rejects as setMediaKeys() does. */
  set(media: HTMLMediaElement, mediaKeys: MediaKeys | null): Promise<void> {
    const next = this.#chain.then(() => media.setMediaKeys(mediaKeys));
    this.#chain = next.catch(() => {});
    return next;
  }

  /** Takes `mediaKeys` off `media` if it is still there when the chain gets to it (never another run's). Never rejects. */
  detach(media: HTMLMediaElement, mediaKeys: MediaKeys): Promise<void> {
    const next = this.#chain.then(() => (media.mediaKeys === mediaKeys ? media.setMediaKeys(null) : undefined));
    this.#chain = next.catch(() => {});
    return next.catch(() => {});
  }
}
