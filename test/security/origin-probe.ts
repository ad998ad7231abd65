// Loaded by storage-origin.test.ts in an iframe: tries to read and to load() a stored persistent-license session by
// its ID, from whatever origin this page was loaded from, and posts what it found to the parent.
import { requestClearKeyAccess } from '../../src/cdm/index.js';
import { readSession } from '../../src/cdm/session-store.js';

export interface OriginProbeResult {
  type: 'origin-probe';
  origin: string;
  /** The record is readable from this origin's IndexedDB. */
  stored: boolean;
  /** load() found the session (EME 6.6.4 load: true only for a session stored by this origin). */
  loaded: boolean;
  /** A storage failure instead of an answer (e.g. no IndexedDB for a third-party frame). */
  failure: string | null;
}

async function probe(id: string): Promise<OriginProbeResult> {
  const result: OriginProbeResult = {
    type: 'origin-probe',
    origin: location.origin,
    stored: false,
    loaded: false,
    failure: null,
  };
  try {
    result.stored = (await readSession(id)) !== undefined;
    const access = await requestClearKeyAccess('org.w3.clearkey', [
      {
        initDataTypes: ['keyids'],
        audioCapabilities: [{ contentType: 'audio/mp4; codecs="mp4a.40.2"' }],
        sessionTypes: ['persistent-license'],
        persistentState: 'required',
      },
    ]);
    const session = (await access.createMediaKeys()).createSession('persistent-license');
    result.loaded = await session.load(id);
    await session.close();
  } catch (e) {
    result.failure = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  }
  return result;
}

const id = new URL(location.href).searchParams.get('id') ?? '';
parent.postMessage(await probe(id), '*');
