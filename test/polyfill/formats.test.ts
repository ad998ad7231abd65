// The fixtures in other packagers' layouts (tools/packager/formats.ts) through the polyfill: a plain EME + MSE page,
// no player, the bundled CDM decrypting what is appended.
import { expect } from '@open-wc/testing';
import { formatFixtures, playFormatFixture } from '../helpers/format-fixtures.js';
import { install, newVideo } from './helpers.js';

const all = await formatFixtures();

describe('polyfill: content in other packagers’ layouts (EME + MSE page)', () => {
  before(install);

  for (const f of all) {
    it(`${f.name}: plays`, async () => {
      const video = newVideo();
      try {
        // A Widevine-only pssh names no Clear Key key: Clear Key refuses it as 'cenc' init data (natively too), and
        // the page asks by the KID it knows, as a player does from the manifest's default_KID.
        const types = await playFormatFixture(f, video, { keyIdsWhenCencRefused: f.initData === 'widevine-pssh' });
        expect(types.length).to.be.greaterThan(0);
      } finally {
        video.remove();
      }
    });
  }
});
