// Issue 16 item 3: one error model. Every typed error derives from SecureVideoError (layer, code, data, cause), each
// layer's codes lie in its own range, and docs/errors.md lists every code of every layer with the source's name, and
// nothing else: the doc cannot drift from the code.
import { expect } from '@open-wc/testing';
import {
  CdmError,
  CdmErrorCode,
  CryptoError,
  CryptoErrorCode,
  DrmError,
  DrmErrorCategory,
  DrmErrorCode,
  ErrorLayer,
  MissingKeyError,
  Mp4ErrorCode,
  Mp4ParseError,
  PlaybackError,
  PlaybackErrorCode,
  SecureVideoError,
} from '../../src/index.js';
import { CdmError as CdmErrorOfCdmEntry, CdmErrorCode as CdmErrorCodeOfCdmEntry } from '../../src/cdm/index.js';
import { fromHex } from '../../src/mp4/bytes.js';

/** Each layer's code constants, as the source exports them. */
const CODES_OF: Record<ErrorLayer, Record<string, number>> = {
  playback: PlaybackErrorCode,
  mp4: Mp4ErrorCode,
  crypto: CryptoErrorCode,
  cdm: CdmErrorCode,
  drm: DrmErrorCode,
};

interface Doc {
  /** The code range of each layer, from the "Code ranges" table. */
  ranges: Map<string, { from: number; to: number }>;
  /** The rows of each layer's table: code -> name. */
  codes: Map<string, Map<number, string>>;
}

/** Reads docs/errors.md: the range table, and under each `## <layer>` heading its `| code | `NAME` | ...` rows. */
async function readDoc(): Promise<Doc> {
  const text = await (await fetch('/docs/errors.md')).text();
  const ranges = new Map<string, { from: number; to: number }>();
  const codes = new Map<string, Map<number, string>>();
  let section = '';
  for (const line of text.split('\n')) {
    const heading = /^## (.+)$/.exec(line);
    if (heading) {
      section = heading[1]!.trim();
      continue;
    }
    const range = /^\|\s*`([a-z0-9]+)`\s*\|[^|]*\|\s*(\d+)-(\d+)\s*\|$/.exec(line);
    if (section === 'Code ranges' && range) {
      ranges.set(range[1]!, { from: Number(range[2]), to: Number(range[3]) });
      continue;
    }
    const row = /^\|\s*(\d+)\s*\|\s*`([A-Z_]+)`\s*\|/.exec(line);
    if (row) {
      if (!codes.has(section)) codes.set(section, new Map());
      const table = codes.get(section)!;
      expect(table.has(Number(row[1])), `code ${row[1]} listed twice under ${section}`).to.equal(false);
      table.set(Number(row[1]), row[2]!);
    }
  }
  return { ranges, codes };
}

/** One error of each class, as the layers make them. */
function oneOfEach(): SecureVideoError[] {
  return [
    new PlaybackError(PlaybackErrorCode.NETWORK, 'HTTP 404'),
    new Mp4ParseError(Mp4ErrorCode.TRUNCATED, 'short', 'moof/traf/senc', { count: 3 }),
    new CryptoError(CryptoErrorCode.DECRYPT_FAILED, 'failed', { mode: 'AES-CBC' }),
    new MissingKeyError(fromHex('a0a1a2a3a4a5a6a7a8a9aaabacadaeaf')),
    new CdmError(CdmErrorCode.KEY_WAIT_ABORTED, 'aborted', { kidHex: 'a0' }),
    new DrmError(DrmErrorCode.LICENSE_TIMEOUT, 'timeout', { timeoutMs: 10 }),
  ];
}

