// `npm run test:demo`: the demo and its examples in real browsers, one browser at a time (node:test; see harness.mjs
// for why these run outside `npm test`). For each browser:
// - `npm start`'s server: the gallery plays the cenc scenario with the native switch (fallback auto: the browser's
//   Clear Key where it has one) and with the bundled one (fallback always), each saving a screenshot under
//   test-results/demo/; the React and Vue examples play.
// - `npm run preview`'s server (dist-demo/, from `npm run build:demo`): the production gallery and the plain-HTML
//   example, whose page loads the built package through an import map with no build tool in between.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { openBrowser, playsInPage, requestedBrowsers, root, screenshotPath, startServer } from './harness.mjs';

const PLAY = { seconds: 1.5, deadlineMs: 60_000 };
const TIMEOUT = 120_000;

const servers = {};
before(async () => {
  assert.ok(
    existsSync(join(root, 'dist-demo/demo/index.html')),
    'dist-demo/ is missing: run `npm run build:demo` first (`npm run test:demo` does)',
  );
  servers.dev = await startServer('dev');
  servers.preview = await startServer('preview');
});
after(async () => {
  await servers.dev?.close();
  await servers.preview?.close();
});

for (const name of requestedBrowsers()) {
  describe(name, { concurrency: 1 }, () => {
    let browser;
    before(async () => {
      browser = await openBrowser(name);
    });
    after(async () => {
      await browser?.close();
    });

    for (const cdm of ['auto', 'always']) {
      it(
        `gallery: the cenc scenario plays with ${cdm === 'auto' ? 'the native switch' : 'the bundled CDM'}`,
        {
          timeout: TIMEOUT,
        },
        async () => {
          await browser.goto(`${servers.dev.url}/demo/?scenario=cenc&cdm=${cdm}`);
          const seen = await browser.evaluate(playsInPage, { selector: '#player', ...PLAY });
          // WebKitGTK has no EME: every switch position ends on the bundled CDM there.
          assert.equal(seen.cdm, cdm === 'auto' && seen.nativeEme ? 'native' : 'bundled');
          assert.equal(seen.keyStatuses.a0a1a2a3a4a5a6a7a8a9aaabacadaeaf, 'usable');
          assert.equal(seen.keyStatuses.b0b1b2b3b4b5b6b7b8b9babbbcbdbebf, 'usable');
          const page = await browser.evaluate(() => ({
            rows: document.querySelectorAll('#key-statuses th[scope="row"]').length,
            log: document.querySelector('#log').textContent,
            cdm: document.querySelector('#state-cdm').textContent,
            snippet: document.querySelector('#snippet').textContent,
          }));
          assert.equal(page.rows, 2, 'key-status table rows');
          assert.match(page.log, /license-response/);
          assert.equal(page.cdm, seen.cdm);
          assert.match(page.snippet, /<secure-video\s[^>]*license-url="\/license\?id=demo-cenc"/);
          await browser.screenshot(screenshotPath(`${name}-gallery-cenc-${cdm}.png`));
        },
      );
    }

    for (const example of ['react', 'vue']) {
      it(`${example} example plays`, { timeout: TIMEOUT }, async () => {
        await browser.goto(`${servers.dev.url}/demo/examples/${example}/`);
        const seen = await browser.evaluate(playsInPage, { selector: 'secure-video', ...PLAY });
        assert.equal(seen.drmState, 'usable');
        // The framework's listener saw the state change: the page shows it.
        const shown = await browser.evaluate(() => document.querySelector('#drm-state').textContent);
        assert.equal(shown, 'usable');
      });
    }

    it(
      'plain-HTML example plays from the built package (preview server, no build tool)',
      {
        timeout: TIMEOUT,
      },
      async () => {
        await browser.goto(`${servers.preview.url}/demo/examples/plain/`);
        const seen = await browser.evaluate(playsInPage, { selector: 'secure-video', ...PLAY });
        assert.equal(seen.drmState, 'usable');
        const page = await browser.evaluate(() => ({
          shown: document.querySelector('#drm-state').textContent,
          // The element came from /dist/ (the built package), not from sources.
          fromDist: performance
            .getEntriesByType('resource')
            .some((r) => new URL(r.name).pathname === '/dist/define.js'),
        }));
        assert.equal(page.shown, 'usable');
        assert.ok(page.fromDist, 'dist/define.js was loaded');
      },
    );

    it('production build: the gallery plays (preview server)', { timeout: TIMEOUT }, async () => {
      await browser.goto(`${servers.preview.url}/demo/?scenario=cbcs&cdm=always`);
      const seen = await browser.evaluate(playsInPage, { selector: '#player', ...PLAY });
      assert.equal(seen.cdm, 'bundled');
    });
  });
}
