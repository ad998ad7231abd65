// The plain-HTML example (demo/examples/plain/) carries a strict Content-Security-Policy in a <meta> element that
// allows its one inline script, the import map, by hash (CSP 3, hash-source). Editing the map without updating the
// hash would make every browser refuse the map and the page would load nothing: this pins the two together.
import { expect } from '@open-wc/testing';

function base64(bytes: ArrayBuffer): string {
  return btoa(String.fromCharCode(...new Uint8Array(bytes)));
}

describe('security: the plain example under its strict CSP', () => {
  it('allows exactly its import map by hash, and nothing inline or evaluated', async () => {
    const page = new DOMParser().parseFromString(
      await (await fetch('/demo/examples/plain/index.html')).text(),
      'text/html',
    );
    const policy = page.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content') ?? '';
    const scripts = [...page.querySelectorAll('script')];
    const inline = scripts.filter((s) => !s.src);
    expect(inline.map((s) => s.type)).to.deep.equal(['importmap']);
    const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(inline[0]!.textContent ?? ''));
    const scriptSrc = policy.split(';').find((d) => d.trim().startsWith('script-src'))!;
    expect(scriptSrc.trim()).to.equal(`script-src 'self' 'sha256-${base64(digest)}'`);
    expect(policy).to.include("style-src 'self'");
    expect(policy).to.include("require-trusted-types-for 'script'");
    expect(policy).not.to.match(/unsafe-(inline|eval)/);
    // The meta element must come before the import map, or the map is parsed before the policy applies.
    const head = [...page.head.children];
    expect(head.indexOf(page.querySelector('meta[http-equiv="Content-Security-Policy"]')!)).to.be.below(
      head.indexOf(inline[0]!),
    );
  });
});
