import { expect, fixture, html } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import '../../src/define.js';
import { SecureVideo } from '../../src/index.js';
import type { DrmConfig, LicenseOptions } from '../../src/index.js';
import { playedPast, until } from '../helpers/events.js';
import { KID, licenseStats, licenseUrl, uniqueId } from '../helpers/license-server.js';

function hexToBase64url(hex: string): string {
  const bytes = hex.match(/../g)!.map((h) => String.fromCharCode(parseInt(h, 16)));
  return btoa(bytes.join('')).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
import { keyStoreOf, requestClearKeyAccess } from '../../src/cdm/index.js';
import type { BundledCdm } from '../../src/eme/index.js';

const CENC = '/test/fixtures/cenc/manifest.mpd';
/** No retries and short backoff: a failure shows at once. */
const NO_RETRY: LicenseOptions = { retries: 0 };

/**
 * The stand-in for output restriction, which Clear Key never reports: the bundled CDM whose sessions show every key
 * as 'output-restricted' (decryption itself is untouched). Proxies keep the real objects' own `this`.
 */
function restrictingCdm(): BundledCdm {
  const real = new WeakMap<object, MediaKeys>();
  const bind = <T extends object>(target: T, prop: PropertyKey): unknown => {
    const value: unknown = Reflect.get(target, prop, target);
    return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
  };
  const restricted = (statuses: MediaKeyStatusMap): MediaKeyStatusMap =>
    new Proxy(statuses, {
      get: (target, prop) =>
        prop === 'forEach'
          ? (cb: (status: MediaKeyStatus, kid: BufferSource) => void) =>
              target.forEach((_status, kid) => cb('output-restricted', kid))
          : prop === 'get'
            ? (kid: BufferSource) => (target.has(kid) ? 'output-restricted' : undefined)
            : bind(target, prop),
    });
  const session = (s: MediaKeySession): MediaKeySession =>
    new Proxy(s, { get: (t, p) => (p === 'keyStatuses' ? restricted(t.keyStatuses) : bind(t, p)) });
  const mediaKeys = (keys: MediaKeys): MediaKeys => {
    const proxy = new Proxy(keys, {
      get: (t, p) =>
        p === 'createSession' ? (type?: MediaKeySessionType) => session(t.createSession(type)) : bind(t, p),
    });
    real.set(proxy, keys);
    return proxy;
  };
  return {
    requestClearKeyAccess: async (keySystem, configs) => {
      const access = await requestClearKeyAccess(keySystem, configs);
      return new Proxy(access, {
        get: (t, p) => (p === 'createMediaKeys' ? async () => mediaKeys(await t.createMediaKeys()) : bind(t, p)),
      });
    },
    keyStoreOf: (keys) => keyStoreOf((keys && real.get(keys as object)) ?? keys),
  };
}

/** Resolves once `el.overlay` is `name` (at once if it is). */
function overlayIs(el: SecureVideo, name: string): Promise<unknown> {
  return el.overlay === name ? Promise.resolve() : until(el, 'overlaychange', () => el.overlay === name);
}

/** The overlay that is not hidden; exactly one when `overlay` is not 'none'. */
function shownOverlays(el: SecureVideo): HTMLElement[] {
  return [...el.shadowRoot!.querySelectorAll<HTMLElement>('[part~="overlay"]')].filter((o) => !o.hidden);
}

/** What the shown overlay says: slotted content if the page gave some, else its default message. */
function shownText(el: SecureVideo): string {
  const [overlay] = shownOverlays(el);
  const slot = overlay!.querySelector('slot')!;
  const assigned = slot.assignedNodes({ flatten: true });
  const nodes = assigned.length ? assigned : [...slot.childNodes];
  return nodes
    .map((n) => n.textContent ?? '')
    .join('')
    .trim();
}

/** Checks the shown overlay: its name (attribute and part), text, role and live politeness, and axe. */
async function expectOverlay(el: SecureVideo, name: string, text: string, role: 'status' | 'alert'): Promise<void> {
  await el.updateComplete;
  expect(el.overlay).to.equal(name);
  expect(el.getAttribute('overlay')).to.equal(name);
  const shown = shownOverlays(el);
  expect(shown, 'one overlay shown').to.have.length(1);
  expect(shown[0]!.getAttribute('part')!.split(' ')).to.include.members(['overlay', name]);
  expect(shownText(el)).to.equal(text);
  expect(shown[0]!.getAttribute('role')).to.equal(role);
  expect(shown[0]!.getAttribute('aria-live')).to.equal(role === 'alert' ? 'assertive' : 'polite');
  // Hidden overlays hold no text, so nothing stale is announced or found.
  for (const hidden of el.shadowRoot!.querySelectorAll<HTMLElement>('[part~="overlay"][hidden]')) {
    expect(hidden.textContent!.trim()).to.equal('');
  }
  await expect(el).to.be.accessible();
}

function clearKeyDrm(url: string, license: LicenseOptions = NO_RETRY, fallback?: DrmConfig['fallback']): DrmConfig {
  return { keySystems: { 'org.w3.clearkey': { licenseUrl: url } }, license, ...(fallback ? { fallback } : {}) };
}

async function element(drm: DrmConfig | null, src = CENC, extra = ''): Promise<SecureVideo> {
  const el = await fixture<SecureVideo>(html`<secure-video muted></secure-video>`);
  if (extra) el.innerHTML = extra;
  el.drm = drm;
  el.src = src;
  return el;
}

describe('<secure-video> overlays', () => {
  it('shows none while a clear stream plays', async () => {
    const el = await fixture<SecureVideo>(
      html`<secure-video muted src="/test/fixtures/clear/manifest.mpd"></secure-video>`,
    );
    await until(el, 'statuschange', () => el.status === 'loaded');
    await el.play();
    await playedPast(el, 0.5);
    await el.updateComplete;
    expect(el.overlay).to.equal('none');
    expect(el.getAttribute('overlay')).to.equal('none');
    expect(shownOverlays(el)).to.have.length(0);
    await expect(el).to.be.accessible();
  });

  it('acquiring: a banner (role status) while the license request is in flight', async () => {
    const id = uniqueId('ui-acquiring');
    const el = await element(clearKeyDrm(licenseUrl(id, 'hang')));
    await overlayIs(el, 'acquiring');
    expect((await licenseStats(id, { requests: 1 })).requests).to.be.greaterThan(0);
    expect(el.drmState).to.equal('pending');
    await expectOverlay(el, 'acquiring', 'Getting a license for this video…', 'status');
    expect(shownOverlays(el)[0]!.classList.contains('banner')).to.equal(true);
  });

  it('acquiring, then none once the license is in and playback goes', async () => {
    const id = uniqueId('ui-acquired');
    const el = await element(clearKeyDrm(licenseUrl(id)));
    const seen: string[] = [];
    el.addEventListener('overlaychange', () => seen.push(el.overlay));
    await until(el, 'statuschange', () => el.status === 'loaded');
    await el.play();
    await playedPast(el, 1);
    await el.updateComplete;
    expect(el.drmState).to.equal('usable');
    expect(el.overlay).to.equal('none');
    expect(seen).to.include('acquiring');
    expect(seen.at(-1)).to.equal('none');
  });

  for (const status of [401, 403]) {
    it(`unauthorized: the license server answers ${status}`, async () => {
      const el = await element(clearKeyDrm(licenseUrl(uniqueId('ui-auth'), `status:${status}`)));
      await overlayIs(el, 'unauthorized');
      expect(el.drmError!.code).to.equal(5020);
      expect(el.drmError!.data['status']).to.equal(status);
      await expectOverlay(el, 'unauthorized', 'You are not authorised to watch this video.', 'alert');
      expect(shownOverlays(el)[0]!.querySelector('[part="retry-button"]')).to.equal(null);
    });
  }

  it('unreachable: HTTP 503 after the retries, with a retry button', async () => {
    const id = uniqueId('ui-503');
    const el = await element(clearKeyDrm(licenseUrl(id, 'status:503'), { retries: 1, backoff: { baseMs: 10 } }));
    await overlayIs(el, 'unreachable');
    expect(el.drmError!.data['attempts']).to.equal(2);
    await expectOverlay(el, 'unreachable', 'The license server cannot be reached.', 'alert');
    const retry = shownOverlays(el)[0]!.querySelector<HTMLButtonElement>('[part="retry-button"]')!;
    expect(retry.textContent!.trim()).to.equal('Try again');
  });

  it('unreachable: the license request times out (server hangs)', async () => {
    const el = await element(clearKeyDrm(licenseUrl(uniqueId('ui-hang'), 'hang'), { retries: 0, timeoutMs: 300 }));
    await overlayIs(el, 'unreachable');
    expect(el.drmError!.code).to.equal(5022);
    await expectOverlay(el, 'unreachable', 'The license server cannot be reached.', 'alert');
  });

  it('unreachable: nothing listens at the license URL (network error)', async () => {
    const el = await element(clearKeyDrm('http://127.0.0.1:9/license'));
    await overlayIs(el, 'unreachable');
    expect(el.drmError!.code).to.equal(5021);
    await expectOverlay(el, 'unreachable', 'The license server cannot be reached.', 'alert');
  });

  it('the retry button, pressed from the keyboard, reloads and recovers once the server does (fail-times)', async () => {
    const id = uniqueId('ui-retry');
    const el = await element(clearKeyDrm(licenseUrl(id, 'fail-times:1')));
    await overlayIs(el, 'unreachable');
    const retry = shownOverlays(el)[0]!.querySelector<HTMLButtonElement>('[part="retry-button"]')!;
    const usable = until(el, 'drmstatechange', () => el.drmState === 'usable');
    retry.focus();
    await sendKeys({ press: 'Enter' });
    await usable;
    await el.play();
    await playedPast(el, 1);
    await el.updateComplete;
    expect(el.overlay).to.equal('none');
    expect(el.drmError).to.equal(null);
    expect((await licenseStats(id)).licenses).to.be.greaterThan(0);
  });

  it('expired: the license expires and its renewal is still in flight', async () => {
    const id = uniqueId('ui-expired');
    const drm = clearKeyDrm(licenseUrl(id, 'expiry:1000'), {
      retries: 0,
      // Renewals go to a server that never answers, so the expired state stays for the assertions.
      requestFilter: (request) => {
        if (request.messageType === 'license-renewal') request.url = licenseUrl(id, 'hang');
      },
    });
    const el = await element(drm);
    await overlayIs(el, 'expired');
    expect(el.drmState).to.equal('expired');
    await expectOverlay(el, 'expired', 'The license for this video has expired.', 'alert');
    expect(shownOverlays(el)[0]!.querySelector('[part="retry-button"]')).not.to.equal(null);
  });

  it('expired: the renewal of an expired license fails', async () => {
    const id = uniqueId('ui-renewal');
    const drm = clearKeyDrm(licenseUrl(id, 'expiry:1000'), {
      retries: 0,
      requestFilter: (request) => {
        if (request.messageType === 'license-renewal') request.url = licenseUrl(id, 'status:403');
      },
    });
    const el = await element(drm);
    await until(el, 'drmerror');
    expect(el.drmError!.code).to.equal(5027);
    await expectOverlay(el, 'expired', 'The license for this video has expired.', 'alert');
  });

  it('waiting-for-key: the license server is asked for the audio key only, so the video key never comes', async () => {
    const id = uniqueId('ui-waiting');
    const drm = clearKeyDrm(licenseUrl(id), {
      retries: 0,
      // Every license request asks for the audio KID alone: the real server answers real licenses, none of which
      // holds the video key (a license with no key at all would be a rejected license, not a wait).
      requestFilter: (request) => {
        const message = JSON.parse(new TextDecoder().decode(request.body)) as { kids: string[] };
        message.kids = [hexToBase64url(KID.audio)];
        request.body = new TextEncoder().encode(JSON.stringify(message));
      },
    });
    const el = await element(drm);
    const audioKey = until(el, 'keystatuseschange', () => el.keyStatuses.get(KID.audio) === 'usable');
    await until(el, 'statuschange', () => el.status === 'loaded');
    void el.play().catch(() => undefined);
    await audioKey;
    // Playback stays blocked on the video key: the media said so ('waitingforkey'), and nothing resumed it since.
    await overlayIs(el, 'waiting-for-key');
    expect(el.keyStatuses.has(KID.video)).to.equal(false);
    await expectOverlay(el, 'waiting-for-key', 'Waiting for a decryption key…', 'status');
    expect(el.currentTime).to.be.lessThan(1);
  });

  it('output-restricted: a CDM that reports every key output-restricted (stand-in)', async () => {
    // Clear Key never restricts output, so this one state comes from a stand-in: the bundled CDM wrapped so that its
    // sessions report 'output-restricted' for every key, given through the documented `emeOptions` of a subclass.
    const tag = 'restricted-secure-video';
    if (!customElements.get(tag)) {
      customElements.define(
        tag,
        class extends SecureVideo {
          static override emeOptions = { bundledCdm: restrictingCdm() };
        },
      );
    }
    const el = document.createElement(tag) as SecureVideo;
    el.muted = true;
    el.drm = clearKeyDrm(licenseUrl(uniqueId('ui-restricted')), NO_RETRY, 'always');
    el.src = CENC;
    const parent = await fixture<HTMLDivElement>(html`<div></div>`);
    parent.append(el);
    await overlayIs(el, 'output-restricted');
    expect(el.drmState).to.equal('output-restricted');
    await expectOverlay(el, 'output-restricted', 'This video cannot be played on this display.', 'alert');
  });

  it('unsupported: no key system can decrypt the content', async () => {
    const el = await fixture<SecureVideo>(
      html`<secure-video muted key-system="com.example.nodrm" license-url="/license" src=${CENC}></secure-video>`,
    );
    await overlayIs(el, 'unsupported');
    expect(el.drmError!.code).to.equal(5002);
    await expectOverlay(el, 'unsupported', 'This video is not supported in this browser.', 'alert');
  });

  it('unsupported: the source is not a manifest', async () => {
    const el = await element(null, '/test/fixtures/index.json');
    await overlayIs(el, 'unsupported');
    expect(el.error!.code).to.equal(4);
    await expectOverlay(el, 'unsupported', 'This video is not supported in this browser.', 'alert');
  });

  it('error: the manifest does not exist', async () => {
    const el = await element(null, '/test/fixtures/does-not-exist.mpd');
    await overlayIs(el, 'error');
    await expectOverlay(el, 'error', 'This video could not be loaded.', 'alert');
  });

  it('an overlay and the built-in controls together: the controls stay over it and reachable', async () => {
    const el = await element(clearKeyDrm(licenseUrl(uniqueId('ui-both'), 'status:500')));
    el.controls = true;
    await overlayIs(el, 'unreachable');
    await expectOverlay(el, 'unreachable', 'The license server cannot be reached.', 'alert');
    const play = el.shadowRoot!.querySelector<HTMLButtonElement>('[part~="play-button"]')!;
    const { left, top, width, height } = play.getBoundingClientRect();
    const hit = el.shadowRoot!.elementFromPoint(left + width / 2, top + height / 2);
    expect(play.contains(hit)).to.equal(true);
  });

  it('a named slot replaces the message; the retry button stays', async () => {
    const el = await element(
      clearKeyDrm(licenseUrl(uniqueId('ui-slot'), 'status:500')),
      CENC,
      '<p slot="unreachable">Our license service is down. <a href="#status">Status page</a></p>',
    );
    await overlayIs(el, 'unreachable');
    await expectOverlay(el, 'unreachable', 'Our license service is down. Status page', 'alert');
    expect(shownOverlays(el)[0]!.querySelector('[part="retry-button"]')).not.to.equal(null);
  });

  it('messages localise the overlays and the retry button', async () => {
    const el = await element(clearKeyDrm(licenseUrl(uniqueId('ui-l10n'), 'status:401')));
    el.messages = { notAuthorized: 'Sie sind nicht berechtigt, dieses Video anzusehen.' };
    await overlayIs(el, 'unauthorized');
    await expectOverlay(el, 'unauthorized', 'Sie sind nicht berechtigt, dieses Video anzusehen.', 'alert');
    el.messages = { licenseServerUnreachable: 'Lizenzserver nicht erreichbar.', retry: 'Erneut versuchen' };
    el.drm = clearKeyDrm(licenseUrl(uniqueId('ui-l10n'), 'status:500'));
    await overlayIs(el, 'unreachable');
    await expectOverlay(el, 'unreachable', 'Lizenzserver nicht erreichbar.', 'alert');
    const retry = shownOverlays(el)[0]!.querySelector('[part="retry-button"]')!;
    expect(retry.textContent!.trim()).to.equal('Erneut versuchen');
  });
});
