/**
 * The demo gallery: a scenario list, the native/bundled switch, one <secure-video>, its state, a key-status table, a
 * live event log and the HTML of each scenario. A first visit plays the first scenario at once (muted, so every
 * browser lets it autoplay). The URL holds the choice: the scenario in the hash, the switch in the query
 * (`/demo/#key-rotation`, `/demo/?cdm=always#cenc`), so a link can be shared and a reload comes back to it. No inline
 * script or style: the page is served under the strict CSP of ./csp/policy.ts.
 */
import '../src/define.js';
import type { KeyStatusesDetail, SecureVideo } from '../src/index.js';
import { EventLog } from './event-log.js';
import { loadStoredSession, rememberSession, removeStoredSession, storedSessionIds } from './persistent.js';
import { attributesOf, drmOf, fallbackOf, KID_NAMES, SCENARIOS, scenarioById, snippetOf } from './scenarios.js';
import type { CdmChoice, Scenario } from './scenarios.js';
import { recordViolations } from './violations.js';

recordViolations();

const $ = <T extends Element>(selector: string): T => {
  const found = document.querySelector<T>(selector);
  if (!found) throw new Error(`demo page: ${selector} is missing`);
  return found;
};

const player = $<SecureVideo>('#player');
const log = new EventLog($<HTMLOListElement>('#log'));
const GROUPS: Record<Scenario['group'], string> = {
  playback: 'Encrypted playback',
  license: 'Licenses',
  failure: 'Failures',
  extra: 'Extra',
};
const MANAGED_ATTRIBUTES = ['license-url', 'fallback', 'loop', 'src'];

let current: Scenario | undefined;
/** Sessions the player of this page opened: they are in use, so Load and Remove work on earlier ones. */
const openedHere = new Set<string>();
let lastLoad = '';

// --- the scenario list ------------------------------------------------------------------------------------------

function renderScenarioList(): void {
  const container = $<HTMLDivElement>('#scenario-groups');
  for (const [group, title] of Object.entries(GROUPS)) {
    const heading = document.createElement('h3');
    heading.id = `group-${group}`;
    heading.textContent = title;
    const list = document.createElement('ul');
    list.setAttribute('aria-labelledby', heading.id);
    for (const scenario of SCENARIOS.filter((s) => s.group === group)) {
      const item = document.createElement('li');
      const link = document.createElement('a');
      link.href = linkTo(scenario.id, 'auto');
      link.dataset.scenario = scenario.id;
      link.textContent = scenario.title;
      link.addEventListener('click', (event) => {
        event.preventDefault();
        navigate(scenario, choice());
      });
      item.append(link);
      list.append(item);
    }
    container.append(heading, list);
  }
}

// --- URL state ----------------------------------------------------------------------------------------------------

function choice(): CdmChoice {
  return document.querySelector<HTMLInputElement>('input[name="cdm"]:checked')?.value === 'always' ? 'always' : 'auto';
}

/** The link to a scenario: its id in the hash, the switch in the query when it is not the default. */
function linkTo(id: string, cdm: CdmChoice): string {
  return `${cdm === 'always' ? '?cdm=always' : './'}#${id}`;
}

/** A click in the list or on the switch: a new history entry, and the scenario played (again, if it is the same). */
function navigate(scenario: Scenario, cdm: CdmChoice): void {
  const url = new URL(linkTo(scenario.id, cdm), location.href);
  if (url.href !== location.href) history.pushState(null, '', url);
  void play(scenario, cdm);
}

/**
 * Plays what the URL says: on the first visit, after a reload, back / forward, or a hash edited by hand. No scenario in
 * the hash on the first visit: the first one, so that a visitor sees encrypted video playing without a click. A hash
 * that names no scenario (the skip link's) changes nothing.
 */
