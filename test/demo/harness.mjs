// Node-side harness of the demo's end-to-end tests (test/demo/*.e2e.mjs, `npm run test:demo`): starts the Vite dev
// server (`npm start`) or the preview server (`npm run preview`) in-process, and drives one real browser at a time
// through one small interface, whatever its automation protocol:
//   Chromium: playwright-core (CDP); Firefox: puppeteer-core (WebDriver BiDi); WebKitGTK: webdriverio (classic
//   WebDriver, MiniBrowser under Xvfb, started by tools/test-runner/webkit-driver.mjs).
// These tests live outside `npm test` because the React and Vue examples need Vite's transforms (CommonJS React, JSX,
// Vue's bundler build), which the web-test-runner server does not apply.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { findBrowser } from '../../tools/test-runner/browsers.mjs';
import { startWebKitDriver } from '../../tools/test-runner/webkit-driver.mjs';

export const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
export const screenshotDir = join(root, 'test-results/demo');

/** Browsers to run, from BROWSERS (as `npm test` reads it); all three by default. */
export function requestedBrowsers() {
  const all = ['chromium', 'firefox', 'webkit'];
  const asked = (process.env.BROWSERS ?? '').split(/[\s,]+/).filter(Boolean);
  for (const b of asked) if (!all.includes(b)) throw new Error(`BROWSERS: unknown browser "${b}"`);
  return asked.length ? asked : all;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, 'localhost', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Starts `npm start`'s server (mode 'development') or `npm run preview`'s (mode 'demo', serving dist-demo/). */
export async function startServer(kind) {
  const vite = await import('vite');
  const configFile = join(root, 'vite.config.ts');
  if (kind === 'preview') {
    const server = await vite.preview({
      root,
      configFile,
      mode: 'demo',
      logLevel: 'warn',
      preview: { port: await freePort(), strictPort: true },
    });
    return { url: server.resolvedUrls.local[0].replace(/\/$/, ''), close: () => server.close() };
  }
  const server = await vite.createServer({
    root,
    configFile,
    logLevel: 'warn',
    server: { port: await freePort(), strictPort: true, hmr: false },
  });
  await server.listen();
  return { url: server.resolvedUrls.local[0].replace(/\/$/, ''), close: () => server.close() };
}

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-dev-shm-usage',
];
const FIREFOX_PREFS = { 'media.eme.enabled': true, 'app.update.enabled': false, 'toolkit.telemetry.enabled': false };
const VIEWPORT = { width: 1280, height: 1000 };

/**
 * Opens one browser with one page: `goto(url)`, `evaluate(fn, arg)` (fn runs in the page and may return a promise;
 * it must be self-contained), `screenshot(path)` (the whole page, to a file), `capture()` (the viewport, a PNG Buffer),
 * `renew()` (a fresh page for the next test), `close()`.
 */
export async function openBrowser(name) {
  const executablePath = findBrowser(name);
  if (name === 'chromium') return openChromium(executablePath);
  if (name === 'firefox') return openFirefox(executablePath);
  if (name === 'webkit') return openWebKit(executablePath);
  throw new Error(`unknown browser ${name}`);
}

async function openChromium(executablePath) {
  const { chromium } = await import('playwright-core');
  const browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
  let context = await browser.newContext({ viewport: VIEWPORT });
  let page = await context.newPage();
  return {
    name: 'chromium',
    goto: (url) => page.goto(url).then(() => undefined),
    evaluate: (fn, arg) => page.evaluate(fn, arg),
    screenshot: (path) => page.screenshot({ path, fullPage: true }).then(() => undefined),
    capture: () => page.screenshot(),
    renew: async () => {
      await context.close();
      context = await browser.newContext({ viewport: VIEWPORT });
      page = await context.newPage();
    },
    close: () => browser.close(),
  };
}

