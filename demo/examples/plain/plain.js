// Plain JavaScript, no build step: `secure-video/define` resolves through the page's import map to the built package.
const video = document.querySelector('secure-video');
const drmState = document.querySelector('#drm-state');
const cdm = document.querySelector('#cdm');
const problem = document.querySelector('#problem');

function report(text) {
  problem.textContent = text;
  problem.hidden = false;
}

import('secure-video/define').then(
  () => {
    // Rich configuration goes in the `drm` property; the element reloads when it changes.
    video.drm = {
      keySystems: { 'org.w3.clearkey': { licenseUrl: '/license?id=example-plain' } },
    };
    video.addEventListener('drmstatechange', (event) => {
      drmState.value = event.detail.state;
      cdm.value = video.cdm ?? 'none yet';
    });
    video.addEventListener('drmerror', (event) =>
      report(`DRM error ${event.detail.error.code}: ${event.detail.error.message}`),
    );
    video.addEventListener('error', () => report(`Playback error: ${video.error?.message}`));
    video.src = '/test/fixtures/cenc/manifest.mpd';
  },
  (error) => report(`The built package did not load (${error.message}). Run \`npm run build\` first.`),
);