function fromUrl(): void {
  const url = new URL(location.href);
  // Links of earlier versions of the demo (`?scenario=cenc`) still work: the scenario moves to the hash.
  const legacy = url.searchParams.get('scenario');
  if (legacy !== null) {
    url.searchParams.delete('scenario');
    url.hash = legacy;
  }
  const cdm: CdmChoice = url.searchParams.get('cdm') === 'always' ? 'always' : 'auto';
  const named = scenarioById(decodeURIComponent(url.hash.slice(1)));
  const scenario = named ?? current ?? SCENARIOS[0];
  if (!scenario) return;
  if (!url.hash) url.hash = scenario.id;
  if (url.href !== location.href) history.replaceState(null, '', url);
  for (const radio of document.querySelectorAll<HTMLInputElement>('input[name="cdm"]')) {
    radio.checked = radio.value === cdm;
  }
  // popstate and hashchange both come for one hash navigation: the second finds it playing already.
  if (playing(scenario, cdm) !== lastLoad) void play(scenario, cdm);
}

function playing(scenario: Scenario, cdm: CdmChoice): string {
  return JSON.stringify([scenario.id, cdm]);
}

// --- playing a scenario -------------------------------------------------------------------------------------------

async function play(scenario: Scenario, cdm: CdmChoice): Promise<void> {
  current = scenario;
  for (const link of document.querySelectorAll<HTMLAnchorElement>('#scenario-groups a')) {
    if (link.dataset.scenario === scenario.id) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
    link.href = linkTo(link.dataset.scenario ?? '', cdm);
  }
  $('#scenario-title').textContent = scenario.title;
  $('#scenario-about').textContent = scenario.about;
  $('#scenario-expect').textContent = scenario.expect;
  $('#snippet').textContent = snippetOf(scenario, cdm);
  const forced = scenario.fallback && scenario.fallback !== cdm;
  const note = $<HTMLParagraphElement>('#cdm-note');
  note.hidden = !forced;
  note.textContent = forced ? `This scenario always uses fallback "${fallbackOf(scenario, cdm)}".` : '';
  $<HTMLElement>('#persistent-panel').hidden = scenario.id !== 'persistent';
  showStoredSessions();
  renderKeys(new Map());

  // A new log per scenario: the previous scenario's events would read as this one's.
  log.clear();
  log.restart();
  log.add('scenario', `${scenario.id} (fallback ${fallbackOf(scenario, cdm)})`);
  // The element takes the configuration as a page would write it: attributes, plus the drm property when needed.
  for (const name of MANAGED_ATTRIBUTES) player.removeAttribute(name);
  player.drm = drmOf(scenario, cdm);
  for (const [name, value] of attributesOf(scenario, cdm)) player.setAttribute(name, value);
  if (scenario.drm) player.src = scenario.src;
  const key = playing(scenario, cdm);
  const again = key === lastLoad;
  lastLoad = key;
  await player.updateComplete;
  // The same scenario again changes nothing the element watches: reload it explicitly.
  if (again) player.load();
  announce(`Playing ${scenario.title}`);
}

// --- state, keys and the log --------------------------------------------------------------------------------------

function announce(text: string): void {
  $('#announce').textContent = text;
}

function showState(): void {
  $('#state-status').textContent = player.status;
  $('#state-drm').textContent = player.drmState;
  $('#state-cdm').textContent = player.cdm ?? 'none yet';
  const error = player.drmError
    ? `${player.drmError.code}: ${player.drmError.message}`
    : player.error
      ? player.error.message
      : 'none';
  $('#state-error').textContent = error;
}

function renderKeys(statuses: ReadonlyMap<string, string>): void {
  const body = $<HTMLTableSectionElement>('#key-statuses');
  const rows = [...statuses].map(([kid, status]) => {
    const row = document.createElement('tr');
    const cells = [kid, KID_NAMES.get(kid) ?? '', status].map((text, i) => {
      const cell = document.createElement(i === 0 ? 'th' : 'td');
      if (i === 0) cell.setAttribute('scope', 'row');
      cell.textContent = text;
      return cell;
    });
    cells[2]?.classList.add(`status-${status}`);
    row.append(...cells);
    return row;
  });
  if (!rows.length) {
    const row = document.createElement('tr');
    const cell = document.createElement('td');
    cell.colSpan = 3;
    cell.textContent = 'No keys yet.';
    row.append(cell);
    rows.push(row);
  }
  body.replaceChildren(...rows);
}

