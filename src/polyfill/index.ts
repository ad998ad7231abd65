/**
 * secure-video/polyfill: the bundled Clear Key CDM behind the browser's own EME entry points, opt-in, for players
 * that drive EME themselves (shaka-player, hls.js, dash.js). Nothing is patched until installClearKeyPolyfill().
 */
export {
  installClearKeyPolyfill,
  uninstallClearKeyPolyfill,
  isClearKeyPolyfillInstalled,
  type ClearKeyPolyfillOptions,
} from './install.js';
export { ClearKeyMediaEncryptedEvent } from './events.js';