async function openFirefox(executablePath) {
  const puppeteer = await import('puppeteer-core');
  const profile = mkdtempSync(join(tmpdir(), 'sv-demo-firefox-'));
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath,
    headless: true,
    userDataDir: profile,
    extraPrefsFirefox: FIREFOX_PREFS,
  });
  const newPage = async () => {
    const p = await browser.newPage();
    await p.setViewport(VIEWPORT);
    return p;
  };
  let page = await newPage();
  return {
    name: 'firefox',
    goto: (url) => page.goto(url).then(() => undefined),
    evaluate: (fn, arg) => page.evaluate(fn, arg),
    screenshot: (path) => page.screenshot({ path, fullPage: true }).then(() => undefined),
    capture: async () => Buffer.from(await page.screenshot()),
    renew: async () => {
      const old = page;
      page = await newPage();
      await old.close();
    },
    close: async () => {
      try {
        await browser.close();
      } finally {
        rmSync(profile, { recursive: true, force: true });
      }
    },
  };
}

/**
 * WebKitGTK: one MiniBrowser (with its own WebKitWebDriver and Xvfb) per test, so that each test is a first visit and
 * a web process that stops answering (as one did in CI: a GStreamer deadlock, see webkit-driver.mjs) fails one test,
 * not every later one.
 */
async function openWebKit(executablePath) {
  let current = await startWebKitSession(executablePath);
  return {
    name: 'webkit',
    goto: (url) => current.goto(url),
    evaluate: (fn, arg) => current.browser.execute(fn, arg),
    screenshot: (path) => current.browser.saveScreenshot(path).then(() => undefined),
    capture: async () => Buffer.from(await current.browser.takeScreenshot(), 'base64'),
    renew: async () => {
      await current.close();
      current = await startWebKitSession(executablePath);
    },
    close: () => current.close(),
  };
}

async function startWebKitSession(executablePath) {
  const { remote } = await import('webdriverio');
  const driver = await startWebKitDriver();
  let browser;
  try {
    browser = await remote({
      hostname: '127.0.0.1',
      port: driver.port,
      path: '/',
      logLevel: 'error',
      // A failed command is an answer to report, not a request to send again (a retried script waits out its timeout).
      connectionRetryCount: 0,
      capabilities: {
        browserName: 'MiniBrowser',
        'wdio:enforceWebDriverClassic': true,
        'webkitgtk:browserOptions': { binary: executablePath, args: ['--automation'] },
      },
    });
    await browser.setTimeout({ script: 90_000, pageLoad: 60_000 });
    await browser.setWindowSize(VIEWPORT.width, VIEWPORT.height).catch(() => undefined);
  } catch (e) {
    await driver.stop();
    throw e;
  }
  return {
    browser,
    // WebKitWebDriver can answer a navigation while the previous page (playing media) is still unloading; a script
    // sent then dies with the old page. So wait until the new document is the one asked for (its hash aside: a page
    // may name in the hash what it shows, as the demo gallery does).
    goto: async (url) => {
      await browser.url(url);
      const asked = url.split('#')[0];
      await browser.waitUntil(
        async () =>
          (await browser.execute(() => `${location.href.split('#')[0]} ${document.readyState}`)) ===
          `${asked} complete`,
        { timeout: 30_000, interval: 100, timeoutMsg: `${url} did not load` },
      );
    },
    close: async () => {
      try {
        // A browser that stopped answering must not hold the run: stopping the driver and Xvfb ends it either way.
        let timer;
        const gaveUp = new Promise((resolve) => (timer = setTimeout(resolve, 10_000)));
        await Promise.race([browser.deleteSession(), gaveUp]).finally(() => clearTimeout(timer));
      } catch {
        // the session is gone already
      } finally {
        await driver.stop();
      }
    },
  };
}

/** Why the browser gave no answer (it hung or its page crashed): not a verdict on what the test checks. */
export class NoAnswer extends Error {}

/**
 * Whether `e` says the browser gave no answer: our own deadline, or a WebDriver error other than the page's own
 * ('javascript error': a script of the test threw or rejected). A crashed web process answers a pending script with
 * "Could not parse script result", a gone one with "invalid session id", a hung one not at all (UND_ERR_* timeouts).
 */
