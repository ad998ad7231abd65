/**
 * The classic-script build (dist/clearkey-polyfill.iife.js): defines the global `SecureVideoClearKey` with
 * install(options) and uninstall(), for pages that load players with <script> tags.
 */
import { installClearKeyPolyfill, isClearKeyPolyfillInstalled, uninstallClearKeyPolyfill } from './install.js';

export const install = installClearKeyPolyfill;
export const uninstall = uninstallClearKeyPolyfill;
export const isInstalled = isClearKeyPolyfillInstalled;