describe('errors: one model, one table', () => {
  it('docs/errors.md lists every code of every layer with its name, and nothing else', async () => {
    const doc = await readDoc();
    expect([...doc.codes.keys()].sort()).to.deep.equal(Object.values(ErrorLayer).sort());
    for (const [layer, constants] of Object.entries(CODES_OF)) {
      const inSource = new Map(Object.entries(constants).map(([name, code]) => [code, name]));
      expect(inSource.size, `${layer}: two names for one code`).to.equal(Object.keys(constants).length);
      expect([...doc.codes.get(layer)!].sort(), layer).to.deep.equal([...inSource].sort());
    }
  });

  it("each layer's codes lie in its own range, and the ranges do not overlap", async () => {
    const { ranges } = await readDoc();
    expect([...ranges.keys()].sort()).to.deep.equal(Object.values(ErrorLayer).sort());
    for (const [layer, constants] of Object.entries(CODES_OF)) {
      const { from, to } = ranges.get(layer)!;
      for (const [name, code] of Object.entries(constants)) {
        expect(code >= from && code <= to, `${layer} ${name} ${code} outside ${from}-${to}`).to.equal(true);
      }
    }
    const sorted = [...ranges.values()].sort((a, b) => a.from - b.from);
    for (let i = 1; i < sorted.length; i++) expect(sorted[i]!.from).to.be.greaterThan(sorted[i - 1]!.to);
  });

  it('every class derives from SecureVideoError and keeps its name, code and instanceof', () => {
    const [playback, mp4, crypto, missing, cdm, drm] = oneOfEach();
    const expected: [SecureVideoError | undefined, new (...a: never[]) => Error, string, ErrorLayer, number][] = [
      [playback, PlaybackError, 'PlaybackError', 'playback', 2],
      [mp4, Mp4ParseError, 'Mp4ParseError', 'mp4', 3001],
      [crypto, CryptoError, 'CryptoError', 'crypto', 3103],
      [missing, MissingKeyError, 'MissingKeyError', 'crypto', 3101],
      [cdm, CdmError, 'CdmError', 'cdm', 3202],
      [drm, DrmError, 'DrmError', 'drm', 5022],
    ];
    for (const [error, Class, name, layer, code] of expected) {
      expect(error).to.be.instanceOf(Class);
      expect(error).to.be.instanceOf(SecureVideoError);
      expect(error).to.be.instanceOf(Error);
      expect(error!.name).to.equal(name);
      expect(error!.layer, name).to.equal(layer);
      expect(error!.code, name).to.equal(code);
    }
    // MissingKeyError is the crypto layer's MISSING_KEY: a CryptoError too, with the KID in data.
    expect(missing).to.be.instanceOf(CryptoError);
    expect(missing!.data).to.deep.equal({ kidHex: 'a0a1a2a3a4a5a6a7a8a9aaabacadaeaf' });
    // The fields each class had before keep their values.
    expect((mp4 as Mp4ParseError).boxPath).to.equal('moof/traf/senc');
    expect(mp4!.message).to.equal('short (at moof/traf/senc)');
    expect(mp4!.data).to.deep.equal({ count: 3 });
    expect((drm as DrmError).category).to.equal(DrmErrorCategory.LICENSE);
    // secure-video/cdm exports the same class as the root module.
    expect(CdmErrorOfCdmEntry).to.equal(CdmError);
    expect(CdmErrorCodeOfCdmEntry).to.equal(CdmErrorCode);
  });

  it("a PlaybackError names its typed cause's code and layer in data", () => {
    const cause = new Mp4ParseError(Mp4ErrorCode.SIZE_MISMATCH, 'senc sample_count 5', 'moof/traf/senc');
    const error = new PlaybackError(PlaybackErrorCode.DECODE, cause.message, 1007, { cause });
    expect(error.cause).to.equal(cause);
    expect(error.data).to.deep.equal({ shakaCode: 1007, causeCode: 3007, causeLayer: 'mp4' });
    expect(error.shakaCode).to.equal(1007);
    // Without a typed cause, data says only what is known.
    expect(new PlaybackError(PlaybackErrorCode.ABORTED, 'gone').data).to.deep.equal({});
    const untyped = new PlaybackError(PlaybackErrorCode.DECODE, 'x', undefined, { cause: new TypeError('y') });
    expect(untyped.data).to.deep.equal({});
  });
});
