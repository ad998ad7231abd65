/**
 * The demo's live event log: one line per event of interest, newest last, capped so a long session stays light.
 * Lines never carry keys: the element's events hold none (URLs, statuses, KIDs and error codes only).
 */
import type { DrmErrorDetail, DrmStateDetail, KeyStatusesDetail, LicenseRequestDetail } from '../src/index.js';
import type { LicenseResponseDetail, SecureVideo } from '../src/index.js';

const MAX_LINES = 300;

/** Events the log shows; high-frequency ones (timeupdate, progress) are left out on purpose. */
export const LOGGED_EVENTS = [
  'statuschange',
  'loadstart',
  'loadedmetadata',
  'canplay',
  'playing',
  'pause',
  'waiting',
  'ended',
  'encrypted',
  'waitingforkey',
  'error',
  'license-request',
  'license-response',
  'keystatuseschange',
  'drmstatechange',
  'drmerror',
] as const;

export class EventLog {
  readonly #list: HTMLOListElement;
  #start = performance.now();

  constructor(list: HTMLOListElement) {
    this.#list = list;
  }

  /** Starts the clock again (a new scenario). */
  restart(): void {
    this.#start = performance.now();
  }

  clear(): void {
    this.#list.replaceChildren();
  }

  /** Appends a line: `kind` is the event name or a demo action, `text` what it says. */
  add(kind: string, text = '', level: 'info' | 'error' = 'info'): void {
    const item = document.createElement('li');
    item.className = level;
    const time = document.createElement('span');
    time.className = 'time';
    time.textContent = `${((performance.now() - this.#start) / 1000).toFixed(2)} s`;
    const name = document.createElement('strong');
    name.textContent = kind;
    item.append(time, ' ', name, text ? ` ${text}` : '');
    this.#list.append(item);
    while (this.#list.childElementCount > MAX_LINES) this.#list.firstElementChild?.remove();
    // Follows the newest line inside the list only: scrollIntoView would also scroll the page in a one-column layout.
    this.#list.scrollTop = this.#list.scrollHeight;
  }

  /** Logs every event of {@link LOGGED_EVENTS} that `player` dispatches; returns the function that stops it. */
  follow(player: SecureVideo): () => void {
    const onEvent = (event: Event) => {
      const [text, level] = describe(player, event);
      this.add(event.type, text, level);
    };
    for (const type of LOGGED_EVENTS) player.addEventListener(type, onEvent);
    return () => {
      for (const type of LOGGED_EVENTS) player.removeEventListener(type, onEvent);
    };
  }
}

function describe(player: SecureVideo, event: Event): [string, 'info' | 'error'] {
  switch (event.type) {
    case 'statuschange':
      return [player.status, player.status === 'error' ? 'error' : 'info'];
    case 'error':
      return [player.error?.message ?? 'unknown error', 'error'];
    case 'encrypted':
      return [`initDataType ${(event as MediaEncryptedEvent).initDataType}`, 'info'];
    case 'license-request': {
      const d = (event as CustomEvent<LicenseRequestDetail>).detail;
      return [`${d.messageType} to ${d.url ?? 'inline keys'} (attempt ${d.attempt})`, 'info'];
    }
    case 'license-response': {
      const d = (event as CustomEvent<LicenseResponseDetail>).detail;
      const expires = Number.isFinite(d.expiration) ? `, expires ${new Date(d.expiration).toLocaleTimeString()}` : '';
      return [`${d.messageType}: ${d.status ?? 'inline'} after ${d.attempts} attempt(s)${expires}`, 'info'];
    }
    case 'keystatuseschange': {
      const d = (event as CustomEvent<KeyStatusesDetail>).detail;
      return [[...d.statuses].map(([kid, status]) => `${kid.slice(0, 8)}\u2026 ${status}`).join(', '), 'info'];
    }
    case 'drmstatechange': {
      const d = (event as CustomEvent<DrmStateDetail>).detail;
      return [`${d.previous} \u2192 ${d.state}${player.cdm ? ` (${player.cdm} CDM)` : ''}`, 'info'];
    }
    case 'drmerror': {
      const { error } = (event as CustomEvent<DrmErrorDetail>).detail;
      return [`${error.code} ${error.category}: ${error.message}`, 'error'];
    }
    default:
      return ['', 'info'];
  }
}
