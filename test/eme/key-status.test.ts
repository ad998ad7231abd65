import { expect } from '@open-wc/testing';
import { aggregateStatuses, deriveState, DrmState, isRestricted, isUsable } from '../../src/eme/key-status.js';
import type { KeyStatus } from '../../src/eme/key-status.js';

const map = (entries: [string, KeyStatus][]) => new Map(entries);
const idle = { failed: false, busy: false, waitingSessions: 0 };

describe('aggregateStatuses', () => {
  it('keeps the most useful status of a KID across sessions: usable anywhere decrypts', () => {
    const out = aggregateStatuses([
      map([
        ['a', 'expired'],
        ['b', 'output-restricted'],
      ]),
      map([
        ['a', 'usable'],
        ['c', 'status-pending'],
      ]),
      map([['b', 'internal-error']]),
    ]);
    expect([...out]).to.deep.equal([
      ['a', 'usable'],
      ['b', 'output-restricted'],
      ['c', 'status-pending'],
    ]);
  });

  it('is empty for no sessions', () => {
    expect(aggregateStatuses([]).size).to.equal(0);
  });
});

describe('deriveState', () => {
  it('is none with nothing going on, pending while busy or waiting for a license', () => {
    expect(deriveState({ statuses: new Map(), ...idle })).to.equal(DrmState.NONE);
    expect(deriveState({ statuses: new Map(), ...idle, busy: true })).to.equal(DrmState.PENDING);
    expect(deriveState({ statuses: new Map(), ...idle, waitingSessions: 1 })).to.equal(DrmState.PENDING);
    expect(deriveState({ statuses: map([['a', 'status-pending']]), ...idle })).to.equal(DrmState.PENDING);
  });

  it('is usable when keys decrypt, even if some variants are restricted', () => {
    expect(deriveState({ statuses: map([['a', 'usable']]), ...idle })).to.equal(DrmState.USABLE);
    expect(
      deriveState({
        statuses: map([
          ['a', 'usable'],
          ['b', 'output-restricted'],
        ]),
        ...idle,
      }),
    ).to.equal(DrmState.USABLE);
  });

  it('is output-restricted when every key is, and error when none is left and one failed internally', () => {
    expect(deriveState({ statuses: map([['a', 'output-restricted']]), ...idle })).to.equal(DrmState.OUTPUT_RESTRICTED);
    expect(
      deriveState({
        statuses: map([
          ['a', 'output-restricted'],
          ['b', 'internal-error'],
        ]),
        ...idle,
      }),
    ).to.equal(DrmState.ERROR);
  });

  it('is expired when a key expired, even while a renewal is in flight', () => {
    const statuses = map([
      ['a', 'expired'],
      ['b', 'usable'],
    ]);
    expect(deriveState({ statuses, ...idle })).to.equal(DrmState.EXPIRED);
    expect(deriveState({ statuses, ...idle, busy: true })).to.equal(DrmState.EXPIRED);
  });

  it('is error whenever a fatal error is recorded', () => {
    expect(deriveState({ statuses: map([['a', 'usable']]), ...idle, failed: true })).to.equal(DrmState.ERROR);
  });
});

describe('status predicates', () => {
  it('treats usable and output-downscaled as decrypting, output-restricted and internal-error as restricted', () => {
    const all: KeyStatus[] = [
      'usable',
      'expired',
      'released',
      'output-restricted',
      'output-downscaled',
      'usable-in-future',
      'status-pending',
      'internal-error',
    ];
    expect(all.filter(isUsable)).to.deep.equal(['usable', 'output-downscaled']);
    expect(all.filter(isRestricted)).to.deep.equal(['output-restricted', 'internal-error']);
  });
});
