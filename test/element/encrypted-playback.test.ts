import { expect, fixture, html } from '@open-wc/testing';
import '../../src/define.js';
import type { SecureVideo } from '../../src/index.js';
import { LoadStatus } from '../../src/index.js';
import { playedPast, until } from '../helpers/events.js';

const hasNativeEme = typeof navigator.requestMediaKeySystemAccess === 'function';

function loaded(el: SecureVideo): Promise<unknown> {
  return el.status === LoadStatus.LOADED
    ? Promise.resolve()
    : until(el, 'statuschange', () => el.status === LoadStatus.LOADED || el.status === LoadStatus.ERROR);
}

for (const fallback of ['auto', 'always'] as const) {
  describe(`<secure-video> encrypted DASH, fallback=${fallback}`, () => {
    it('plays cenc with a license server', async () => {
      const el = await fixture<SecureVideo>(
        html`<secure-video
          muted
          fallback=${fallback}
          license-url="/license"
          src="/test/fixtures/cenc/manifest.mpd"
        ></secure-video>`,
      );
      await loaded(el);
      expect(el.error, String(el.error?.message)).to.equal(null);
      await el.play();
      await playedPast(el, 1.5);
      expect(el.cdm).to.equal(fallback === 'always' || !hasNativeEme ? 'bundled' : 'native');
      expect(el.drmState).to.equal('usable');
      expect(el.getAttribute('drm-state')).to.equal('usable');
    });
  });
}
