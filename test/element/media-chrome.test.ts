import { expect, fixture, html } from '@open-wc/testing';
import 'media-chrome';
import '../../src/define.js';
import type { SecureVideo } from '../../src/index.js';
import { playedPast, until } from '../helpers/events.js';

/** Resolves once `name` is present (or absent) on `node`: media-chrome sets state attributes without events. */
function attribute(node: Element, name: string, present: boolean): Promise<void> {
  return new Promise((resolve) => {
    const check = (): boolean => node.hasAttribute(name) === present;
    if (check()) return resolve();
    const observer = new MutationObserver(() => {
      if (!check()) return;
      observer.disconnect();
      resolve();
    });
    observer.observe(node, { attributes: true, attributeFilter: [name] });
  });
}

describe('<secure-video> in media-chrome', () => {
  it('plays as slot="media" of <media-controller>, from its play button, encrypted (cenc, license server)', async () => {
    const controller = await fixture<HTMLElement>(html`
      <media-controller>
        <secure-video slot="media" muted license-url="/license" src="/test/fixtures/cenc/manifest.mpd"></secure-video>
        <media-control-bar>
          <media-play-button></media-play-button>
          <media-time-display></media-time-display>
        </media-control-bar>
      </media-controller>
    `);
    const el = controller.querySelector<SecureVideo>('secure-video')!;
    const button = controller.querySelector<HTMLElement>('media-play-button')!;
    if (el.status !== 'loaded') await until(el, 'statuschange', () => el.status === 'loaded');
    // The controller pushes the media's state down to its controls as attributes; the button acts on it.
    await attribute(button, 'mediapaused', true);
    const playing = until(el, 'playing');
    button.click();
    await playing;
    await playedPast(el, 1);
    expect(el.drmState).to.equal('usable');
    expect(el.paused).to.equal(false);
    await attribute(button, 'mediapaused', false);
    const paused = until(el, 'pause');
    button.click();
    await paused;
    expect(el.paused).to.equal(true);
    await attribute(button, 'mediapaused', true);
  });
});
