// hls.js and dash.js from their own dist/ files in plain pages with the BUILT polyfill (test/polyfill/dist-pages.ts
// says how the pages run).
import { fixture, playsWithLicenseServer, requireBuild } from './dist-pages.js';

before(requireBuild);

describe('dist pages: hls.js from its dist/ files with the built polyfill', () => {
  it('hls.min.js after a script that calls install() (not awaited): plays cenc with the license server', async () => {
    await playsWithLicenseServer('hls.html', await fixture('cenc'));
  });

  it('hls.mjs imported after await installClearKeyPolyfill() from dist/polyfill/index.js: plays cenc', async () => {
    await playsWithLicenseServer('hls-esm.html', await fixture('cenc'));
  });
});

describe('dist pages: dash.js from its dist/ modern UMD build with the built polyfill', () => {
  it('dash.all.min.js: plays cenc with the license server', async () => {
    await playsWithLicenseServer('dash.html', await fixture('cenc'));
  });
});
