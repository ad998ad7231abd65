// The plain-HTML example (demo/examples/plain/) carries a strict Content-Security-Policy in a <meta> element and loads
// the player with one script tag: the one-file bundle, dist/secure-video.js. These pin the page's policy and script
// tags, and check that the bundle needs nothing but files beside it (relative imports only), so that it works from any
// static server or CDN path. test:demo (test/demo) plays the page in the three browsers.
import { expect } from '@open-wc/testing';

const BUNDLE = '/dist/secure-video.js';

/** The import specifiers of a built module: static (`from"..."`, `import"..."`) and dynamic (`import(...)`). */
function importsOf(code: string): { static: string[]; dynamic: string[] } {
  const quoted = String.raw`["'\x60]([^"'\x60]+)["'\x60]`;
  const all = (re: RegExp) => [...code.matchAll(re)].map((m) => m[1]!);
  return {
    static: all(new RegExp(String.raw`(?:\bfrom|\bimport)\s*${quoted}`, 'g')),
    dynamic: all(new RegExp(String.raw`\bimport\(\s*${quoted}\s*\)`, 'g')),
  };
}

describe('security: the plain example under its strict CSP', () => {
  it('loads the player with one script tag, the bundle, and allows nothing inline or evaluated', async () => {
    const page = new DOMParser().parseFromString(
      await (await fetch('/demo/examples/plain/index.html')).text(),
      'text/html',
    );
    const meta = page.querySelector('meta[http-equiv="Content-Security-Policy"]');
    const policy = meta?.getAttribute('content') ?? '';
    const scriptSrc = policy.split(';').find((d) => d.trim().startsWith('script-src'));
    expect(scriptSrc?.trim()).to.equal("script-src 'self'");
    expect(policy).to.include("style-src 'self'");
    expect(policy).to.include("require-trusted-types-for 'script'");
    expect(policy).not.to.match(/unsafe-(inline|eval)|sha256-|nonce-/);
    // The test server adds its own script to every HTML page it serves (its web socket): not part of the page.
    const scripts = [...page.querySelectorAll('script')].filter(
      (s) => !s.getAttribute('src')?.startsWith('/__web-dev-server'),
    );
    // Nothing inline (no import map) and every script a module from this origin.
    expect(scripts.filter((s) => !s.getAttribute('src'))).to.deep.equal([]);
    expect(scripts.map((s) => s.type)).to.deep.equal(scripts.map(() => 'module'));
    const bundle = scripts.filter((s) => s.getAttribute('src') === BUNDLE);
    expect(bundle.length, 'one script tag loads the bundle').to.equal(1);
    // The page's own script (optional: it shows the state) imports nothing: the bundle is all the player needs.
    for (const own of scripts.filter((s) => s.getAttribute('src') !== BUNDLE)) {
      const code = await (
        await fetch(new URL(own.getAttribute('src')!, new URL('/demo/examples/plain/index.html', location.href)))
      ).text();
      expect(importsOf(code), own.getAttribute('src')!).to.deep.equal({ static: [], dynamic: [] });
    }
    // The policy applies from the start of the document: its meta element comes before every script.
    const head = [...page.head.children];
    expect(head.indexOf(meta!)).to.be.below(head.indexOf(scripts[0]!));
    // The element is configured by attributes alone.
    const element = page.querySelector('secure-video')!;
    expect(element.getAttribute('src')).to.match(/\.mpd$/);
    expect(element.hasAttribute('license-url')).to.equal(true);
  });

  it('ships a bundle that imports only files beside it (lit inside, shaka-player in a chunk loaded on demand)', async () => {
    const response = await fetch(BUNDLE);
    expect(response.ok, `${BUNDLE} (npm run build)`).to.equal(true);
    const code = await response.text();
    expect(code).to.match(/customElements\.define\(\s*["'`]secure-video["'`]/);
    const entry = importsOf(code);
    // shaka-player is imported dynamically (on the first src), never statically.
    expect(entry.dynamic.filter((s) => /shaka-player/.test(s)).length).to.equal(1);
    expect(entry.static.filter((s) => /shaka-player/.test(s))).to.deep.equal([]);
    // Every module it reaches, from the bundle's own folder by relative URLs only, exists and has a source map.
    const seen = new Set<string>();
    const queue = [new URL(BUNDLE, location.href).href];
    while (queue.length) {
      const url = queue.shift()!;
      if (seen.has(url)) continue;
      seen.add(url);
      const module = await fetch(url);
      expect(module.ok, url).to.equal(true);
      const text = await module.text();
      const map = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(text)?.[1];
      expect(map, `${url}: source map`).to.be.a('string');
      expect((await fetch(new URL(map!, url))).ok, `${url}: ${map}`).to.equal(true);
      const { static: statics, dynamic } = importsOf(text);
      for (const specifier of [...statics, ...dynamic]) {
        expect(specifier, `${url} imports ${specifier}`).to.match(/^\.\.?\//);
        queue.push(new URL(specifier, url).href);
      }
    }
    expect(seen.size).to.be.at.least(2);
  });
});
