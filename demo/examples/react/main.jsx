// React 19 sets a custom element's known properties as properties (so `drm` gets the object, not "[object Object]")
// and turns `on<event>` props into listeners for that event name, as written.
import { StrictMode, useState } from 'react';
import { createRoot } from 'react-dom/client';
import '../../../src/define.ts';

const drm = { keySystems: { 'org.w3.clearkey': { licenseUrl: '/license?id=example-react' } } };

function Player() {
  const [state, setState] = useState('none');
  const [cdm, setCdm] = useState('none yet');
  const [problem, setProblem] = useState('');
  return (
    <main>
      <h1>&lt;secure-video&gt; from React</h1>
      <p>
        <a href="../../">Back to the demo</a>
      </p>
      <secure-video
        controls
        // `muted` is the live state (a property, as on <video>); the muted attribute is `defaultMuted`, which is
        // what lets autoplay start without a click.
        defaultMuted
        autoplay
        drm={drm}
        src="/test/fixtures/cenc/manifest.mpd"
        ondrmstatechange={(event) => {
          setState(event.detail.state);
          setCdm(event.currentTarget.cdm ?? 'none yet');
        }}
        ondrmerror={(event) => setProblem(`DRM error ${event.detail.error.code}: ${event.detail.error.message}`)}
      />
      <p>
        DRM state: <output id="drm-state">{state}</output> · CDM: <output id="cdm">{cdm}</output>
      </p>
      {problem && <p role="alert">{problem}</p>}
    </main>
  );
}

createRoot(document.getElementById('root')).render(
  <StrictMode>
    <Player />
  </StrictMode>,
);
