import { expect, fixture, html } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../../src/define.js';
import type { SecureVideo } from '../../src/index.js';
import { playedPast, until } from '../helpers/events.js';

const CLEAR_DASH = '/test/fixtures/clear/manifest.mpd';

function part<T extends HTMLElement>(el: SecureVideo, name: string): T | null {
  return el.shadowRoot!.querySelector<T>(`[part~="${name}"]`);
}

async function loadedWithControls(): Promise<SecureVideo> {
  const el = await fixture<SecureVideo>(html`<secure-video muted controls src=${CLEAR_DASH}></secure-video>`);
  if (el.status !== 'loaded') await until(el, 'statuschange', () => el.status === 'loaded');
  // Media data to seek in (WebKit reports the duration before it has any; a seek then goes nowhere).
  if (el.readyState < HTMLMediaElement.HAVE_FUTURE_DATA) await until(el, 'canplay');
  await el.updateComplete;
  return el;
}

/** Focuses a control and presses a key on it, as a keyboard user would (real input events from the driver). */
async function press(control: HTMLElement, key: string): Promise<void> {
  control.focus();
  await sendKeys({ press: key });
}

describe('<secure-video> built-in controls', () => {
  it('shows no controls without the attribute, and never the browser controls', async () => {
    const el = await fixture<SecureVideo>(html`<secure-video muted></secure-video>`);
    expect(part(el, 'controls')).to.equal(null);
    el.controls = true;
    await el.updateComplete;
    expect(part(el, 'controls')).not.to.equal(null);
    expect(el.media.controls).to.equal(false);
    expect(el.media.hasAttribute('controls')).to.equal(false);
  });

  it('labels every control and passes the accessibility check', async () => {
    const el = await loadedWithControls();
    const bar = part(el, 'controls')!;
    expect(bar.getAttribute('role')).to.equal('group');
    expect(bar.getAttribute('aria-label')).to.equal('Video controls');
    expect(part(el, 'play-button')!.getAttribute('aria-label')).to.equal('Play');
    expect(part(el, 'mute-button')!.getAttribute('aria-label')).to.equal('Unmute');
    expect(part(el, 'seek')!.getAttribute('aria-label')).to.equal('Seek');
    expect(part(el, 'seek')!.getAttribute('aria-valuetext')).to.equal('0:00 of 0:04');
    expect(part(el, 'volume')!.getAttribute('aria-label')).to.equal('Volume');
    expect(part(el, 'time')!.textContent!.trim()).to.equal('0:00 / 0:04');
    // Picture in picture and full screen appear where the browser offers them (Firefox has no PiP API).
    expect(part(el, 'pip-button') !== null).to.equal(document.pictureInPictureEnabled === true);
    expect(part(el, 'fullscreen-button') !== null).to.equal(document.fullscreenEnabled === true);
    for (const control of el.shadowRoot!.querySelectorAll('[part~="controls"] button, [part~="controls"] input')) {
      expect(control.getAttribute('aria-label'), control.outerHTML).to.be.a('string').and.not.equal('');
    }
    await expect(el).to.be.accessible();
  });

  it('draws every button as an SVG icon in currentColor (no text glyph), each replaceable through its slot', async () => {
    const el = await loadedWithControls();
    el.style.setProperty('--secure-video-color', 'rgb(10, 20, 30)');
    const buttons = [...el.shadowRoot!.querySelectorAll<HTMLButtonElement>('[part~="controls"] button')];
    expect(buttons.length).to.be.at.least(2);
    const slots: string[] = [];
    for (const button of buttons) {
      const name = button.getAttribute('part')!;
      // A text glyph needs a font that has it (no emoji font: an empty box); an SVG needs none.
      expect(button.textContent!.trim(), name).to.equal('');
      const slot = button.querySelector('slot')!;
      slots.push(slot.name);
      const icon = slot.querySelector('svg')!;
      expect(icon.getAttribute('part'), name).to.equal(`icon ${slot.name}`);
      const box = icon.getBoundingClientRect();
      expect(box.width * box.height, `${name}: its icon has a box`).to.be.above(0);
      const drawn = icon.getBBox();
      expect(drawn.width * drawn.height, `${name}: its icon's shapes cover an area`).to.be.above(0);
      // Every shape paints in the controls' colour (currentColor), by fill or by stroke.
      for (const shape of icon.querySelectorAll('path')) {
        const style = getComputedStyle(shape);
        expect([style.fill, style.stroke], name).to.include('rgb(10, 20, 30)');
      }
    }
    // Paused and muted: the play and unmute faces.
    expect(slots.slice(0, 2)).to.deep.equal(['play-icon', 'muted-icon']);

    const mine = document.createElement('span');
    mine.slot = 'play-icon';
    mine.textContent = 'P';
    el.append(mine);
    await el.updateComplete;
    const slot = part(el, 'play-button')!.querySelector('slot')!;
    expect(slot.assignedElements()).to.deep.equal([mine]);
    // The page's icon is drawn in the button, at the icon size; the default one is not drawn at all.
    const size = mine.getBoundingClientRect();
    expect([size.width, size.height]).to.deep.equal([21, 21]);
    expect(slot.querySelector('svg')!.getBoundingClientRect().width).to.equal(0);
  });

  it('plays and pauses from the keyboard (Enter, Space)', async () => {
    const el = await loadedWithControls();
    const button = part<HTMLButtonElement>(el, 'play-button')!;
    const playing = until(el, 'playing');
    await press(button, 'Enter');
    await playing;
    await playedPast(el, 0.3);
    await el.updateComplete;
    expect(button.getAttribute('aria-label')).to.equal('Pause');
    const paused = until(el, 'pause');
    await press(button, ' ');
    await paused;
    await el.updateComplete;
    expect(el.paused).to.equal(true);
    expect(button.getAttribute('aria-label')).to.equal('Play');
    await expect(el).to.be.accessible();
  });

  it('mutes, unmutes and sets the volume from the keyboard', async () => {
    const el = await loadedWithControls();
    const mute = part<HTMLButtonElement>(el, 'mute-button')!;
    let change = until(el, 'volumechange');
    await press(mute, 'Enter');
    await change;
    await el.updateComplete;
    expect(el.muted).to.equal(false);
    expect(mute.getAttribute('aria-label')).to.equal('Mute');
    const volume = part<HTMLInputElement>(el, 'volume')!;
    const before = el.volume;
    change = until(el, 'volumechange');
    await press(volume, 'ArrowLeft');
    await change;
    expect(el.volume).to.be.lessThan(before);
    change = until(el, 'volumechange', () => el.volume === 0);
    await press(volume, 'Home');
    await change;
    await el.updateComplete;
    expect(el.muted).to.equal(true);
    expect(mute.getAttribute('aria-label')).to.equal('Unmute');
    expect(volume.getAttribute('aria-valuetext')).to.equal('0 %');
  });

  it('seeks from the keyboard: Page Up / Page Down by a tenth, Home to the start', async () => {
    const el = await loadedWithControls();
    const seek = part<HTMLInputElement>(el, 'seek')!;
    const tenth = el.duration / 10;
    // The fixture lasts 4 s, shorter than an arrow key's 5 s step: the page keys stay inside it.
    let seeked = until(el, 'seeked', () => el.currentTime > 0);
    await press(seek, 'PageUp');
    await seeked;
    expect(el.currentTime).to.be.closeTo(tenth, 0.01);
    seeked = until(el, 'seeked', () => el.currentTime > tenth + 0.01);
    await press(seek, 'PageUp');
    await seeked;
    expect(el.currentTime).to.be.closeTo(2 * tenth, 0.01);
    seeked = until(el, 'seeked', () => el.currentTime < 2 * tenth - 0.01);
    await press(seek, 'PageDown');
    await seeked;
    expect(el.currentTime).to.be.closeTo(tenth, 0.01);
    seeked = until(el, 'seeked', () => el.currentTime === 0);
    await press(seek, 'Home');
    await seeked;
    await el.updateComplete;
    expect(Number(seek.value)).to.equal(0);
    expect(seek.getAttribute('aria-valuetext')).to.equal('0:00 of 0:04');
  });

  it('enters and leaves full screen from the keyboard where the browser allows it', async () => {
    const el = await loadedWithControls();
    const button = part<HTMLButtonElement>(el, 'fullscreen-button');
    // Present exactly where document.fullscreenEnabled (checked above); nothing to press elsewhere.
    if (!document.fullscreenEnabled) {
      expect(button).to.equal(null);
      return;
    }
    let change = until(el, 'fullscreenchange');
    await press(button!, 'Enter');
    await change;
    await el.updateComplete;
    expect(document.fullscreenElement).to.equal(el);
    expect(button!.getAttribute('aria-label')).to.equal('Exit full screen');
    expect(button!.querySelector('slot')!.name).to.equal('fullscreen-exit-icon');
    change = until(el, 'fullscreenchange');
    await press(button!, 'Enter');
    await change;
    await el.updateComplete;
    expect(document.fullscreenElement).to.equal(null);
    expect(button!.getAttribute('aria-label')).to.equal('Full screen');
    expect(button!.querySelector('slot')!.name).to.equal('fullscreen-enter-icon');
  });

  it('localises the labels through messages', async () => {
    const el = await loadedWithControls();
    el.messages = { play: 'Wiedergabe', controls: 'Videosteuerung', seekValue: '{current} von {duration}' };
    await el.updateComplete;
    expect(part(el, 'play-button')!.getAttribute('aria-label')).to.equal('Wiedergabe');
    expect(part(el, 'controls')!.getAttribute('aria-label')).to.equal('Videosteuerung');
    expect(part(el, 'seek')!.getAttribute('aria-valuetext')).to.equal('0:00 von 0:04');
  });
});
