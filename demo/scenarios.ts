/**
 * The demo's scenarios: one table, read by the page (to configure the player), by the snippet (to show the HTML a page
 * would write) and by the e2e test (test/demo), so that what is shown is what runs.
 */
import type { DrmConfig, Fallback } from '../src/index.js';
import keyFile from '../test/fixtures/keys.json';

/** The native/bundled switch: `auto` uses the browser's Clear Key where it has one, `always` the bundled CDM. */
export type CdmChoice = Extract<Fallback, 'auto' | 'always'>;

export interface Scenario {
  id: string;
  title: string;
  /** What the scenario shows, one or two sentences. */
  about: string;
  group: 'playback' | 'license' | 'failure' | 'extra';
  /** Manifest URL (DASH unless the scenario says otherwise). */
  src: string;
  /**
   * The license URL as an attribute (`license-url`), for scenarios a page can write in HTML alone. Fault switches of
   * the demo license server (demo/server/faults.ts) go in its query.
   */
  licenseUrl?: string;
  /** A `drm` property for scenarios that need more than attributes. Gets the switch's fallback unless `fallback` is set. */
  drm?: Omit<DrmConfig, 'fallback'>;
  /** A fallback the scenario needs whatever the switch says (persistent licenses: bundled CDM only). */
  fallback?: CdmChoice;
  /** Loop playback (the expiry scenario outlives the 4 s clip). */
  loop?: boolean;
  /** What a visitor should see when it works as designed. */
  expect: string;
}

const CLEAR_KEY = 'org.w3.clearkey';
const media = (name: string, file = 'manifest.mpd') => `/test/fixtures/${name}/${file}`;
/** The demo license server, with a request id so its /license/stats and logs tell scenarios apart. */
const license = (id: string, ...faults: string[]) =>
  `/license?id=demo-${id}${faults.map((f) => `&fault=${encodeURIComponent(f)}`).join('')}`;

/** TEST keys (public on purpose, test/fixtures/keys.json): KID hex -> key hex. */
export const TEST_KEYS: Readonly<Record<string, string>> = keyFile.keys;
/** KID hex -> its name in the key file (video, audio, rotation-1, ...). */
export const KID_NAMES: ReadonlyMap<string, string> = new Map(
  Object.entries(keyFile.names).map(([name, kid]) => [kid, name]),
);

/** The multi-variant fixture's video keys (test/fixtures/keys.json names video and video-2). */
const KID_VIDEO = keyFile.names.video;
const VIDEO_2 = keyFile.names['video-2'];

/** A token the `auth:` fault switch asks for; a real server would check a session instead. */
export const DEMO_TOKEN = 'demo-token';

