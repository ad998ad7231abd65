import { expect, fixture, html } from '@open-wc/testing';
import '../../src/define.js';
import type { SecureVideo } from '../../src/index.js';
import { DrmErrorCode, LoadStatus } from '../../src/index.js';
import { playedPast, until } from '../helpers/events.js';
import { KID, licenseStats, licenseUrl, uniqueId } from '../helpers/license-server.js';

/**
 * test/fixtures/multi-variant: one video packaged twice, representation 0 under KID video (200 kb/s) and
 * representation 2 under KID video-2 (declared 400 kb/s, the one shaka's ABR picks first), plus audio. The license
 * server's `restrict:KID` switch gives a key secure-video's output requirement (`minHdcpVersion`, src/cdm/license.ts):
 * the bundled CDM makes it 'output-restricted'; a browser's own Clear Key ignores the member.
 */
const MPD = '/test/fixtures/multi-variant/manifest.mpd';
const hasNativeEme = typeof navigator.requestMediaKeySystemAccess === 'function';

/** Media segments of the multi-variant fixture fetched since the last clearResourceTimings(), by representation. */
function segmentsFetched(): Record<'0' | '1' | '2', string[]> {
  const out: Record<'0' | '1' | '2', string[]> = { '0': [], '1': [], '2': [] };
  for (const e of performance.getEntriesByType('resource')) {
    const m = /\/multi-variant\/(seg-([012])-\d+\.m4s)$/.exec(new URL(e.name).pathname);
    if (m) out[m[2] as '0' | '1' | '2'].push(m[1]!);
  }
  return out;
}

function settled(el: SecureVideo): Promise<unknown> {
  return el.status === LoadStatus.LOADED || el.status === LoadStatus.ERROR
    ? Promise.resolve()
    : until(el, 'statuschange', () => el.status === LoadStatus.LOADED || el.status === LoadStatus.ERROR);
}

async function element(fallback: 'auto' | 'always', license: string): Promise<SecureVideo> {
  performance.clearResourceTimings();
  return fixture<SecureVideo>(
    html`<secure-video muted fallback=${fallback} license-url=${license} src=${MPD}></secure-video>`,
  );
}

describe('<secure-video> drops the variants of restricted keys', () => {
  it('without restriction, playback starts on the higher variant (representation 2)', async () => {
    const el = await element('always', licenseUrl(uniqueId('mv')));
    await settled(el);
    await el.play();
    await playedPast(el, 1.5);
    expect(segmentsFetched()['2'], 'representation 2 segments').to.have.length.greaterThan(0);
    expect(el.keyStatuses.get(KID.video2)).to.equal('usable');
  });

  it('bundled CDM: the variant needing an output-restricted key is dropped and playback goes on with the other', async () => {
    const el = await element('always', licenseUrl(uniqueId('mv'), `restrict:${KID.video2}`));
    await settled(el);
    expect(el.error, String(el.error?.message)).to.equal(null);
    await el.play();
    // Past the last segment boundary: everything presented after the restriction came from representation 0 (the
    // restricted key decrypts nothing in the bundled CDM, so representation 2 could not have played).
    await playedPast(el, 3.2);
    expect(el.keyStatuses.get(KID.video2)).to.equal('output-restricted');
    expect(el.keyStatuses.get(KID.video)).to.equal('usable');
    expect(el.keyStatuses.get(KID.audio)).to.equal('usable');
    expect(el.drmState).to.equal('usable');
    expect(el.drmError).to.equal(null);
    expect(el.overlay).to.equal('none');
    expect(segmentsFetched()['0'], 'representation 0 segments').to.include('seg-0-4.m4s');
  });

  it('bundled CDM: when every video variant is restricted, drmState is output-restricted with NO_PLAYABLE_VARIANT', async () => {
    const el = await element('always', licenseUrl(uniqueId('mv'), `restrict:${KID.video2}`, `restrict:${KID.video}`));
    const unplayable = () => el.drmError?.code === DrmErrorCode.NO_PLAYABLE_VARIANT;
    if (!unplayable()) await until(el, 'drmerror', unplayable);
    if (!el.keyStatuses.has(KID.audio)) await until(el, 'keystatuseschange', () => el.keyStatuses.has(KID.audio));
    expect(el.drmState).to.equal('output-restricted');
    // The audio key stays usable, yet nothing can be presented: the state says so, not 'usable'.
    expect(el.keyStatuses.get(KID.audio)).to.equal('usable');
    expect(el.drmError?.code).to.equal(DrmErrorCode.NO_PLAYABLE_VARIANT);
    expect(el.drmError?.data['kids']).to.have.members([KID.video2, KID.video]);
    expect(el.getAttribute('drm-state')).to.equal('output-restricted');
    await el.updateComplete;
    expect(el.overlay).to.equal('output-restricted');
    const overlay = el.shadowRoot!.querySelector<HTMLElement>('[part~="output-restricted"]')!;
    expect(overlay.hidden).to.equal(false);
    expect(overlay.getAttribute('role')).to.equal('alert');
  });

  if (hasNativeEme) {
    it('native Clear Key ignores the output requirement: the same license keeps every variant playable', async () => {
      const id = uniqueId('mv');
      const el = await element('auto', licenseUrl(id, `restrict:${KID.video2}`));
      await settled(el);
      await el.play();
      await playedPast(el, 1.5);
      expect(el.cdm).to.equal('native');
      expect(el.keyStatuses.get(KID.video2)).to.equal('usable');
      expect(el.drmState).to.equal('usable');
      expect(segmentsFetched()['2'], 'representation 2 segments').to.have.length.greaterThan(0);
      expect((await licenseStats(id)).licenses).to.be.greaterThan(0);
    });
  } else {
    it('WebKit has no EME of its own: the same license restricts the key in the bundled CDM (fallback=auto)', async () => {
      const el = await element('auto', licenseUrl(uniqueId('mv'), `restrict:${KID.video2}`));
      await settled(el);
      await el.play();
      await playedPast(el, 1.5);
      expect(el.cdm).to.equal('bundled');
      expect(el.keyStatuses.get(KID.video2)).to.equal('output-restricted');
      expect(el.drmState).to.equal('usable');
    });
  }
});
