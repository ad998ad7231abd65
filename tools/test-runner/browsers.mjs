// Finds the three browsers the suite runs in and builds a @web/test-runner launcher for each.
//
// Order of discovery: an environment variable, then the Debian package's path, then Playwright's own
// browser cache (for developers who ran `npx playwright install` on a machine that allows it).
// A browser that cannot be found is a clear error naming the Debian package; under CI=true the run
// fails rather than silently shrinking to fewer browsers.
import { existsSync, readdirSync, mkdtempSync, rmSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { playwrightLauncher } from '@web/test-runner-playwright';
import { chromeLauncher } from '@web/test-runner-chrome';
import * as puppeteerCore from 'puppeteer-core';
import { startWebKitDriver } from './webkit-driver.mjs';
import { WebdriverLauncher } from '@web/test-runner-webdriver';

export const ALL_BROWSERS = ['chromium', 'firefox', 'webkit'];

const SPECS = {
  chromium: {
    env: 'CHROMIUM_BIN',
    debian: ['/usr/bin/chromium'],
    playwrightGlob: ['chromium-', 'chrome-linux/chrome'],
    packages: 'chromium',
  },
  firefox: {
    env: 'FIREFOX_BIN',
    debian: ['/usr/bin/firefox-esr', '/usr/bin/firefox'],
    playwrightGlob: null, // Playwright's patched Firefox cannot be driven by puppeteer-core's BiDi.
    packages: 'firefox-esr',
  },
  webkit: {
    env: 'MINIBROWSER_BIN',
    debian: [
      '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser',
      '/usr/lib/aarch64-linux-gnu/webkit2gtk-4.1/MiniBrowser',
    ],
    playwrightGlob: null,
    packages:
      'libwebkit2gtk-4.1-0 webkit2gtk-driver xvfb gstreamer1.0-plugins-good gstreamer1.0-plugins-bad gstreamer1.0-libav',
  },
};

function playwrightCacheBinary(prefix, rel) {
  const cache = process.env.PLAYWRIGHT_BROWSERS_PATH || join(homedir(), '.cache', 'ms-playwright');
  if (!existsSync(cache)) return undefined;
  const dirs = readdirSync(cache)
    .filter((d) => d.startsWith(prefix))
    .sort()
    .reverse();
  for (const d of dirs) {
    const p = join(cache, d, rel);
    if (existsSync(p)) return p;
  }
  return undefined;
}

/** Returns the executable for a browser, or throws an Error that says which package to install. */
export function findBrowser(name) {
  const spec = SPECS[name];
  if (!spec) throw new Error(`Unknown browser "${name}". Known: ${ALL_BROWSERS.join(', ')}`);
  const fromEnv = process.env[spec.env];
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`${spec.env}=${fromEnv} does not exist.`);
    return fromEnv;
  }
  for (const p of spec.debian) if (existsSync(p)) return p;
  if (spec.playwrightGlob) {
    const p = playwrightCacheBinary(...spec.playwrightGlob);
    if (p) return p;
  }
  throw new Error(
    `${name} was not found. Install it with: apt-get install -y ${spec.packages}` +
      ` (or point ${spec.env} at a binary).`,
  );
}

/** Parses BROWSERS (comma or space separated); defaults to all three. */
export function requestedBrowsers(value = process.env.BROWSERS) {
  if (!value) return [...ALL_BROWSERS];
  const list = value
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((b) => b.toLowerCase());
  for (const b of list) if (!ALL_BROWSERS.includes(b)) throw new Error(`BROWSERS: unknown browser "${b}"`);
  return list;
}

/**
 * How many test files a run opens at once: one, unless SV_CONCURRENCY says otherwise (Chromium and Firefox then
 * open a page per file, WebKit's WebDriver launcher an iframe per file in one page).
 * `SV_CONCURRENCY=2 BROWSERS=chromium npm test` takes 2.5-2.8 minutes instead of 4.2 on two cores, but not by
 * default: in one of four such runs a test met a race that only that load produced (fixed, but others may be
 * there), and a failed test is never run again. Firefox at two stalled a file and got slower; WebKitGTK's GStreamer
 * deadlocks get likelier under load.
 */
