// shaka-player from its own dist/ scripts (UMD and es2021 builds) in plain pages with the BUILT polyfill, in both
// install orders and from the ES module entry (test/polyfill/dist-pages.ts says how the pages run).
import { expect } from '@open-wc/testing';
import { licenseStats, licenseUrl, uniqueId } from '../helpers/license-server.js';
import { TARGET, fixture, keysOf, playsWithLicenseServer, requireBuild, runPage } from './dist-pages.js';

before(requireBuild);

describe('dist pages: shaka-player from its dist/ scripts with the built polyfill', () => {
  for (const name of ['cenc', 'cbcs']) {
    it(`UMD build, polyfill script first, install() then shaka.polyfill.installAll(): plays ${name} with the license server`, async () => {
      await playsWithLicenseServer('shaka-umd.html', await fixture(name));
    });
  }

  it('UMD build: plays cenc with drm.clearKeys, no license request', async () => {
    const cenc = await fixture('cenc');
    const id = uniqueId('dist-clearkeys');
    const result = await runPage('shaka-umd.html', {
      fixture: 'cenc',
      drm: 'clearKeys',
      license: licenseUrl(id),
      keys: JSON.stringify(await keysOf(cenc)),
    });
    expect(result.error).to.equal(undefined);
    expect(result.currentTime).to.be.greaterThan(TARGET);
    expect(result.frames).to.be.greaterThan(0);
    expect(result.bundled).to.equal(true);
    expect(result.decryptThread).to.equal('worker');
    expect((await licenseStats(id)).requests).to.equal(0);
  });

  it('UMD build, player script first, shaka.polyfill.installAll() then install(): plays cenc through the polyfill', async () => {
    await playsWithLicenseServer('shaka-umd-player-first.html', await fixture('cenc'));
  });

  it('es2021 build as a classic script: plays cenc with the license server', async () => {
    await playsWithLicenseServer('shaka-es2021.html', await fixture('cenc'));
  });

  it('polyfill as an ES module (import map to dist/polyfill/index.js), UMD player: plays cenc', async () => {
    await playsWithLicenseServer('shaka-esm.html', await fixture('cenc'));
  });
});
