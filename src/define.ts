import { SecureVideo } from './element/secure-video.js';

// The one place that registers the element; guarded so that two copies of the library on one page
// (or a re-imported module) do not throw.
if (!customElements.get('secure-video')) customElements.define('secure-video', SecureVideo);

export { SecureVideo };