// --- persistent licenses ------------------------------------------------------------------------------------------

/** Sessions stored by earlier visits (not open in this page's player), oldest first. */
function earlierSessions(): string[] {
  return storedSessionIds().filter((id) => !openedHere.has(id));
}

function showStoredSessions(): void {
  const ids = earlierSessions();
  $('#persistent-ids').textContent = ids.length ? ids.join(', ') : 'none';
}

function persistentResult(text: string): void {
  $('#persistent-result').textContent = text;
  log.add('persistent', text);
}

async function loadLatest(): Promise<void> {
  const id = earlierSessions().at(-1);
  if (!id) return persistentResult('No session stored by an earlier visit: play this scenario, then reload the page.');
  try {
    // Into the player's current source: the session's keys decrypt it, no license request.
    if (!(await loadStoredSession(player, id))) return persistentResult(`Session ${id} is not stored any more.`);
    renderKeys(player.keyStatuses);
    persistentResult(`Loaded session ${id} without the server: ${player.keyStatuses.size} key(s) in the player.`);
  } catch (e) {
    persistentResult(`Loading failed: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    showStoredSessions();
  }
}

async function removeLatest(): Promise<void> {
  const id = earlierSessions().at(-1);
  if (!id) return persistentResult('No session stored by an earlier visit to remove.');
  try {
    // The release goes to the player's license server (the scenario's).
    const removed = await removeStoredSession(player, id);
    persistentResult(removed ? `Removed session ${id}; the server acknowledged the release.` : `${id} was not stored.`);
  } catch (e) {
    persistentResult(`Removing failed: ${e instanceof Error ? e.message : String(e)}`);
  } finally {
    renderKeys(player.keyStatuses);
    showStoredSessions();
  }
}

// --- platform -----------------------------------------------------------------------------------------------------

async function describePlatform(): Promise<void> {
  const out = $('#platform');
  let native = false;
  if (typeof navigator.requestMediaKeySystemAccess === 'function') {
    try {
      await navigator.requestMediaKeySystemAccess('org.w3.clearkey', [
        { initDataTypes: ['cenc'], videoCapabilities: [{ contentType: 'video/mp4; codecs="avc1.42E01E"' }] },
      ]);
      native = true;
    } catch {
      native = false;
    }
  }
  out.textContent = native
    ? 'This browser has its own Clear Key: "native" uses it for cenc and cbcs.'
    : 'This browser has no Clear Key of its own: every scenario uses the bundled CDM.';
}

// --- wiring -------------------------------------------------------------------------------------------------------

renderScenarioList();
log.follow(player);
for (const type of ['statuschange', 'drmstatechange', 'error', 'drmerror', 'loadstart']) {
  player.addEventListener(type, showState);
}
player.addEventListener('keystatuseschange', (e) => renderKeys((e as CustomEvent<KeyStatusesDetail>).detail.statuses));
player.addEventListener('license-response', (e) => {
  if (current?.id !== 'persistent') return;
  openedHere.add(e.detail.sessionId);
  rememberSession(e.detail.sessionId);
});
for (const radio of document.querySelectorAll<HTMLInputElement>('input[name="cdm"]')) {
  radio.addEventListener('change', () => {
    if (current) navigate(current, choice());
  });
}
$('#log-clear').addEventListener('click', () => log.clear());
$('#persistent-load').addEventListener('click', () => void loadLatest());
$('#persistent-remove').addEventListener('click', () => void removeLatest());
window.addEventListener('popstate', fromUrl);
window.addEventListener('hashchange', fromUrl);
void describePlatform();
showState();
fromUrl();
