/**
 * Where the answer to a CDM message comes from (EME MediaKeySession 'message' event, then update()): the inline
 * Clear Key keys of the config when it has them (no server then), otherwise the license server (license-client.ts),
 * or for an 'individualization-request' its own URL when one is configured. A Clear Key license's expiration (our
 * extension) is taken out of the JSON before the CDM sees it.
 */
import { CLEAR_KEY, inlineLicense, releaseAcknowledgement, takeExpiration } from './clear-key.js';
import { DrmError, DrmErrorCode } from './errors.js';
import type { DrmConfig } from './key-system-config.js';
import { fetchLicense } from './license-client.js';
import type { Setup } from './run.js';

/** One message to answer. */
export interface LicenseQuestion {
  messageType: MediaKeyMessageType;
  message: Uint8Array;
  sessionId: string;
  sessionType: MediaKeySessionType;
  /** Clear Key: the KIDs (base64url) the message asks for; null when it names none or the system is another. */
  kids: string[] | null;
}

/** The answer, and where it came from. */
export interface LicenseAnswer {
  /** What goes to MediaKeySession.update(). */
  response: Uint8Array;
  /** The server that answered (after the request filter); null for inline keys. */
  url: string | null;
  /** Its HTTP status; null for inline keys. */
  status: number | null;
  attempts: number;
  /** The license's own expiration (ms since the epoch), NaN when it has none. */
  expiration: number;
}

/**
 * Answers `question` for a run set up as `setup`. `onRequest` is called as each request goes out (url null: answered
 * from inline keys). Rejects with NO_LICENSE_SOURCE when there are neither inline keys nor a URL, with the license
 * client's DrmError when the server fails, and with the abort reason once `signal` aborts.
 */
export async function answerMessage(
  setup: Setup,
  question: LicenseQuestion,
  config: DrmConfig | null,
  signal: AbortSignal,
  onRequest: (url: string | null, attempt: number) => void,
): Promise<LicenseAnswer> {
  const { messageType, message, sessionId, kids } = question;
  let answer: Omit<LicenseAnswer, 'expiration'>;
  if (setup.clearKeys && kids && messageType !== 'individualization-request') {
    onRequest(null, 1);
    const response =
      messageType === 'license-release'
        ? releaseAcknowledgement(kids)
        : inlineLicense(kids, setup.clearKeys, question.sessionType);
    answer = { response, url: null, status: null, attempts: 1 };
  } else {
    const url =
      (messageType === 'individualization-request' ? setup.options.individualizationUrl : undefined) ??
      setup.options.licenseUrl;
    if (!url) {
      throw new DrmError(DrmErrorCode.NO_LICENSE_SOURCE, `No licenseUrl for ${setup.keySystem} ${messageType}`, {
        keySystem: setup.keySystem,
        messageType,
      });
    }
    const result = await fetchLicense(
      { url, keySystem: setup.keySystem, messageType, sessionId, body: message, headers: setup.options.headers },
      config?.license,
      signal,
      { onAttempt: (r) => onRequest(r.url, r.attempt) },
    );
    answer = { response: result.data, url: result.url, status: result.status, attempts: result.attempts };
  }
  if (setup.keySystem !== CLEAR_KEY || messageType === 'license-release') return { ...answer, expiration: NaN };
  const taken = takeExpiration(answer.response);
  return { ...answer, response: taken.license, expiration: taken.expiration ?? NaN };
}