export const SCENARIOS: readonly Scenario[] = [
  {
    id: 'cenc',
    title: 'cenc (AES-CTR)',
    about: 'The common case: AES-CTR, a Clear Key pssh in each init segment, keys from the license server.',
    group: 'playback',
    src: media('cenc'),
    licenseUrl: license('cenc'),
    expect: 'Plays; two keys (video, audio) usable.',
  },
  {
    id: 'cbcs',
    title: 'cbcs (AES-CBC pattern)',
    about: 'AES-CBC with a 1:9 pattern and constant IVs, the scheme Apple devices use.',
    group: 'playback',
    src: media('cbcs'),
    licenseUrl: license('cbcs'),
    expect: 'Plays; two keys usable.',
  },
  {
    id: 'cens',
    title: 'cens (AES-CTR pattern)',
    about: 'A scheme browsers do not decrypt natively: auto falls back to the bundled CDM.',
    group: 'playback',
    src: media('cens'),
    licenseUrl: license('cens'),
    expect: 'Plays with the bundled CDM, whatever the switch says.',
  },
  {
    id: 'multi-key',
    title: 'Multi-key, no pssh',
    about:
      'Video and audio under different keys and no pssh anywhere: the KIDs come from each track\u2019s tenc ' +
      'default_KID, one session and one license request per key.',
    group: 'playback',
    src: media('cenc-no-pssh'),
    licenseUrl: license('multi-key'),
    expect: 'Plays; two sessions, two license requests, two keys usable.',
  },
  {
    id: 'clear-lead',
    title: 'Clear lead',
    about: 'The first second is clear: playback starts before the license arrives.',
    group: 'playback',
    src: media('clear-lead'),
    licenseUrl: license('clear-lead'),
    expect: 'Plays from the first frame; keys become usable during the clear lead.',
  },
  {
    id: 'key-rotation',
    title: 'Key rotation',
    about: 'The video key changes after two seconds; a pssh in the fragment announces the new key period.',
    group: 'playback',
    src: media('key-rotation'),
    licenseUrl: license('key-rotation'),
    expect: 'Plays through the key change; rotation-1, rotation-2 and audio usable.',
  },
  {
    id: 'inline-keys',
    title: 'Inline keys (no server)',
    about: 'Keys given in the drm property: license requests are answered locally, nothing goes over the network.',
    group: 'license',
    src: media('cenc'),
    drm: { keySystems: { [CLEAR_KEY]: { clearKeys: { ...TEST_KEYS } } } },
    expect: 'Plays; the log shows license requests with no URL.',
  },
  {
    id: 'license-server',
    title: 'License server with a bearer token',
    about: 'Headers on every license request (here a bearer token the server checks), retries and timeouts.',
    group: 'license',
    src: media('cenc'),
    drm: {
      keySystems: { [CLEAR_KEY]: { licenseUrl: license('license-server', `auth:${DEMO_TOKEN}`) } },
      license: { headers: { Authorization: `Bearer ${DEMO_TOKEN}` }, timeoutMs: 10_000, retries: 2 },
    },
    expect: 'Plays; without the header the server would answer 401.',
  },
  {
    id: 'persistent',
    title: 'Persistent license',
    about:
      'A persistent-license session (bundled CDM: it stores licenses in IndexedDB). Reload the page, load the stored ' +
      'session without the server, then remove it: the release goes to the server and is acknowledged.',
    group: 'license',
    src: media('cenc'),
    drm: { keySystems: { [CLEAR_KEY]: { licenseUrl: license('persistent') } }, sessionType: 'persistent-license' },
    fallback: 'always',
    expect: 'Plays; the session IDs are kept for "Load" and "Remove" below.',
  },
  {
    id: 'expiry',
    title: 'Expiring license',
    about: 'The server gives the license an expiration 3 s ahead: the keys expire while the clip loops.',
    group: 'license',
    src: media('cenc'),
    licenseUrl: license('expiry', 'expiry:3000'),
    loop: true,
    expect:
      'Plays; every 3 s the keys expire (drm-state "expired"), the element renews the license (a ' +
      '"license-renewal" request) and the keys are usable again.',
  },
  {
    id: 'output-restricted',
    title: 'Output restricted: one variant dropped',
    about:
      'Video in two variants under different keys (video, video-2). The server gives the video-2 key an output ' +
      'requirement (minHdcpVersion, a secure-video extension of the Clear Key license) that a software CDM cannot ' +
      'meet: that variant is dropped and playback goes on with the other. Bundled CDM in every browser: a ' +
      'browser\u2019s own Clear Key ignores the requirement and would keep every variant.',
    group: 'license',
    src: media('multi-variant'),
    licenseUrl: license('output-restricted', `restrict:${VIDEO_2}`),
    fallback: 'always',
    expect:
      'Plays on the lower variant, without a break; key video-2 "output-restricted", video and audio "usable", ' +
      'drm-state "usable".',
  },
  {
    id: 'http-401',
    title: 'Failure: 401 Unauthorized',
    about: 'The license server refuses the request. 4xx is final: no retry.',
    group: 'failure',
    src: media('cenc'),
    licenseUrl: license('http-401', 'status:401'),
    expect: 'drmerror 5020 (LICENSE_HTTP_ERROR) after one attempt per session; drm-state "error".',
  },
  {
    id: 'http-500',
    title: 'Failure: 500 Internal Server Error',
    about: 'The license server fails. 5xx is retried with backoff (twice by default), then reported.',
    group: 'failure',
    src: media('cenc'),
    licenseUrl: license('http-500', 'status:500'),
    expect: 'drmerror 5020 after three attempts.',
  },
  {
    id: 'unreachable',
    title: 'Failure: server unreachable',
    about: 'Nothing listens at the license URL (port 9 of this machine): a network error, retried, then reported.',
    group: 'failure',
    src: media('cenc'),
    licenseUrl: 'http://127.0.0.1:9/license',
    expect: 'drmerror 5021 (LICENSE_NETWORK_ERROR) after three attempts.',
  },
  {
    id: 'all-restricted',
    title: 'Failure: every video variant output restricted',
    about:
      'The multi-variant content with both video keys given an output requirement: no variant is left to play. ' +
      'Bundled CDM in every browser (a browser\u2019s own Clear Key ignores the requirement).',
    group: 'failure',
    src: media('multi-variant'),
    licenseUrl: license('all-restricted', `restrict:${KID_VIDEO}`, `restrict:${VIDEO_2}`),
    fallback: 'always',
    expect:
      'drmerror 5014 (NO_PLAYABLE_VARIANT); drm-state "output-restricted" and the player\u2019s "cannot be played on ' +
      'this display" overlay; the audio key stays usable.',
  },
  {
    id: 'wrong-key',
    title: 'Failure: wrong key',
    about: 'The server answers a well-formed license whose keys do not decrypt this content.',
    group: 'failure',
    src: media('cenc'),
    licenseUrl: license('wrong-key', 'wrong-key'),
    expect:
      'The license is accepted and the keys are "usable" (Clear Key cannot tell), but the decrypted media is ' +
      'garbage: Chromium and Firefox report a decode error; WebKitGTK\u2019s decoder stalls at 0 s without one.',
  },
  {
    id: 'hls',
    title: 'HLS (extra)',
    about:
      'The cenc content as HLS. Known limitation: shaka-player 5.2\u2019s HLS path buffers nothing in WebKitGTK, even ' +
      'for clear content; it plays in Chromium and Firefox.',
    group: 'extra',
    src: media('cenc', 'master.m3u8'),
    licenseUrl: license('hls'),
    expect: 'Plays in Chromium and Firefox; in WebKitGTK nothing is buffered and playback never starts.',
  },
];

