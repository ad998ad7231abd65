// Starts Xvfb (MiniBrowser has no headless mode) and WebKitWebDriver on free ports, and stops both,
// so a test run leaves no process behind.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';

const DRIVER_BINARIES = ['/usr/bin/WebKitWebDriver', '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/WebKitWebDriver'];

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

function stopChild(child) {
  if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Sends `signal` to every process of the process group `pgid` leads. */
function signalGroup(pgid, signal) {
  try {
    process.kill(-pgid, signal);
  } catch {
    // the group is empty
  }
}

/**
 * Stops the driver and everything in its process group: the MiniBrowser it started and that browser's web and
 * network processes, even those that outlived their parent (a web process deadlocked in GStreamer did, in CI:
 * "WebProcess didn't exit as expected"). SIGTERM first, then SIGKILL for whatever is left once the driver is gone.
 */
async function stopDriverGroup(driver) {
  signalGroup(driver.pid, 'SIGTERM');
  await stopChild(driver);
  signalGroup(driver.pid, 'SIGKILL');
}

/** Starts Xvfb on a display it picks itself (-displayfd) and resolves with ":N". */
function startXvfb() {
  return new Promise((resolve, reject) => {
    const child = spawn('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x800x24', '-nolisten', 'tcp'], {
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.stdio[3].on('data', (d) => {
      out += d;
      if (out.includes('\n')) resolve({ child, display: `:${out.trim()}` });
    });
    child.once('error', (e) =>
      reject(new Error(`Xvfb could not start (${e.message}). Install it with: apt-get install -y xvfb`)),
    );
    child.once('exit', (code) => reject(new Error(`Xvfb exited with ${code}: ${err.trim()}`)));
  });
}

async function waitForDriver(port, child) {
  for (let i = 0; i < 200; i++) {
    if (child.exitCode !== null) throw new Error(`WebKitWebDriver exited with ${child.exitCode}`);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/status`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('WebKitWebDriver did not answer on /status within 10 s');
}

export async function startWebKitDriver() {
  const binary = process.env.WEBKIT_WEBDRIVER_BIN || DRIVER_BINARIES.find((p) => existsSync(p));
  if (!binary) throw new Error('WebKitWebDriver was not found. Install it with: apt-get install -y webkit2gtk-driver');
  let xvfb;
  let display = process.env.DISPLAY;
  if (!display || process.env.SECURE_VIDEO_OWN_XVFB !== '0') {
    xvfb = await startXvfb();
    display = xvfb.display;
  }
  const port = await freePort();
  const driver = spawn(binary, [`--port=${port}`, '--host=127.0.0.1'], {
    stdio: ['ignore', 'ignore', 'inherit'],
    // A process group of its own, which the browser processes inherit: stopDriverGroup reaches them all.
    detached: true,
    // Accelerated compositing stays on (Mesa's software GL under Xvfb). With WEBKIT_DISABLE_COMPOSITING_MODE=1 the
    // GStreamer video sink hands each frame to the web process's main thread and waits for it to be painted; when
    // the main thread is itself waiting on a pipeline state change, both wait forever (gdb on a hung WebKitWebProcess
    // here: main thread in gst_element_change_state, the vqueue:src thread parked in the sink's repaint). That
    // froze about one page in twenty under load, CI's first failure among them.
    env: { ...process.env, DISPLAY: display },
  });
  const stop = async () => {
    await stopDriverGroup(driver);
    await stopChild(xvfb?.child);
  };
  const onExit = () => {
    signalGroup(driver.pid, 'SIGKILL');
    xvfb?.child.kill('SIGKILL');
  };
  // A run stopped with SIGTERM (tools/test-runner/per-browser.mjs stops one whose browser stopped answering) or
  // interrupted with Ctrl-C (which does not reach the driver's own process group) takes Xvfb, the driver and the
  // browser with it, through the exit handler.
  const onTerm = () => process.exit(143);
  const onInterrupt = () => process.exit(130);
  process.once('exit', onExit);
  process.once('SIGTERM', onTerm);
  process.once('SIGINT', onInterrupt);
  try {
    await waitForDriver(port, driver);
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    port,
    display,
    stop: async () => {
      process.off('exit', onExit);
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInterrupt);
      await stop();
    },
  };
}
