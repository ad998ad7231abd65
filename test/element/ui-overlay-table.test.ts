import { expect } from '@open-wc/testing';
import { DrmError, DrmErrorCode, PlaybackError, PlaybackErrorCode } from '../../src/index.js';
import type { DrmState } from '../../src/index.js';
import { OVERLAYS, overlayFor } from '../../src/element/ui/overlays.js';
import type { OverlayInputs } from '../../src/element/ui/overlays.js';
import { defaultMessages } from '../../src/element/messages.js';

const idle: OverlayInputs = {
  error: null,
  drmState: 'none',
  drmError: null,
  licensePending: false,
  waitingForKey: false,
};

function http(status: number): DrmError {
  return new DrmError(DrmErrorCode.LICENSE_HTTP_ERROR, `HTTP ${status}`, { status });
}

describe('overlay table', () => {
  it('has a message, a slot named as the overlay and a role for every overlay', () => {
    for (const [name, spec] of Object.entries(OVERLAYS)) {
      expect(spec.slot).to.equal(name);
      expect(defaultMessages[spec.message]).to.be.a('string').and.not.equal('');
      expect(spec.role).to.be.oneOf(['status', 'alert']);
      // Work in progress is polite and leaves the video visible; a stop is an alert over it.
      expect(spec.blocking).to.equal(spec.role === 'alert');
    }
  });

  it('maps DRM failures by code and HTTP status', () => {
    const cases: [DrmError, string][] = [
      [http(401), 'unauthorized'],
      [http(403), 'unauthorized'],
      [http(500), 'unreachable'],
      [http(503), 'unreachable'],
      [http(404), 'error'],
      [new DrmError(DrmErrorCode.LICENSE_NETWORK_ERROR, 'down'), 'unreachable'],
      [new DrmError(DrmErrorCode.LICENSE_TIMEOUT, 'slow'), 'unreachable'],
      [new DrmError(DrmErrorCode.NO_KEY_SYSTEM, 'none'), 'unsupported'],
      [new DrmError(DrmErrorCode.RENEWAL_FAILED, 'renewal'), 'expired'],
      [new DrmError(DrmErrorCode.LICENSE_REJECTED, 'rejected'), 'error'],
      [new DrmError(DrmErrorCode.INVALID_CONFIG, 'config'), 'error'],
    ];
    for (const [drmError, overlay] of cases) {
      expect(overlayFor({ ...idle, drmState: 'error', drmError }), drmError.message).to.equal(overlay);
    }
  });

  it('names the DRM cause of a playback failure before the playback failure', () => {
    const cause = new DrmError(DrmErrorCode.NO_KEY_SYSTEM, 'none');
    const error = new PlaybackError(PlaybackErrorCode.DECODE, 'wrapped', 1007, { cause });
    expect(overlayFor({ ...idle, error })).to.equal('unsupported');
    expect(overlayFor({ ...idle, error, drmError: http(401) })).to.equal('unauthorized');
  });

  it('maps playback failures: source not supported, anything else', () => {
    const unsupported = new PlaybackError(PlaybackErrorCode.SRC_NOT_SUPPORTED, 'no');
    expect(overlayFor({ ...idle, error: unsupported })).to.equal('unsupported');
    expect(overlayFor({ ...idle, error: new PlaybackError(PlaybackErrorCode.NETWORK, '404') })).to.equal('error');
    expect(overlayFor({ ...idle, error: new PlaybackError(PlaybackErrorCode.STALLED, 'no progress') })).to.equal(
      'stalled',
    );
  });

  it('orders the states: failures, expired/restricted, license in flight, waiting for a key', () => {
    const state = (drmState: DrmState, more: Partial<OverlayInputs> = {}) => overlayFor({ ...idle, drmState, ...more });
    expect(state('expired', { licensePending: true, waitingForKey: true })).to.equal('expired');
    expect(state('output-restricted', { waitingForKey: true })).to.equal('output-restricted');
    expect(state('error')).to.equal('error');
    expect(state('pending', { licensePending: true, waitingForKey: true })).to.equal('acquiring');
    // A request in flight for a renewal while keys are usable is not 'acquiring': playback goes on.
    expect(state('usable', { licensePending: true })).to.equal('none');
    expect(state('pending', { waitingForKey: true })).to.equal('waiting-for-key');
    expect(state('usable', { waitingForKey: true })).to.equal('waiting-for-key');
    expect(state('pending')).to.equal('none');
    expect(state('usable')).to.equal('none');
  });
});