function isNoAnswer(e) {
  if (e instanceof NoAnswer) return true;
  return typeof e?.message === 'string' && e.message.startsWith('WebDriverError:') && e.name !== 'javascript error';
}

/**
 * Runs one test's body `fn` within `timeoutMs`. In WebKitGTK, whose GStreamer can deadlock or crash a web process
 * (tools/test-runner/per-browser.mjs), a body that got no answer from the browser (isNoAnswer) runs once more in a
 * fresh browser, and the log says so. An assertion that failed, or an error the page reported, is the test's verdict
 * and never runs again.
 */
export async function withRerunIfNoAnswer(browser, title, fn, timeoutMs) {
  const once = async () => {
    let timer;
    const deadline = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new NoAnswer(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
    });
    try {
      return await Promise.race([fn(), deadline]);
    } finally {
      clearTimeout(timer);
    }
  };
  try {
    return await once();
  } catch (e) {
    if (browser.name !== 'webkit' || !isNoAnswer(e)) throw e;
    console.log(
      `⚠ webkit: "${title}" got no answer (${String(e).split('\n')[0]}); running it again in a fresh browser.`,
    );
    await browser.renew();
    return once();
  }
}

export function screenshotPath(file) {
  mkdirSync(screenshotDir, { recursive: true });
  return join(screenshotDir, file);
}

/**
 * Runs in the page: waits until the first <secure-video> matching `selector` has played past `seconds` with its keys
 * usable, and resolves with what it saw. It rejects as soon as the element reports an error, and after `deadlineMs`
 * with the element's state (a deadline for a hung run, not a timing assertion). With `click: false` it never calls
 * play(): the page must start playback itself (autoplay). Self-contained: it is serialized.
 */
export async function playsInPage({ selector, seconds, deadlineMs, click = true }) {
  const find = () => document.querySelector(selector);
  await customElements.whenDefined('secure-video');
  const el =
    find() ??
    (await new Promise((resolve) => {
      const observer = new MutationObserver(() => {
        if (find()) {
          observer.disconnect();
          resolve(find());
        }
      });
      observer.observe(document.body, { childList: true, subtree: true });
    }));
  // Twice real time: the same segments, keys and frames, in half the wall time. The default rate too, which a media
  // element load (HTML: the load algorithm resets playbackRate to it) would otherwise put back to 1. Not in WebKitGTK:
  // under its default autoplay policy (kept here: the first visit must autoplay as a visitor's would) muted playback at
  // 2x stops within the first second there (3 of 3 runs), and plays at 1x.
  const webkit = !navigator.userAgent.includes('Chrome') && !navigator.userAgent.includes('Firefox');
  if (!webkit) {
    el.defaultPlaybackRate = 2;
    el.playbackRate = 2;
  }
  const describe = () =>
    `status=${el.status} drmState=${el.drmState} cdm=${el.cdm} currentTime=${el.currentTime} ` +
    `error=${el.error?.message ?? null} drmError=${el.drmError ? `${el.drmError.code} ${el.drmError.message}` : null}`;
  await new Promise((resolve, reject) => {
    const types = ['timeupdate', 'statuschange', 'drmstatechange', 'error', 'drmerror'];
    const done = (fn) => {
      clearTimeout(timer);
      for (const t of types) el.removeEventListener(t, check);
      fn();
    };
    const timer = setTimeout(() => done(() => reject(new Error(`did not play: ${describe()}`))), deadlineMs);
    function check() {
      if (el.status === 'error' || el.drmState === 'error') return done(() => reject(new Error(describe())));
      // A browser that blocked autoplay gets the click a visitor would give, unless the test says it must not need one.
      if (click && el.status === 'loaded' && el.paused && el.currentTime === 0) el.play().catch(() => undefined);
      if (el.currentTime > seconds && el.drmState === 'usable') done(resolve);
    }
    for (const t of types) el.addEventListener(t, check);
    check();
  });
  return {
    cdm: el.cdm,
    drmState: el.drmState,
    currentTime: el.currentTime,
    keyStatuses: Object.fromEntries(el.keyStatuses),
    nativeEme: typeof navigator.requestMediaKeySystemAccess === 'function',
  };
}

