// Optional page code, plain JavaScript: it only shows the element's state. The element itself needs nothing but
// dist/secure-video.js and its attributes; its events are ordinary DOM events, listened to before it is even defined.
const video = document.querySelector('secure-video');
const drmState = document.querySelector('#drm-state');
const cdm = document.querySelector('#cdm');
const problem = document.querySelector('#problem');

function report(text) {
  problem.textContent = text;
  problem.hidden = false;
}

video.addEventListener('drmstatechange', (event) => {
  drmState.value = event.detail.state;
  cdm.value = video.cdm ?? 'none yet';
});
video.addEventListener('drmerror', (event) =>
  report(`DRM error ${event.detail.error.code}: ${event.detail.error.message}`),
);
video.addEventListener('error', () => report(`Playback error: ${video.error?.message}`));
// By 'load' every module script of the page has run: no element class then means the bundle did not load.
window.addEventListener('load', () => {
  if (!customElements.get('secure-video')) report('dist/secure-video.js did not load. Run `npm run build` first.');
});
