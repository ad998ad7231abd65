/**
 * The persistent-license part of the demo. The element plays with `drm.sessionType: 'persistent-license'` on the
 * bundled CDM, which stores each license in IndexedDB; the demo notes the session IDs (from `license-response`, as
 * `persistentSessionIds` also lists them) in localStorage so that, after a reload, the element can load a stored
 * session (`loadSession(id)`: keys back without the server) and remove it (`removeSession(id)`: the CDM's
 * 'license-release' message goes to the license server, whose acknowledgement deletes the record).
 */
import { DrmError, DrmErrorCode } from '../src/index.js';
import type { SecureVideo } from '../src/index.js';

const STORAGE_KEY = 'secure-video-demo:persistent-sessions';

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

/**
 * Loads a stored session into the player's current source: its keys decrypt without a license request. False when
 * the CDM has no such session (removed, or storage cleared).
 */
export async function loadStoredSession(player: SecureVideo, id: string): Promise<boolean> {
  const loaded = await player.loadSession(id);
  if (!loaded) forgetSession(id);
  return loaded;
}

/**
 * Removes a stored session through the player (EME remove()): the release goes to the player's license server and its
 * acknowledgement deletes the stored license. Resolves false when no such session was stored.
 */
export async function removeStoredSession(player: SecureVideo, id: string): Promise<boolean> {
  try {
    await player.removeSession(id);
  } catch (error) {
    if (!(error instanceof DrmError && error.code === DrmErrorCode.SESSION_REMOVE_FAILED)) throw error;
    if (error.data['reason'] !== 'not found') throw error;
    forgetSession(id);
    return false;
  }
  forgetSession(id);
  return true;
}
