// Issue 9 item 4: the element plays encrypted media on a page served with a strict Content-Security-Policy (script-src
// and style-src 'self', no 'unsafe-inline', no 'unsafe-eval') and Trusted Types required for script sinks
// (demo/csp/, its policy in demo/csp/policy.ts, served with the header by tools/test-runner/csp-middleware.mjs).
// The page reports every 'securitypolicyviolation' it sees from before the element is imported until playback is
// past one second; there must be none, on the native and on the bundled path. The decrypt core runs in its worker
// there (the policy's worker-src 'self'); served with worker-src 'none' instead, the page plays with the core on the
// main thread, says so, and the one violation it sees is the refused worker.
import { expect } from '@open-wc/testing';
import { until } from '../helpers/events.js';
import type { CspPageResult } from '../../demo/csp/main.js';

const hasNativeEme = typeof navigator.requestMediaKeySystemAccess === 'function';

async function runPage(query: string): Promise<{ result: CspPageResult; frame: HTMLIFrameElement }> {
  const frame = document.createElement('iframe');
  frame.style.width = '640px';
  frame.style.height = '480px';
  const message = until<MessageEvent<CspPageResult>>(
    window,
    'message',
    (e) => e.source === frame.contentWindow && e.data?.type === 'secure-video-csp',
  );
  frame.src = `/demo/csp/index.html?${query}`;
  document.body.append(frame);
  const { data } = await message;
  return { result: data, frame };
}

describe('security: strict CSP and Trusted Types', () => {
  const frames: HTMLIFrameElement[] = [];
  afterEach(() => {
    for (const f of frames.splice(0)) f.remove();
  });

  it('the CSP page really is served with the strict policy', async () => {
    const res = await fetch('/demo/csp/index.html');
    const policy = res.headers.get('content-security-policy') ?? '';
    for (const directive of [
      "script-src 'self'",
      "style-src 'self'",
      "require-trusted-types-for 'script'",
      "object-src 'none'",
    ]) {
      expect(policy).to.include(directive);
    }
    expect(policy).not.to.include('unsafe-inline');
    expect(policy).not.to.include('unsafe-eval');
  });

  it('plays cenc DASH with the license server (fallback auto) with no policy violation', async () => {
    const { result, frame } = await runPage('fixture=cenc&fallback=auto');
    frames.push(frame);
    expect(result.failure).to.equal(null);
    expect(result.played).to.equal(true);
    expect(result.cdm).to.equal(hasNativeEme ? 'native' : 'bundled');
    // The native path too: the core looks at each media segment for key rotation.
    expect(result.decryptThread).to.equal('worker');
    expect(result.violations).to.deep.equal([]);
    // All three browsers here have Trusted Types (Chromium 156, Firefox ESR 153, WebKitGTK 2.50): the page's own
    // probe, a string assigned to innerHTML, throws, so enforcement was live while the element played.
    expect(result.trustedTypes).to.equal(true);
    expect(result.trustedTypesEnforced).to.equal(true);
  });

  it('plays with inline clearKeys on the bundled path with no policy violation', async () => {
    const { result, frame } = await runPage('fixture=cbcs&fallback=always&keys=inline');
    frames.push(frame);
    expect(result.failure).to.equal(null);
    expect(result.cdm).to.equal('bundled');
    expect(result.decryptThread).to.equal('worker');
    expect(result.violations).to.deep.equal([]);
    expect(result.trustedTypesEnforced).to.equal(true);
  });

  it('plays on the bundled path with the decrypt core on the main thread where the policy forbids workers, and says so', async () => {
    const policy = (await fetch('/demo/csp/index.html?workers=none')).headers.get('content-security-policy') ?? '';
    expect(policy).to.include("worker-src 'none'");
    const { result, frame } = await runPage('fixture=cenc&fallback=always&keys=inline&workers=none');
    frames.push(frame);
    expect(result.failure).to.equal(null);
    expect(result.played).to.equal(true);
    expect(result.cdm).to.equal('bundled');
    expect(result.decryptThread).to.equal('main');
    // What the page saw is the policy refusing the worker, and nothing else.
    expect(result.violations.length).to.be.at.least(1);
    for (const line of result.violations) expect(line).to.match(/^worker-src blocked .*decrypt-worker/);
    expect(result.trustedTypesEnforced).to.equal(true);
  });
});
