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
    inset: 0;
    display: flex;
    align-items: center;
    justify-content: center;
    padding: 1em;
    text-align: center;
    background: var(--secure-video-overlay-background, rgb(0 0 0 / 0.75));
  }
  .overlay[hidden] {
    display: none;
  }
`;
