/**
 * The library's one Trusted Types policy (W3C Trusted Types, 3.2 TrustedTypePolicyFactory), `secure-video`: a page
 * that enforces Trusted Types (`require-trusted-types-for 'script'`) refuses plain strings at two places the library
 * uses, and a page with a `trusted-types` allowlist must list the name. Created once, on first use, with a rule for
 * each use and nothing else:
 * - createHTML passes a DASH manifest's text to DOMParser (an HTML sink for every MIME type; the XML document it makes
 *   runs no script and is only read, never inserted into the page: streaming/manifest-init-data.ts);
 * - createScriptURL passes the decrypt worker's URL to the Worker constructor, and no other URL (thread.ts).
 * Where the page refuses the policy, strings stay strings: the sink then throws, and its caller does without (the
 * manifest announces nothing; the decrypt core runs on the main thread).
 */

/** The policy's name. */
export const TRUSTED_TYPES_POLICY = 'secure-video';

interface Policy {
  createHTML(input: string): unknown;
  createScriptURL(input: string): unknown;
}

interface TrustedTypesFactory {
  createPolicy(
    name: string,
    rules: { createHTML: (input: string) => string; createScriptURL: (input: string) => string },
  ): Policy;
}

let policy: Policy | null | undefined;
/** The one script URL createScriptURL passes: the decrypt worker's, once thread.ts asked for it. */
let workerUrl: string | undefined;

function thePolicy(): Policy | null {
  if (policy === undefined) {
    const factory = (globalThis as { trustedTypes?: TrustedTypesFactory }).trustedTypes;
    try {
      policy =
        factory?.createPolicy(TRUSTED_TYPES_POLICY, {
          createHTML: (input) => input,
          createScriptURL: (input) => {
            if (input !== workerUrl) throw new TypeError(`${TRUSTED_TYPES_POLICY}: not its decrypt worker's URL`);
            return input;
          },
        }) ?? null;
    } catch {
      policy = null; // refused by the page's `trusted-types` directive
    }
  }
  return policy;
}

/** A manifest's text as DOMParser takes it on a page that enforces Trusted Types. */
export function trustedXmlSource(text: string): string {
  const p = thePolicy();
  return (p ? p.createHTML(text) : text) as string;
}

/** The decrypt worker's URL as the Worker constructor takes it on a page that enforces Trusted Types. */
export function trustedWorkerUrl(url: string): string {
  workerUrl = url;
  const p = thePolicy();
  return (p ? p.createScriptURL(url) : url) as string;
}
