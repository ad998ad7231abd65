import type { ShakaNamespace } from './shaka-types.js';

let loading: Promise<ShakaNamespace> | undefined;

/**
 * Loads shaka-player on first use, so a page that never plays a manifest never downloads it.
 *
 * shaka ships only a UMD build: bundlers (Vite) convert it through CommonJS interop and hand it back as
 * the module's default export; loaded as a plain ES module (the test runner), the UMD wrapper finds no
 * `exports` and publishes `window.shaka` instead. Either way the same namespace comes back.
 */
export function loadShaka(): Promise<ShakaNamespace> {
  loading ??= import('shaka-player/dist/shaka-player.compiled-es2021.js').then(
    (mod: { default?: unknown }) => {
      const candidate = (mod.default ?? (globalThis as { shaka?: unknown }).shaka) as ShakaNamespace | undefined;
      if (!candidate?.Player) throw new Error('shaka-player loaded but exposed no Player');
      // shaka's polyfills only fill in missing platform pieces (e.g. VTTCue, MediaSource quirks); they
      // never touch EME when EME is absent, so installing them keeps "no globals patched" for EME.
      candidate.polyfill.installAll();
      return candidate;
    },
    (e: unknown) => {
      loading = undefined; // let a later load retry (e.g. after a transient network failure)
      throw e;
    },
  );
  return loading;
}
