/**
 * The CDM's own judgement of a MediaKeySystemMediaCapability contentType (EME 3.1.1.3 Get Supported Capabilities for
 * Audio/Video Type, steps 3.4 - 3.11), made before the platform is asked whether it can decode the type.
 *
 * A platform's MediaSource.isTypeSupported() answers a different question ("could MSE take this?") and some answer
 * it loosely (WebKit accepts audio codecs in video/* and unknown parameters), so the spec's checks are made here:
 * the MIME type parses (RFC 9110 8.3.1 media-type grammar, case-insensitive type and parameter names), its only
 * parameter is RFC 6381 `codecs`, every entry of the codecs list is a codec this container carries, and a video
 * capability names only video codecs, an audio capability only audio codecs ("strictly an audio/video type").
 */

/** The containers the bundled CDM's media path handles, and the codec families (RFC 6381 first element) of each. */
const CODECS_OF_CONTAINER: Readonly<Record<string, Readonly<Record<string, 'audio' | 'video'>>>> = {
  // ISO BMFF: ISO/IEC 14496-15 (AVC, HEVC), VP codec ISO BMFF binding, AV1 ISOBMFF binding, 14496-3 (AAC),
  // Opus and FLAC in ISOBMFF, ETSI TS 102 366 (AC-3, E-AC-3).
  mp4: {
    avc1: 'video',
    avc3: 'video',
    hvc1: 'video',
    hev1: 'video',
    dvh1: 'video',
    dvhe: 'video',
    vp09: 'video',
    av01: 'video',
    mp4a: 'audio',
    opus: 'audio',
    Opus: 'audio',
    fLaC: 'audio',
    flac: 'audio',
    'ac-3': 'audio',
    'ec-3': 'audio',
  },
  // WebM: the WebM codec registry (VP8, VP9, AV1, Vorbis, Opus).
  webm: {
    vp8: 'video',
    'vp8.0': 'video',
    vp9: 'video',
    'vp9.0': 'video',
    vp09: 'video',
    av01: 'video',
    vorbis: 'audio',
    opus: 'audio',
  },
};

/** RFC 9110 5.6.2 token characters. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export interface ParsedContentType {
  /** 'audio' or 'video', lower case. */
  type: string;
  /** The container subtype, lower case ('mp4', 'webm', ...). */
  subtype: string;
  /** The entries of the codecs parameter, trimmed; empty when the parameter is absent. */
  codecs: string[];
  /** Parameter names other than codecs, lower case. */
  otherParameters: string[];
}

/** Parses a MIME type with parameters; undefined when it is not one. */
export function parseContentType(contentType: string): ParsedContentType | undefined {
  const text = contentType.trim();
  const [essence = '', ...rest] = splitParameters(text);
  const slash = essence.indexOf('/');
  if (slash < 0) return undefined;
  const type = essence.slice(0, slash).trim().toLowerCase();
  const subtype = essence
    .slice(slash + 1)
    .trim()
    .toLowerCase();
  if (!TOKEN.test(type) || !TOKEN.test(subtype)) return undefined;
  let codecs: string[] = [];
  const otherParameters: string[] = [];
  for (const parameter of rest) {
    const eq = parameter.indexOf('=');
    if (eq < 0) return undefined;
    const name = parameter.slice(0, eq).trim().toLowerCase();
    let value = parameter.slice(eq + 1).trim();
    if (!TOKEN.test(name)) return undefined;
    if (value.startsWith('"')) {
      if (value.length < 2 || !value.endsWith('"')) return undefined;
      value = value.slice(1, -1).replace(/\\(.)/g, '$1');
    } else if (!TOKEN.test(value.replace(/,/g, ''))) {
      return undefined;
    }
    if (name === 'codecs') codecs = value.split(',').map((c) => c.trim());
    else otherParameters.push(name);
  }
  return { type, subtype, codecs, otherParameters };
}

/**
 * EME 3.1.1.3 steps 3.4 - 3.11 for the bundled CDM, up to asking the platform: whether `contentType` is a valid,
 * supported, strictly `mediaType` type. Returns the normalized type to ask the platform about, or undefined.
 */
export function judgeContentType(mediaType: 'audio' | 'video', contentType: string): string | undefined {
  // 3.4-3.5. Not a MIME type: continue.
  const parsed = parseContentType(contentType);
  if (!parsed) return undefined;
  // 3.11 (strictly an audio/video type) for the top-level type.
  if (parsed.type !== mediaType) return undefined;
  // 3.6. A container this CDM's media path does not handle.
  const codecsOfContainer = CODECS_OF_CONTAINER[parsed.subtype];
  if (!codecsOfContainer) return undefined;
  // 3.7-3.8. RFC 6381 defines only `codecs` here; a parameter the user agent does not recognize: continue.
  if (parsed.otherParameters.length > 0) return undefined;
  // 3.9-3.10. Every listed codec must be valid in this container (an empty entry is no codec at all), and, 3.11,
  // of this media type: video codecs in an audio capability (or the reverse) make it not strictly that type.
  for (const codec of parsed.codecs) {
    const family = codec.split('.')[0]!;
    const kind = codecsOfContainer[codec] ?? codecsOfContainer[family];
    if (codec === '' || kind !== mediaType) return undefined;
  }
  const base = `${parsed.type}/${parsed.subtype}`;
  return parsed.codecs.length > 0 ? `${base}; codecs="${parsed.codecs.join(',')}"` : base;
}

/** Splits at `;` outside quoted strings. */
function splitParameters(text: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted && c === '\\' && i + 1 < text.length) {
      current += c + text[++i]!;
      continue;
    }
    if (c === '"') quoted = !quoted;
    if (c === ';' && !quoted) {
      parts.push(current);
      current = '';
    } else {
      current += c;
    }
  }
  parts.push(current);
  return parts;
}
