/**
 * The classic-script build (dist/clearkey-polyfill.iife.js): defines the global `SecureVideoClearKey` with
 * install(options), uninstall(), isInstalled() and decryptThread(), for pages that load players with <script> tags.
 */
import {
  clearKeyPolyfillDecryptThread,
  installClearKeyPolyfill,
  isClearKeyPolyfillInstalled,
  uninstallClearKeyPolyfill,
} from './install.js';

export const install = installClearKeyPolyfill;
export const uninstall = uninstallClearKeyPolyfill;
export const isInstalled = isClearKeyPolyfillInstalled;
export const decryptThread = clearKeyPolyfillDecryptThread;
