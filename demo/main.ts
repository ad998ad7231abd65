/**
 * The demo gallery: a scenario list, the native/bundled switch, one <secure-video>, its state, a key-status table, a
 * live event log and the HTML of each scenario. The URL holds the choice (`?scenario=cenc&cdm=always`), so a link or a
 * reload comes back to it. No inline script or style: the page is served under the strict CSP of ./csp/policy.ts.
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
      link.href = `?scenario=${scenario.id}`;
      link.dataset.scenario = scenario.id;
      link.textContent = scenario.title;
      link.addEventListener('click', (event) => {
        event.preventDefault();
        navigate(scenario.id, choice());
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

function navigate(id: string, cdm: CdmChoice): void {
  const url = new URL(location.href);
  url.searchParams.set('scenario', id);
  url.searchParams.set('cdm', cdm);
  history.pushState(null, '', url);
  fromUrl();
}

function fromUrl(): void {
  const params = new URLSearchParams(location.search);
  const cdm: CdmChoice = params.get('cdm') === 'always' ? 'always' : 'auto';
  for (const radio of document.querySelectorAll<HTMLInputElement>('input[name="cdm"]')) {
    radio.checked = radio.value === cdm;
  }
  const scenario = scenarioById(params.get('scenario'));
  if (scenario) void play(scenario, cdm);
}

// --- playing a scenario -------------------------------------------------------------------------------------------

async function play(scenario: Scenario, cdm: CdmChoice): Promise<void> {
  current = scenario;
  for (const link of document.querySelectorAll<HTMLAnchorElement>('#scenario-groups a')) {
    if (link.dataset.scenario === scenario.id) link.setAttribute('aria-current', 'page');
    else link.removeAttribute('aria-current');
    link.href = `?scenario=${link.dataset.scenario}&cdm=${cdm}`;
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

  log.restart();
  log.add('scenario', `${scenario.id} (fallback ${fallbackOf(scenario, cdm)})`);
  // The element takes the configuration as a page would write it: attributes, plus the drm property when needed.
  for (const name of MANAGED_ATTRIBUTES) player.removeAttribute(name);
  player.drm = drmOf(scenario, cdm);
  for (const [name, value] of attributesOf(scenario, cdm)) player.setAttribute(name, value);
  if (scenario.drm) player.src = scenario.src;
  const key = JSON.stringify([scenario.id, cdm]);
  await player.updateComplete;
  // The same scenario again changes nothing the element watches: reload it explicitly.
  if (key === lastLoad) player.load();
  lastLoad = key;
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
    if (current) navigate(current.id, choice());
  });
}
$('#log-clear').addEventListener('click', () => log.clear());
$('#persistent-load').addEventListener('click', () => void loadLatest());
$('#persistent-remove').addEventListener('click', () => void removeLatest());
window.addEventListener('popstate', fromUrl);
void describePlatform();
showState();
fromUrl();
