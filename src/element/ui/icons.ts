/**
 * The icons of the built-in controls: inline SVG drawn in `currentColor`, so they render with no font at all (text
 * glyphs such as 🔇 and ⛶ need an emoji or symbol font that many systems lack, and showed as empty boxes there) and
 * take the controls' colour (`--secure-video-color`). Each sits in a named slot of its button, so a page replaces it
 * with its own (media-chrome's convention): `<svg slot="play-icon">...</svg>` as a child of `<secure-video>`.
 */
import { html, svg } from 'lit';
import type { SVGTemplateResult, TemplateResult } from 'lit';

/** The slot names of the icons, by what the button shows. */
export const IconSlot = {
  /** Play (shown while paused). */
  PLAY: 'play-icon',
  /** Pause (shown while playing). */
  PAUSE: 'pause-icon',
  /** Sound on (shown while not muted; the button mutes). */
  UNMUTED: 'unmuted-icon',
  /** Sound off (shown while muted; the button unmutes). */
  MUTED: 'muted-icon',
  /** Picture in picture (enter and leave). */
  PIP: 'pip-icon',
  /** Enter full screen. */
  FULLSCREEN_ENTER: 'fullscreen-enter-icon',
  /** Leave full screen. */
  FULLSCREEN_EXIT: 'fullscreen-exit-icon',
} as const;
export type IconSlot = (typeof IconSlot)[keyof typeof IconSlot];

// Drawn on a 24 x 24 grid: solids are filled, outlines stroked with round ends, both in currentColor. Attributes are
// written out (not styles) so that a drawing stands on its own.
const solid = (d: string) => svg`<path d=${d} fill="currentColor" />`;
const outline = (d: string) =>
  svg`<path d=${d} fill="none" stroke="currentColor" stroke-width="2" stroke-linecap="round" stroke-linejoin="round" />`;
const speaker = solid('M3 9.5v5h3.5L11 18.5v-13L6.5 9.5z');

const DRAWINGS: Record<IconSlot, SVGTemplateResult> = {
  [IconSlot.PLAY]: solid('M7 4.5v15L19.5 12z'),
  [IconSlot.PAUSE]: solid('M6 4.5h4v15H6zM14 4.5h4v15h-4z'),
  [IconSlot.UNMUTED]: svg`${speaker}${outline('M14.5 9a4 4 0 0 1 0 6M17 6.5a7.5 7.5 0 0 1 0 11')}`,
  [IconSlot.MUTED]: svg`${speaker}${outline('M15 9.5l5 5M20 9.5l-5 5')}`,
  [IconSlot.PIP]: svg`${outline('M4 4.5h16a1.5 1.5 0 0 1 1.5 1.5v12a1.5 1.5 0 0 1-1.5 1.5H4A1.5 1.5 0 0 1 2.5 18V6A1.5 1.5 0 0 1 4 4.5z')}${solid('M12 11.5h7v5.5h-7z')}`,
  [IconSlot.FULLSCREEN_ENTER]: outline('M4 9V4h5M15 4h5v5M20 15v5h-5M9 20H4v-5'),
  [IconSlot.FULLSCREEN_EXIT]: outline('M9 4v5H4M15 4v5h5M20 15h-5v5M4 15h5v5'),
};

/**
 * The icon `name` in its slot: the default drawing, or what the page put in that slot. `part="icon <name>"` styles
 * the default drawings from outside. Hidden from assistive technology: the button's label says what it does.
 */
export function icon(name: IconSlot): TemplateResult {
  return html`<slot name=${name}
    ><svg part="icon ${name}" class="icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      ${DRAWINGS[name]}
    </svg></slot
  >`;
}
