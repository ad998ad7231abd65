/** Shared pieces of the polyfill tests: which browser, installing the polyfill the way each browser needs it. */
import { expect } from '@open-wc/testing';
import { installClearKeyPolyfill } from '../../src/polyfill/index.js';

export const isWebKit = !navigator.userAgent.includes('Firefox') && !navigator.userAgent.includes('Chrome');

/**
 * Installs the polyfill: in WebKit (no EME at all) without force, which must act; in Chromium and Firefox (native
 * Clear Key) with force: true.
 */
export async function install(): Promise<void> {
  expect(await installClearKeyPolyfill({ force: !isWebKit })).to.equal(true);
}

/**
 * Video frames the element decoded: proof that video, not only audio, was decrypted. (requestVideoFrameCallback
 * never calls back in WebKitGTK under Xvfb; the playback quality counters work in all three browsers.)
 */
export function decodedFrames(video: HTMLVideoElement): number {
  return video.getVideoPlaybackQuality().totalVideoFrames;
}

/** A muted video element in the document. */
export function newVideo(): HTMLVideoElement {
  const video = document.createElement('video');
  video.muted = true;
  document.body.append(video);
  return video;
}

/** Rejects with the media element's error when it fires 'error'. */
export function mediaFailure(video: HTMLMediaElement): Promise<never> {
  const p = new Promise<never>((_, reject) =>
    video.addEventListener('error', () =>
      reject(new Error(`media error ${video.error?.code}: ${video.error?.message}`)),
    ),
  );
  p.catch(() => undefined);
  return p;
}
