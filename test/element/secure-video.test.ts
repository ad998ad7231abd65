import { expect, fixture, html, oneEvent } from '@open-wc/testing';
import '../../src/define.js';
import type { SecureVideo } from '../../src/index.js';
import { LoadStatus, PlaybackError, PlaybackErrorCode } from '../../src/index.js';
import { playedPast, until } from '../helpers/events.js';

const CLEAR_DASH = '/test/fixtures/clear/manifest.mpd';

function loaded(el: SecureVideo): Promise<unknown> {
  return el.status === LoadStatus.LOADED
    ? Promise.resolve()
    : until(el, 'statuschange', () => el.status === LoadStatus.LOADED);
}

describe('<secure-video> with a clear DASH stream', () => {
  it('is registered once and exposes the media element API', async () => {
    await import('../../src/define.js');
    const el = await fixture<SecureVideo>(html`<secure-video muted></secure-video>`);
    expect(customElements.get('secure-video')).to.equal(el.constructor);
    expect(el.status).to.equal(LoadStatus.EMPTY);
    expect(el.getAttribute('status')).to.equal('empty');
    expect(el.paused).to.equal(true);
    expect(el.muted).to.equal(true);
    expect(el.media.muted).to.equal(true);
    expect(el.shadowRoot!.querySelector('video')).to.equal(el.media);
  });

  it('keeps a muted property set before the first update', async () => {
    const el = document.createElement('secure-video');
    el.muted = true;
    document.body.append(el);
    await el.updateComplete;
    expect(el.muted).to.equal(true);
    expect(el.media.muted).to.equal(true);
    el.remove();
  });

  it('plays: reaches playing and currentTime advances', async () => {
    const el = await fixture<SecureVideo>(html`<secure-video muted src=${CLEAR_DASH}></secure-video>`);
    const playing = oneEvent(el, 'playing');
    await loaded(el);
    expect(el.status).to.equal(LoadStatus.LOADED);
    expect(el.duration).to.be.closeTo(4, 0.2);
    await el.play();
    await playing;
    await playedPast(el, 1);
    expect(el.currentTime).to.be.greaterThan(1);
    expect(el.error).to.equal(null);
    expect(el.shadowRoot!.querySelector('[part~="error"]')!.hasAttribute('hidden')).to.equal(true);
  });

  it('ends a manifest that does not exist in a visible error state and an error event', async () => {
    const el = await fixture<SecureVideo>(html`<secure-video muted></secure-video>`);
    const failed = oneEvent(el, 'error');
    el.src = '/test/fixtures/does-not-exist.mpd';
    await failed;
    await el.updateComplete;
    expect(el.status).to.equal(LoadStatus.ERROR);
    expect(el.getAttribute('status')).to.equal('error');
    expect(el.error).to.be.instanceOf(PlaybackError);
    expect(el.error!.code).to.equal(PlaybackErrorCode.NETWORK);
    expect(el.error!.message).to.contain('404');
    const overlay = el.shadowRoot!.querySelector<HTMLElement>('[part~="error"]')!;
    expect(overlay.hidden).to.equal(false);
    expect(overlay.getAttribute('role')).to.equal('alert');
    expect(overlay.textContent!.trim()).to.equal('This video could not be loaded.');
  });

  it('releases shaka and the MediaSource when removed mid-playback', async () => {
    const el = await fixture<SecureVideo>(html`<secure-video muted src=${CLEAR_DASH}></secure-video>`);
    await loaded(el);
    await el.play();
    await playedPast(el, 0.5);
    const video = el.media;
    // shaka attaches its MediaSource through a blob: URL (as a <source> child in shaka 5).
    expect(video.currentSrc).to.match(/^blob:/);
    const emptied = until(video, 'emptied');
    el.remove();
    await emptied;
    expect(video.getAttribute('src')).to.equal(null);
    expect(video.querySelectorAll('source')).to.have.length(0);
    expect(video.readyState).to.equal(HTMLMediaElement.HAVE_NOTHING);
    // No source left to select: the element loads nothing (NETWORK_NO_SOURCE until the load algorithm settles on EMPTY).
    expect(video.networkState).to.be.oneOf([HTMLMediaElement.NETWORK_EMPTY, HTMLMediaElement.NETWORK_NO_SOURCE]);
  });

  it('loads again when re-inserted after removal', async () => {
    const el = await fixture<SecureVideo>(html`<secure-video muted src=${CLEAR_DASH}></secure-video>`);
    await loaded(el);
    const parent = el.parentNode!;
    const emptied = until(el.media, 'emptied');
    el.remove();
    await emptied;
    parent.appendChild(el);
    await loaded(el);
    await el.play();
    await playedPast(el, 0.5);
  });

  it('keeps playing after a seek (shaka aborts the SourceBuffer to set timestampOffset)', async () => {
    const el = await fixture<SecureVideo>(html`<secure-video muted src=${CLEAR_DASH}></secure-video>`);
    await loaded(el);
    await el.play();
    await playedPast(el, 0.3);
    const seeked = until(el, 'seeked');
    el.currentTime = 2.2;
    await seeked;
    await playedPast(el, 2.6);
    expect(el.currentTime).to.be.greaterThan(2.6);
  });

  it('drops a superseded load: only the last src plays', async () => {
    const el = await fixture<SecureVideo>(html`<secure-video muted></secure-video>`);
    let errors = 0;
    el.addEventListener('error', () => errors++);
    el.src = '/test/fixtures/does-not-exist.mpd';
    await el.updateComplete;
    el.src = CLEAR_DASH;
    await loaded(el);
    await el.play();
    await playedPast(el, 0.5);
    expect(errors).to.equal(0);
    expect(el.status).to.equal(LoadStatus.LOADED);
  });
});