export function fileConcurrency(override = process.env.SV_CONCURRENCY) {
  if (!override) return 1;
  const n = Number(override);
  if (!Number.isInteger(n) || n < 1) throw new Error(`SV_CONCURRENCY: expected a whole number >= 1, got "${override}"`);
  return n;
}

// Chromium flags: the machine has no network, so background services only make noise; the autoplay
// policy lets tests call play() without a user gesture, as a page with a click would.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--autoplay-policy=no-user-gesture-required',
  '--disable-dev-shm-usage',
  // With SV_CONCURRENCY > 1 (fileConcurrency) test files share the browser: one in the background is not throttled.
  '--disable-background-timer-throttling',
  '--disable-renderer-backgrounding',
  '--disable-backgrounding-occluded-windows',
];

const FIREFOX_PREFS = {
  'media.autoplay.default': 0,
  'media.autoplay.blocking_policy': 0,
  'media.eme.enabled': true,
  'media.clearkey.persistent-license.enabled': false,
  'network.captive-portal-service.enabled': false,
  'browser.safebrowsing.malware.enabled': false,
  'browser.safebrowsing.phishing.enabled': false,
  'app.update.enabled': false,
  'datareporting.policy.dataSubmissionEnabled': false,
  'toolkit.telemetry.enabled': false,
};

/** A WebdriverLauncher that owns its Xvfb and WebKitWebDriver, started on first use, stopped with the runner. */
class WebKitGtkLauncher extends WebdriverLauncher {
  #binary;
  #driver;
  constructor(binary) {
    super({ capabilities: { browserName: 'MiniBrowser' } });
    this.#binary = binary;
  }
  async initialize(config, testFiles) {
    this.#driver = await startWebKitDriver();
    // Filled in now that the port is known; WebdriverLauncher reads this.options lazily.
    this.options = {
      hostname: '127.0.0.1',
      port: this.#driver.port,
      path: '/',
      logLevel: 'error',
      capabilities: {
        browserName: 'MiniBrowser',
        'wdio:enforceWebDriverClassic': true,
        // The autoplay policy as Chromium's and Firefox's above: play() without a user gesture. Under the default
        // policy WebKitGTK here pauses muted audio-only playback by itself: its GStreamer pipeline reports the sound
        // unmuted as playback starts (a 'volumechange' to muted false that no script made), and the now audible
        // element is paused for lack of a gesture (1 run in 4 stayed paused, FLAC through shaka).
        'webkitgtk:browserOptions': { binary: this.#binary, args: ['--automation', '--autoplay-policy=allow'] },
      },
    };
    await super.initialize(config, testFiles);
    this.name = 'WebKit';
  }
  async stop() {
    try {
      await super.stop();
    } finally {
      await this.#driver?.stop();
      this.#driver = undefined;
    }
  }
}

/** Builds the launcher for one browser; throws (see findBrowser) when it is missing. */
export function createLauncher(name) {
  const executablePath = findBrowser(name);
  switch (name) {
    case 'chromium':
      return playwrightLauncher({
        product: 'chromium',
        launchOptions: { executablePath, headless: true, args: CHROMIUM_ARGS },
      });
    case 'firefox': {
      const profile = mkdtempSync(join(tmpdir(), 'sv-firefox-'));
      const launcher = chromeLauncher({
        puppeteer: puppeteerCore,
        launchOptions: {
          browser: 'firefox',
          executablePath,
          headless: true,
          userDataDir: profile,
          extraPrefsFirefox: FIREFOX_PREFS,
        },
      });
      const stop = launcher.stop.bind(launcher);
      launcher.stop = async () => {
        try {
          await stop();
        } finally {
          rmSync(profile, { recursive: true, force: true });
        }
      };
      const init = launcher.initialize.bind(launcher);
      launcher.initialize = async (...args) => {
        await init(...args);
        launcher.name = 'Firefox';
      };
      return launcher;
    }
    case 'webkit':
      return new WebKitGtkLauncher(executablePath);
    default:
      throw new Error(`Unknown browser ${name}`);
  }
}
