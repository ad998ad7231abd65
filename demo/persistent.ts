/**
 * The persistent-license part of the demo. The element plays with `sessionType: 'persistent-license'` on the bundled
 * CDM, which stores each license in IndexedDB; the demo notes the session IDs (from `license-response`) in
 * localStorage so that, after a reload, it can load a stored session (EME MediaKeySession.load: keys back without the
 * server) and remove it (remove() sends a 'license-release' message; the server's acknowledgement deletes the record).
 *
 * The element does not take a stored session ID yet, so loading and removing go through the bundled CDM's own API
 * (`secure-video/cdm`), the same objects the element drives.
 */
import { requestClearKeyAccess } from '../src/cdm/index.js';

const STORAGE_KEY = 'secure-video-demo:persistent-sessions';

const CONFIGURATION: MediaKeySystemConfiguration = {
  initDataTypes: ['cenc', 'keyids'],
  videoCapabilities: [{ contentType: 'video/mp4; codecs="avc1.42E01E"' }],
  audioCapabilities: [{ contentType: 'audio/mp4; codecs="mp4a.40.2"' }],
  persistentState: 'required',
  sessionTypes: ['persistent-license'],
};

/** Session IDs the demo has seen licensed, oldest first. */
export function storedSessionIds(): string[] {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? '[]');
    return Array.isArray(parsed) ? parsed.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

function save(ids: string[]): void {
  localStorage.setItem(STORAGE_KEY, JSON.stringify(ids));
}

export function rememberSession(id: string): void {
  const ids = storedSessionIds();
  if (id && !ids.includes(id)) save([...ids, id]);
}

export function forgetSession(id: string): void {
  save(storedSessionIds().filter((x) => x !== id));
}

async function openSession(id: string): Promise<MediaKeySession | null> {
  const access = await requestClearKeyAccess('org.w3.clearkey', [CONFIGURATION]);
  const mediaKeys = await access.createMediaKeys();
  const session = mediaKeys.createSession('persistent-license');
  return (await session.load(id)) ? session : null;
}

/** KID hex -> status of a session. */
export function statusesOf(session: MediaKeySession): Map<string, MediaKeyStatus> {
  const out = new Map<string, MediaKeyStatus>();
  session.keyStatuses.forEach((status, kid) => {
    const bytes = ArrayBuffer.isView(kid)
      ? new Uint8Array(kid.buffer, kid.byteOffset, kid.byteLength)
      : new Uint8Array(kid);
    out.set([...bytes].map((b) => b.toString(16).padStart(2, '0')).join(''), status);
  });
  return out;
}

/** Loads a stored session; null when the CDM has no such session (removed, or storage cleared). */
export async function loadStoredSession(id: string): Promise<MediaKeySession | null> {
  const session = await openSession(id);
  if (!session) forgetSession(id);
  return session;
}

/**
 * Removes a stored session (EME 6.x remove()): the CDM's 'license-release' message goes to `licenseUrl`, and the
 * acknowledgement passed to update() deletes the stored record. Resolves once the session is closed.
 */
export async function removeStoredSession(id: string, licenseUrl: string): Promise<boolean> {
  const session = await openSession(id);
  if (!session) {
    forgetSession(id);
    return false;
  }
  const released = new Promise<void>((resolve, reject) => {
    session.addEventListener('message', (event) => {
      const { messageType, message } = event as MediaKeyMessageEvent;
      if (messageType !== 'license-release') return;
      fetch(licenseUrl, { method: 'POST', body: message, cache: 'no-store' })
        .then(async (response) => {
          if (!response.ok) throw new Error(`license server answered ${response.status}`);
          await session.update(await response.arrayBuffer());
          resolve();
        })
        .catch(reject);
    });
  });
  await session.remove();
  await released;
  await session.closed;
  forgetSession(id);
  return true;
}
