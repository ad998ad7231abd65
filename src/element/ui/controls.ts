/**
 * The built-in controls (the `controls` attribute): native buttons and range inputs, so every control is focusable and
 * operable from the keyboard (Enter / Space on buttons, arrow keys, Home / End on the sliders) with nothing re-invented.
 * Button faces are SVG icons in named slots (./icons.ts).
 */
import { html, nothing } from 'lit';
import type { TemplateResult } from 'lit';
import type { SecureVideoMessages } from '../messages.js';
import { icon, IconSlot } from './icons.js';

/** The events on the inner <video> after which the controls show something new. */
export const CONTROL_EVENTS = [
  'play',
  'pause',
  'timeupdate',
  'durationchange',
  'volumechange',
  'loadedmetadata',
  'loadeddata',
  'emptied',
  'seeked',
  'enterpictureinpicture',
  'leavepictureinpicture',
] as const;

/** What the controls act on: the element (for full screen) and its inner video. */
export interface ControlsHost {
  media: HTMLVideoElement;
  host: HTMLElement;
  text: SecureVideoMessages;
}

/** 75 -> "1:15", 3725 -> "1:02:05"; "0:00" for what is not a finite time (no media, live). */
export function formatTime(seconds: number): string {
  const total = Number.isFinite(seconds) && seconds > 0 ? Math.floor(seconds) : 0;
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** Fills `{name}` placeholders of a message. */
export function fill(message: string, values: Record<string, string>): string {
  return message.replace(/\{(\w+)\}/g, (whole, name: string) => values[name] ?? whole);
}

/** Seconds an arrow key moves the seek bar; Page Up / Page Down move a tenth of the duration. */
export const SEEK_STEP_SECONDS = 5;

/**
 * Keys of the seek bar, handled here: a range with step="any" moves by a browser-defined amount on arrow keys (none at
 * all in some), and a media timeline wants steps in seconds. The slider keys of WAI-ARIA APG's slider pattern.
 */
function seekByKey(event: KeyboardEvent, media: HTMLMediaElement, duration: number): void {
  const page = duration / 10;
  const target: Record<string, number> = {
    ArrowRight: media.currentTime + SEEK_STEP_SECONDS,
    ArrowUp: media.currentTime + SEEK_STEP_SECONDS,
    ArrowLeft: media.currentTime - SEEK_STEP_SECONDS,
    ArrowDown: media.currentTime - SEEK_STEP_SECONDS,
    PageUp: media.currentTime + page,
    PageDown: media.currentTime - page,
    Home: 0,
    End: duration,
  };
  const time = target[event.key];
  if (time === undefined || duration === 0 || media.readyState === HTMLMediaElement.HAVE_NOTHING) return;
  event.preventDefault();
  media.currentTime = Math.max(0, Math.min(duration, time));
}

function pictureInPictureSupported(media: HTMLVideoElement): boolean {
  return document.pictureInPictureEnabled === true && typeof media.requestPictureInPicture === 'function';
}

function fullscreenSupported(): boolean {
  return document.fullscreenEnabled === true;
}

export function renderControls({ media, host, text }: ControlsHost): TemplateResult {
  const duration = Number.isFinite(media.duration) ? media.duration : 0;
  const current = Math.min(media.currentTime, duration);
  const times = { current: formatTime(current), duration: formatTime(duration) };
  const muted = media.muted || media.volume === 0;
  const fullscreen = document.fullscreenElement === host;
  const pip = document.pictureInPictureElement === media;
  // Rejections (autoplay policy, no fullscreen permission) leave the state as it is; the button shows that state.
  const ignore = (p: Promise<unknown> | undefined) => void p?.catch(() => undefined);
  return html`<div part="controls" class="controls" role="group" aria-label=${text.controls}>
    <button
      part="button play-button"
      type="button"
      aria-label=${media.paused ? text.play : text.pause}
      @click=${() => (media.paused ? ignore(media.play()) : media.pause())}
    >
      ${icon(media.paused ? IconSlot.PLAY : IconSlot.PAUSE)}
    </button>
    <input
      part="range seek"
      class="seek"
      type="range"
      min="0"
      max=${duration}
      step="any"
      aria-label=${text.seek}
      aria-valuetext=${fill(text.seekValue, times)}
      .value=${String(current)}
      ?disabled=${duration === 0 || media.readyState === HTMLMediaElement.HAVE_NOTHING}
      @input=${(e: Event) => (media.currentTime = Number((e.target as HTMLInputElement).value))}
      @keydown=${(e: KeyboardEvent) => seekByKey(e, media, duration)}
    />
    <span part="time" class="time">${fill(text.time, times)}</span>
    <button
      part="button mute-button"
      type="button"
      aria-label=${muted ? text.unmute : text.mute}
      @click=${() => {
        media.muted = !muted;
        if (!media.muted && media.volume === 0) media.volume = 1;
      }}
    >
      ${icon(muted ? IconSlot.MUTED : IconSlot.UNMUTED)}
    </button>
    <input
      part="range volume"
      class="volume"
      type="range"
      min="0"
      max="1"
      step="0.05"
      aria-label=${text.volume}
      aria-valuetext=${`${Math.round((muted ? 0 : media.volume) * 100)} %`}
      .value=${String(muted ? 0 : media.volume)}
      @input=${(e: Event) => {
        media.volume = Number((e.target as HTMLInputElement).value);
        media.muted = media.volume === 0;
      }}
    />
    ${
      pictureInPictureSupported(media)
        ? html`<button
            part="button pip-button"
            type="button"
            aria-label=${pip ? text.exitPictureInPicture : text.enterPictureInPicture}
            @click=${() => ignore(pip ? document.exitPictureInPicture() : media.requestPictureInPicture())}
          >
            ${icon(IconSlot.PIP)}
          </button>`
        : nothing
    }
    ${
      fullscreenSupported()
        ? html`<button
            part="button fullscreen-button"
            type="button"
            aria-label=${fullscreen ? text.exitFullscreen : text.enterFullscreen}
            @click=${() => ignore(fullscreen ? document.exitFullscreen() : host.requestFullscreen())}
          >
            ${icon(fullscreen ? IconSlot.FULLSCREEN_EXIT : IconSlot.FULLSCREEN_ENTER)}
          </button>`
        : nothing
    }
  </div>`;
}
