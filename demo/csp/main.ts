// The CSP demo page: plays an encrypted fixture under the strict policy of ./policy.ts and lists every
// 'securitypolicyviolation' the page sees. test/security/csp.test.ts loads it in an iframe in all three browsers and
// reads the result it posts to its parent.
import { cspForQuery } from './policy.js';
import type { SecureVideo } from '../../src/index.js';

export interface CspPageResult {
  type: 'secure-video-csp';
  /** Playback went past one second. */
  played: boolean;
  /** The failure, when it did not (a message; never key material). */
  failure: string | null;
  cdm: string | null;
  /** Where the decrypt core ran: 'worker', or 'main' where the page's policy forbids the worker (`?workers=none`). */
  decryptThread: string | null;
  /** One line per violation: directive, blocked URI, source location. */
  violations: string[];
  /** `window.trustedTypes` exists. */
  trustedTypes: boolean;
  /** A string assigned to innerHTML threw: Trusted Types are enforced on this page. */
  trustedTypesEnforced: boolean;
}

// Listen first: everything after this line, the element's own import included, is watched.
const violations: string[] = [];
/** Set once the result is taken: the Trusted Types probe that follows is reported, on purpose, and not counted. */
let probing = false;
document.addEventListener('securitypolicyviolation', (e) => {
  const line = `${e.effectiveDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber}`;
  if (!probing) violations.push(line);
  const item = document.createElement('li');
  item.textContent = probing ? `${line} (expected: this page's own Trusted Types probe)` : line;
  document.querySelector('#violations')?.append(item);
});

const params = new URL(location.href).searchParams;
const fixture = params.get('fixture') ?? 'cenc';
const fallback = params.get('fallback') === 'always' ? 'always' : 'auto';
const inlineKeys = params.get('keys') === 'inline';
document.querySelector('#policy')!.textContent = cspForQuery(params);

function outcome(video: SecureVideo): Promise<string | null> {
  return new Promise((resolve) => {
    const done = (failure: string | null): void => {
      video.removeEventListener('timeupdate', progress);
      video.removeEventListener('error', failed);
      video.removeEventListener('drmerror', failed);
      resolve(failure);
    };
    const progress = (): void => {
      if (video.currentTime > 1) done(null);
    };
    const failed = (): void => done(video.drmError?.message ?? video.error?.message ?? 'failed');
    video.addEventListener('timeupdate', progress);
    video.addEventListener('error', failed);
    video.addEventListener('drmerror', failed);
  });
}

function trustedTypesEnforced(): boolean {
  try {
    document.createElement('div').innerHTML = '<b>probe</b>';
    return false;
  } catch {
    return true;
  }
}

async function run(): Promise<CspPageResult> {
  await import('../../src/define.js');
  const video = document.querySelector<SecureVideo>('#player')!;
  const clearKeys = inlineKeys
    ? ((await (await fetch('/test/fixtures/keys.json')).json()) as { keys: Record<string, string> }).keys
    : undefined;
  video.drm = {
    keySystems: { 'org.w3.clearkey': clearKeys ? { clearKeys } : { licenseUrl: `/license?id=csp-${fixture}` } },
    fallback,
  };
  const result = outcome(video);
  video.src = `/test/fixtures/${fixture}/manifest.mpd`;
  video.play().catch(() => undefined); // autoplay may be refused; the muted attribute makes it allowed everywhere here
  const failure = await result;
  const seen = [...violations];
  probing = true;
  return {
    type: 'secure-video-csp',
    played: failure === null,
    failure,
    cdm: video.cdm,
    decryptThread: video.decryptThread,
    violations: seen,
    trustedTypes: 'trustedTypes' in window,
    // Probed last, because the probe itself is reported as a violation where Trusted Types are enforced.
    trustedTypesEnforced: trustedTypesEnforced(),
  };
}

const result = await run().catch((e: unknown): CspPageResult => ({
  type: 'secure-video-csp',
  played: false,
  failure: e instanceof Error ? `${e.name}: ${e.message}` : String(e),
  cdm: null,
  decryptThread: null,
  violations: [...violations],
  trustedTypes: 'trustedTypes' in window,
  trustedTypesEnforced: false,
}));
document.querySelector('#result')!.textContent = result.played
  ? `played (${result.cdm} CDM, decrypt core on the ${result.decryptThread} thread), ${result.violations.length} violation(s)`
  : `did not play: ${result.failure}`;
if (parent !== window) parent.postMessage(result, location.origin);
