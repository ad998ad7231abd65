/**
 * Vue with render functions (no SFC compiler needed). A `.`-prefixed key sets a DOM property, so `drm` gets the object;
 * `on<Event>` keys listen to the element's events (Vue hyphenates the name: onDrmstatechange -> drmstatechange).
 */
import { createApp, defineComponent, h, ref } from 'vue';
import '../../../src/define.js';
import type { DrmConfig, DrmErrorDetail, DrmStateDetail, SecureVideo } from '../../../src/index.js';

const drm: DrmConfig = { keySystems: { 'org.w3.clearkey': { licenseUrl: '/license?id=example-vue' } } };

const Player = defineComponent({
  setup() {
    const state = ref('none');
    const cdm = ref('none yet');
    const problem = ref('');
    return () =>
      h('main', [
        h('h1', '<secure-video> from Vue'),
        h('p', [h('a', { href: '../../' }, 'Back to the demo')]),
        h('secure-video', {
          controls: true,
          // `muted` is the live state (a property, as on <video>); the muted attribute is `defaultMuted`, which is what
          // lets autoplay start without a click.
          defaultMuted: true,
          autoplay: true,
          '.drm': drm,
          src: '/test/fixtures/cenc/manifest.mpd',
          onDrmstatechange: (event: CustomEvent<DrmStateDetail>) => {
            state.value = event.detail.state;
            cdm.value = (event.currentTarget as SecureVideo).cdm ?? 'none yet';
          },
          onDrmerror: (event: CustomEvent<DrmErrorDetail>) => {
            problem.value = `DRM error ${event.detail.error.code}: ${event.detail.error.message}`;
          },
        }),
        h('p', [
          'DRM state: ',
          h('output', { id: 'drm-state' }, state.value),
          ' · CDM: ',
          h('output', { id: 'cdm' }, cdm.value),
        ]),
        problem.value ? h('p', { role: 'alert' }, problem.value) : null,
      ]);
  },
});

createApp(Player).mount('#app');
