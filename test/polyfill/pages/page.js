// Shared by the plain pages that dist-pages.test.ts loads in iframes: how a page tells the test what happened, and
// the settings each player needs for the fixtures (the same as test/polyfill/players.ts, in plain JavaScript). It is
// no part of what a user loads: each page loads the polyfill and its player itself, as the README and the player's
// documentation say. Loaded first, so it sees the platform's own MediaKeys interface (if any) before the polyfill.
(() => {
  const params = new URLSearchParams(location.search);
  const PlatformMediaKeys = window.MediaKeys;
  /** Playback must pass this position (seconds) with frames decoded. */
  const TARGET = 1.5;
  const isWebKit = !navigator.userAgent.includes('Firefox') && !navigator.userAgent.includes('Chrome');
  /** kid hex -> key hex of the fixture's TEST keys, given by the test. */
  const keys = JSON.parse(params.get('keys') ?? '{}');
  const fixture = `/test/fixtures/${params.get('fixture')}/`;

  let fail;
  const failure = new Promise((_, reject) => (fail = (message) => reject(new Error(message))));
  failure.catch(() => undefined);

  function post(message) {
    parent.postMessage({ type: 'dist-page', ...message }, location.origin);
  }

  /** Resolves once a `type` event of `target` passes `test`. */
  function until(target, type, test = () => true) {
    return new Promise((resolve) => {
      const on = (e) => {
        if (!test(e)) return;
        target.removeEventListener(type, on);
        resolve(e);
      };
      target.addEventListener(type, on);
    });
  }

  /** Plays until the element is past TARGET, or rejects with the first failure. */
  async function playThrough(video) {
    const past = until(video, 'timeupdate', () => video.currentTime > TARGET);
    await Promise.race([video.play(), failure]);
    await Promise.race([past, failure]);
  }

  function base64(hex) {
    return btoa(String.fromCharCode(...hex.match(/../g).map((h) => parseInt(h, 16))));
  }

  function base64url(hex) {
    return base64(hex).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  }

  /** hls.js reads Clear Key keys as KEYFORMAT="org.w3.clearkey" with the KID in a data: URI (see players.ts forHlsJs). */
  function forHlsJs(playlist) {
    return playlist.replace(
      /#EXT-X-KEY:METHOD=([\w-]+),KEYFORMAT="urn:uuid:1077efec-c0b2-4d02-ace3-3c1e52e2fb4b",[^\n]*KEYID=0x([0-9a-f]{32})/gi,
      (_tag, method, kid) =>
        `#EXT-X-KEY:METHOD=${method},KEYFORMAT="org.w3.clearkey",URI="data:text/plain;base64,${base64(kid)}"`,
    );
  }

  /**
   * The fixture's DASH manifest less what `drop` matches, as an object URL (with a BaseURL so segments still resolve).
   */
  async function manifestWithout(drop) {
    const absolute = new URL(`${fixture}manifest.mpd`, location.href);
    let text = await (await fetch(absolute)).text();
    text = text.replace(drop, '');
    text = text.replace(/(<MPD[^>]*>)/, `$1<BaseURL>${new URL('.', absolute).href}</BaseURL>`);
    return URL.createObjectURL(new Blob([text], { type: 'application/dash+xml' }));
  }

  window.distPage = {
    params,
    isWebKit,
    /** The polyfill's install option: force where the platform has a Clear Key CDM of its own. */
    force: !isWebKit,
    license: params.get('license'),
    keys,
    fixture,
    fail,
    playThrough,

    /**
     * Runs the page's steps with its <video>, then tells the test what the element did. `polyfill`: the polyfill's
     * API where the page imported it as a module (a classic page has it as SecureVideoClearKey).
     */
    async run(steps, polyfill) {
      const video = document.querySelector('video');
      video.addEventListener('error', () => fail(`media error ${video.error?.code}: ${video.error?.message}`));
      try {
        await Promise.race([steps(video), failure]);
        const mediaKeys = video.mediaKeys;
        post({
          ok: true,
          currentTime: video.currentTime,
          frames: video.getVideoPlaybackQuality().totalVideoFrames,
          // The bundled CDM's MediaKeys is no instance of the platform's interface (where there is one).
          bundled: mediaKeys !== null && !(PlatformMediaKeys && mediaKeys instanceof PlatformMediaKeys),
          decryptThread: polyfill
            ? polyfill.clearKeyPolyfillDecryptThread()
            : (window.SecureVideoClearKey?.decryptThread() ?? null),
        });
      } catch (e) {
        post({ ok: false, error: String(e?.message ?? e), readyState: video.readyState });
      }
    },

    /**
     * shaka-player as its documentation drives it, with the license server or with drm.clearKeys. The manifest's
     * dashif:Laurl goes, as shaka prefers it to drm.servers: the test's license URL counts this page's requests.
     */
    async playShaka(shaka, video) {
      const player = new shaka.Player();
      player.addEventListener('error', (e) => fail(`shaka ${e.detail.code}`));
      await player.attach(video);
      if (params.get('drm') === 'clearKeys') player.configure({ drm: { clearKeys: keys } });
      else player.configure({ drm: { servers: { 'org.w3.clearkey': this.license } } });
      await player.load(await manifestWithout(/<dashif:Laurl>[^<]*<\/dashif:Laurl>/g));
      await playThrough(video);
      const keySystem = player.drmInfo()?.keySystem;
      if (keySystem !== 'org.w3.clearkey') fail(`shaka used ${keySystem}`);
    },

    /** hls.js with the playlist dialect and license request of players.ts hlsConfig(). */
    async playHls(Hls, video) {
      const Base = Hls.DefaultConfig.loader;
      class PlaylistLoader extends Base {
        load(context, config, callbacks) {
          const onSuccess = callbacks.onSuccess;
          super.load(context, config, {
            ...callbacks,
            onSuccess: (response, stats, ctx, net) => {
              if (typeof response.data === 'string') response.data = forHlsJs(response.data);
              onSuccess(response, stats, ctx, net);
            },
          });
        }
      }
      const hls = new Hls({
        pLoader: PlaylistLoader,
        emeEnabled: true,
        drmSystems: { 'org.w3.clearkey': { licenseUrl: this.license } },
        // hls.js gives every 'encrypted' event to the first key's session: that session asks for every key.
        licenseXhrSetup: (_xhr, _url, _context, challenge) => {
          const request = JSON.parse(new TextDecoder().decode(challenge));
          request.kids = Object.keys(keys).map(base64url);
          return new TextEncoder().encode(JSON.stringify(request));
        },
      });
      hls.on(Hls.Events.ERROR, (_e, data) => {
        if (data.fatal) fail(`hls.js ${data.type} ${data.details}`);
      });
      hls.attachMedia(video);
      hls.loadSource(`${fixture}master.m3u8`);
      await until(video, 'loadedmetadata');
      await playThrough(video);
    },

    /**
     * dash.js with the fixture's manifest less its cenc:pssh (dash.js 5.2 would hand the pssh box to
     * generateRequest as 'keyids' init data, a TypeError in every Clear Key CDM: players.ts DashManifestOptions).
     */
    async playDash(dashjs, video) {
      const manifest = await manifestWithout(/<cenc:pssh>[^<]*<\/cenc:pssh>/g);
      const player = dashjs.MediaPlayer().create();
      player.on('error', (e) => fail(`dash.js ${e.error?.code}: ${e.error?.message}`));
      player.setProtectionData({ 'org.w3.clearkey': { serverURL: this.license } });
      player.initialize(video, manifest, false);
      await until(video, 'loadedmetadata');
      await playThrough(video);
    },
  };
})();
