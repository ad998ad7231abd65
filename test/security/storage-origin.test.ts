// Issue 9 item 4: stored persistent licenses are scoped to the origin that stored them, and removable. The bundled
// CDM keeps them in IndexedDB, which the browser partitions by origin (EME 7.1.2 requires that "only the origin of
// this object's Document can access" them). A page of the same origin loads the stored session; a page of another
// origin (127.0.0.1 instead of localhost, same server) neither reads the record nor loads the session; after
// remove() and the release acknowledgement, nothing is left to load anywhere.
import { expect } from '@open-wc/testing';
import { requestClearKeyAccess } from '../../src/cdm/index.js';
import { deleteSession, readSession } from '../../src/cdm/session-store.js';
import { toBase64Url } from '../../src/cdm/bytes.js';
import { fromHex } from '../../src/mp4/bytes.js';
import { until } from '../helpers/events.js';
import { testKeys } from '../helpers/fixtures.js';
import type { OriginProbeResult } from './origin-probe.js';

const CONFIG: MediaKeySystemConfiguration = {
  initDataTypes: ['keyids'],
  audioCapabilities: [{ contentType: 'audio/mp4; codecs="mp4a.40.2"' }],
  sessionTypes: ['persistent-license'],
  persistentState: 'required',
};
const json = (value: unknown): Uint8Array<ArrayBuffer> => new TextEncoder().encode(JSON.stringify(value));

async function probeFrom(origin: string, id: string): Promise<OriginProbeResult> {
  const frame = document.createElement('iframe');
  const message = until<MessageEvent<OriginProbeResult>>(
    window,
    'message',
    (e) => e.source === frame.contentWindow && e.data?.type === 'origin-probe',
  );
  frame.src = `${origin}/test/security/origin-probe.html?id=${encodeURIComponent(id)}`;
  document.body.append(frame);
  try {
    return (await message).data;
  } finally {
    frame.remove();
  }
}

describe('security: persistent licenses are origin-scoped and removable', () => {
  let id = '';
  after(async () => {
    if (id) await deleteSession(id);
  });

  it('another origin cannot read or load a stored session; remove() leaves nothing to load', async () => {
    const keys = await testKeys();
    const [kidHex, keyHex] = Object.entries(keys)[0]!;
    const kid = toBase64Url(fromHex(kidHex));
    const mediaKeys = await (await requestClearKeyAccess('org.w3.clearkey', [CONFIG])).createMediaKeys();
    const session = mediaKeys.createSession('persistent-license');
    const request = until(session, 'message');
    await session.generateRequest('keyids', json({ kids: [kid] }));
    id = session.sessionId;
    await request;
    await session.update(
      json({ keys: [{ kty: 'oct', kid, k: toBase64Url(fromHex(keyHex)) }], type: 'persistent-license' }),
    );
    await session.close();
    expect(await readSession(id)).to.not.equal(undefined);

    const same = await probeFrom(location.origin, id);
    expect(same).to.include({ stored: true, loaded: true, failure: null });

    const otherOrigin = `${location.protocol}//127.0.0.1:${location.port}`;
    expect(otherOrigin).to.not.equal(location.origin);
    const other = await probeFrom(otherOrigin, id);
    expect(other.origin).to.equal(otherOrigin);
    expect(other.stored).to.equal(false);
    expect(other.loaded).to.equal(false);

    // Removable: remove() destroys the keys and asks for a release acknowledgement (EME 9.1.5 / 9.1.6).
    const again = mediaKeys.createSession('persistent-license');
    expect(await again.load(id)).to.equal(true);
    const release = until(again, 'message');
    await again.remove();
    await release;
    await again.update(json({ kids: [kid] }));
    expect(await again.closed).to.equal('release-acknowledged');
    expect(await readSession(id)).to.equal(undefined);
    expect(await probeFrom(location.origin, id)).to.include({ stored: false, loaded: false });
  });
});