export function scenarioById(id: string | null): Scenario | undefined {
  return SCENARIOS.find((s) => s.id === id);
}

/** The fallback a scenario runs with under the switch's choice. */
export function fallbackOf(scenario: Scenario, choice: CdmChoice): CdmChoice {
  return scenario.fallback ?? choice;
}

/** The `drm` property a scenario sets, or null for attribute-only scenarios. */
export function drmOf(scenario: Scenario, choice: CdmChoice): DrmConfig | null {
  return scenario.drm ? { ...scenario.drm, fallback: fallbackOf(scenario, choice) } : null;
}

/** The attributes a scenario's element carries (the snippet shows the same). */
export function attributesOf(scenario: Scenario, choice: CdmChoice): [string, string][] {
  const attrs: [string, string][] = [
    ['controls', ''],
    ['muted', ''],
    ['autoplay', ''],
  ];
  if (scenario.loop) attrs.push(['loop', '']);
  if (scenario.licenseUrl) attrs.push(['license-url', scenario.licenseUrl]);
  // Without a drm property, the attribute carries the switch; with one, drm.fallback does.
  if (!scenario.drm && fallbackOf(scenario, choice) !== 'auto') attrs.push(['fallback', fallbackOf(scenario, choice)]);
  if (!scenario.drm) attrs.push(['src', scenario.src]);
  return attrs;
}

const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** The HTML (and script, when a `drm` property is needed) a page writes for this scenario. */
export function snippetOf(scenario: Scenario, choice: CdmChoice): string {
  const attrs = attributesOf(scenario, choice).map(([name, value]) =>
    value === '' ? name : `${name}="${escapeHtml(value)}"`,
  );
  const oneLine = `<secure-video ${attrs.join(' ')}></secure-video>`;
  // Long tags get one attribute per line, as a page would format them.
  const tag = oneLine.length <= 80 ? oneLine : `<secure-video\n  ${attrs.join('\n  ')}\n></secure-video>`;
  const drm = drmOf(scenario, choice);
  if (!drm) return `<script type="module">\n  import 'secure-video/define';\n</script>\n\n${tag}`;
  const json = JSON.stringify(drm, null, 2).replace(/\n/g, '\n  ');
  return (
    `${tag}\n\n<script type="module">\n  import 'secure-video/define';\n\n` +
    `  const video = document.querySelector('secure-video');\n  video.drm = ${json};\n` +
    `  video.src = '${scenario.src}';\n</script>`
  );
}
