/**
 * secure-video/polyfill: the bundled Clear Key CDM behind the browser's own EME entry points, opt-in, for players
 * that drive EME themselves (shaka-player, hls.js, dash.js). Nothing is patched until installClearKeyPolyfill().
 *
 * ```js
 * import { installClearKeyPolyfill } from 'secure-video/polyfill';
 * await installClearKeyPolyfill(); // acts only where the browser has no working Clear Key; { force: true } always
 * // then load and configure the player as usual, with key system 'org.w3.clearkey'
 * ```
 *
 * Classic scripts: `<script src="clearkey-polyfill.iife.js">` defines `SecureVideoClearKey` with the same
 * `install(options)`, `uninstall()`, `isInstalled()` and `decryptThread()`. Install before loading players that bind EME functions
 * when they load (hls.js binds navigator.requestMediaKeySystemAccess at module evaluation).
 */
export {
  installClearKeyPolyfill,
  uninstallClearKeyPolyfill,
  isClearKeyPolyfillInstalled,
  clearKeyPolyfillDecryptThread,
  type ClearKeyPolyfillOptions,
} from './install.js';
export { ClearKeyMediaEncryptedEvent } from './events.js';
