import { css } from 'lit';

export const styles = css`
  :host {
    display: block;
    position: relative;
    overflow: hidden;
    background: var(--secure-video-background, #000);
    color: var(--secure-video-color, #fff);
    font: var(--secure-video-font, 14px/1.4 system-ui, sans-serif);
    aspect-ratio: var(--secure-video-aspect-ratio, 16 / 9);
  }
  :host([hidden]) {
    display: none;
  }
  video {
    display: block;
    width: 100%;
    height: 100%;
    object-fit: var(--secure-video-object-fit, contain);
  }
  .overlay {
    position: absolute;
    display: flex;
    flex-direction: column;
    gap: 0.75em;
    align-items: center;
    justify-content: center;
    padding: 1em;
    text-align: center;
  }
  .overlay.blocking {
    inset: 0;
    background: var(--secure-video-overlay-background, rgb(0 0 0 / 0.75));
  }
  /* In progress: a banner over the video that leaves it visible and clickable. */
  .overlay.banner {
    top: 0.75em;
    left: 50%;
    transform: translateX(-50%);
    max-width: calc(100% - 1.5em);
    border-radius: 0.4em;
    padding: 0.4em 0.9em;
    background: var(--secure-video-banner-background, rgb(0 0 0 / 0.6));
    pointer-events: none;
    /* Fades in after a moment: a license that comes fast, or a wait that ends as the media resumes, shows no flash. */
    animation: secure-video-appear 0.2s ease-in var(--secure-video-banner-delay, 0.5s) backwards;
  }
  @keyframes secure-video-appear {
    from {
      opacity: 0;
    }
  }
  .overlay[hidden] {
    display: none;
  }
  button {
    font: inherit;
    color: inherit;
    cursor: pointer;
  }
  :focus-visible {
    outline: 2px solid var(--secure-video-accent-color, #3ea6ff);
    outline-offset: 2px;
  }
  .retry {
    padding: 0.4em 1.2em;
    border: 1px solid currentColor;
    border-radius: 0.3em;
    background: var(--secure-video-button-background, rgb(255 255 255 / 0.15));
  }
  /* Over the overlays, so a failure never hides the controls and the retry button stays reachable. */
  .controls {
    position: absolute;
    left: 0;
    right: 0;
    bottom: 0;
    z-index: 1;
    display: flex;
    align-items: center;
    gap: 0.5em;
    padding: 0.5em 0.75em;
    background: var(--secure-video-controls-background, linear-gradient(transparent, rgb(0 0 0 / 0.7)));
  }
  .controls button {
    min-width: 2em;
    min-height: 2em;
    border: 0;
    border-radius: 0.3em;
    background: transparent;
  }
  /* The icons: the default SVGs and whatever a page slots in their place, one size, centred in the button. */
  .controls button {
    display: inline-flex;
    align-items: center;
    justify-content: center;
    padding: 0.25em;
  }
  .icon,
  ::slotted([slot$='-icon']) {
    display: block;
    width: var(--secure-video-icon-size, 1.5em);
    height: var(--secure-video-icon-size, 1.5em);
  }
  .controls input[type='range'] {
    accent-color: var(--secure-video-accent-color, #3ea6ff);
  }
  .seek {
    flex: 1;
    min-width: 4em;
  }
  .volume {
    width: 5em;
  }
  .time {
    font-variant-numeric: tabular-nums;
    white-space: nowrap;
  }
`;