/**
 * Runs in the demo page: resolves with the text of the first line of the event log (#log) matching `pattern` (a
 * RegExp source), waiting for it with a MutationObserver; rejects after `deadlineMs` with the log so far.
 */
export async function logLine({ pattern, deadlineMs }) {
  const log = document.querySelector('#log');
  const re = new RegExp(pattern);
  const find = () => [...log.children].map((li) => li.textContent).find((text) => re.test(text));
  return (
    find() ??
    (await new Promise((resolve, reject) => {
      const observer = new MutationObserver(() => {
        const line = find();
        if (line === undefined) return;
        observer.disconnect();
        clearTimeout(timer);
        resolve(line);
      });
      const timer = setTimeout(() => {
        observer.disconnect();
        const lines = [...log.children].map((li) => li.textContent).join('\n');
        reject(new Error(`no log line matches /${pattern}/ in:\n${lines}`));
      }, deadlineMs);
      observer.observe(log, { childList: true });
    }))
  );
}

/** Runs in the demo page: clicks `button`, then resolves with #persistent-result's text once it matches `pattern`. */
export async function clickFor({ button, pattern, deadlineMs }) {
  const out = document.querySelector('#persistent-result');
  const re = new RegExp(pattern);
  const seen = new Promise((resolve, reject) => {
    const observer = new MutationObserver(() => {
      if (!re.test(out.textContent)) return;
      observer.disconnect();
      clearTimeout(timer);
      resolve(out.textContent);
    });
    const timer = setTimeout(() => {
      observer.disconnect();
      reject(new Error(`#persistent-result says "${out.textContent}", not /${pattern}/`));
    }, deadlineMs);
    observer.observe(out, { childList: true, characterData: true, subtree: true });
  });
  document.querySelector(button).click();
  return seen;
}

/**
 * Runs in the page: the boxes (viewport CSS pixels) of the default control icons of the <secure-video> `selector`,
 * after showing or hiding them all (`hidden`). The inner video is drawn black first, so that between two screenshots
 * only the icons change (its frames would too). `state` sets the faces first: 'playing-muted' (pause and sound-off
 * icons; it loops the clip so that it does not end meanwhile), 'paused-unmuted' (play and sound-on). Self-contained:
 * it is serialized.
 */
export async function controlIcons({ selector, hidden, state }) {
  const player = document.querySelector(selector);
  // Black, not hidden: Firefox pauses a muted autoplaying video that is not visible.
  player.media.style.filter = 'brightness(0)';
  if (state === 'playing-muted') {
    // The clip is 4 s long: it must not end (and pause) between two screenshots.
    player.loop = true;
    if (player.paused) await player.play();
  } else if (state === 'paused-unmuted') {
    player.pause();
    player.muted = false;
  }
  // The controls read the media's state when they render: render now rather than on its next event.
  player.requestUpdate();
  await player.updateComplete;
  const bar = player.shadowRoot.querySelector('[part~="controls"]');
  if (bar.getBoundingClientRect().bottom > innerHeight) bar.scrollIntoView({ block: 'end' });
  const icons = [...bar.querySelectorAll('button svg')];
  for (const icon of icons) icon.style.visibility = hidden ? 'hidden' : '';
  // Painted before the screenshot: WebKitGTK's screenshot otherwise showed some icons as they were before.
  await new Promise((painted) => requestAnimationFrame(() => requestAnimationFrame(painted)));
  return {
    viewportWidth: innerWidth,
    expected: [
      ...(document.pictureInPictureEnabled ? ['pip-icon'] : []),
      ...(document.fullscreenEnabled ? ['fullscreen-enter-icon'] : []),
    ],
    icons: icons.map((icon) => {
      const box = icon.getBoundingClientRect();
      return { name: icon.closest('slot').name, x: box.x, y: box.y, width: box.width, height: box.height };
    }),
  };
}
