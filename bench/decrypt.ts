// `npm run bench:decrypt` (issue 3 item 6): in each browser and for each scheme, decrypt realistic 2 MiB video
// segments (H.264-like subsample layout, 50 samples) with decryptSegment, and in the same run time one raw WebCrypto
// call (AES-CTR for cenc/cens, AES-CBC for cbc1/cbcs) over as many bytes as those segments hold encrypted. Figures
// go to the node side (bench/run-decrypt.mjs) which writes bench/results/decrypt.json. Timing lives here, never in
// tests. The ciphertext is random bytes: decryption costs the same whatever the plaintext.
import { executeServerCommand } from '@web/test-runner-commands';
import { fromHex } from '../src/mp4/bytes.js';
import { parseInit } from '../src/mp4/init.js';
import { parseSegment } from '../src/mp4/segment.js';
import { cipherRanges } from '../src/crypto/ranges.js';
import { decryptSegment } from '../src/crypto/decrypt.js';
import { buildInit, buildSegment, type Scheme, type SampleSpec } from '../test/mp4/helpers/build.js';

const KID = fromHex('a0a1a2a3a4a5a6a7a8a9aaabacadaeaf');
const KEY = fromHex('1029289c9986d8881d0c8ccef1a80573');
const SEGMENT_BYTES = 2 * 1024 * 1024;
const SAMPLES = 50;
const SEGMENTS = 4;
const MIN_MS = 400;

function random(n: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(n);
  for (let at = 0; at < n; at += 65536) crypto.getRandomValues(out.subarray(at, Math.min(n, at + 65536)));
  return out;
}

/** One GOP-like segment: a large first (IDR) sample, then smaller ones; each with parameter-set/SEI NALs in the
 * clear and one slice NAL whose 5-byte-plus header is clear and whose body (a multiple of 16) is protected. */
function segmentSamples(scheme: Scheme): SampleSpec[] {
  const idr = Math.floor(SEGMENT_BYTES * 0.2);
  const rest = Math.floor((SEGMENT_BYTES - idr) / (SAMPLES - 1));
  const specs: SampleSpec[] = [];
  for (let i = 0; i < SAMPLES; i++) {
    const size = i === 0 ? idr : rest;
    const lead = i === 0 ? 96 : 24; // SPS/PPS/SEI or AUD, clear
    const header = 5 + (i % 11); // NAL length + slice header bytes, clear
    let prot = size - lead - header;
    prot -= prot % 16;
    const clear2 = size - lead - prot;
    specs.push({
      data: random(size),
      iv: scheme === 'cbcs' ? undefined : random(scheme === 'cenc' ? 8 : 16),
      subsamples: [
        [lead, 0],
        [clear2, prot],
      ],
    });
  }
  return specs;
}

interface Figures {
  mibps: number;
  rawMibps: number;
  ratio: number;
  /** The same with decryptSegment's inPlace option (no copy of the whole segment). */
  inPlaceMibps: number;
  inPlaceRatio: number;
  encryptedBytes: number;
  /** Longest main-thread gap seen by a MessageChannel ticker while one segment decrypts. */
  maxTaskMs: number;
}

/** Longest gap between ticks of a MessageChannel loop while `work` runs: the longest main-thread task. */
async function longestTask<T>(work: () => Promise<T>): Promise<[T, number]> {
  const channel = new MessageChannel();
  let last = performance.now();
  let max = 0;
  let running = true;
  channel.port1.onmessage = (): void => {
    const now = performance.now();
    max = Math.max(max, now - last);
    last = now;
    if (running) channel.port2.postMessage(0);
  };
  channel.port2.postMessage(0);
  const result = await work();
  running = false;
  max = Math.max(max, performance.now() - last);
  channel.port1.close();
  return [result, max];
}

/** One raw call over `data` (as many bytes as all the segments hold encrypted); returns its duration in ms. */
async function rawCall(mode: 'AES-CTR' | 'AES-CBC', key: CryptoKey, data: Uint8Array<ArrayBuffer>): Promise<number> {
  const iv = new Uint8Array(16);
  const t0 = performance.now();
  if (mode === 'AES-CTR') await crypto.subtle.decrypt({ name: 'AES-CTR', counter: iv, length: 128 }, key, data);
  else await crypto.subtle.decrypt({ name: 'AES-CBC', iv }, key, data);
  return performance.now() - t0;
}

async function benchScheme(scheme: Scheme): Promise<Figures> {
  const pattern = scheme === 'cens' || scheme === 'cbcs' ? { crypt: 1, skip: 9 } : {};
  const tenc =
    scheme === 'cbcs'
      ? { isProtected: true, ivSize: 0 as const, constantIv: random(16), kid: KID, ...pattern }
      : { isProtected: true, ivSize: (scheme === 'cenc' ? 8 : 16) as 8 | 16, kid: KID, ...pattern };
  const init = parseInit(buildInit({ scheme, tenc }));
  const segments = Array.from({ length: SEGMENTS }, () => buildSegment({ samples: segmentSamples(scheme) }));
  let encryptedBytes = 0;
  for (const s of parseSegment(segments[0]!, init).samples) encryptedBytes += cipherRanges(s.size, s.encryption!).total;
  encryptedBytes *= SEGMENTS;

  const mode = scheme === 'cenc' || scheme === 'cens' ? 'AES-CTR' : 'AES-CBC';
  const rawKey = await crypto.subtle.importKey('raw', KEY.slice(), mode, false, ['encrypt', 'decrypt']);
  // Raw CBC input must end in valid PKCS#7 padding: make it by encrypting (untimed).
  const plain = random(encryptedBytes - (mode === 'AES-CBC' ? 16 : 0));
  const rawInput =
    mode === 'AES-CBC'
      ? new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-CBC', iv: new Uint8Array(16) }, rawKey, plain))
      : plain;

  const lookup = (): Uint8Array => KEY;
  await decryptSegment(segments[0]!, init, lookup); // warm up: key import, JIT
  await rawCall(mode, rawKey, rawInput);
  // Timer precision is coarse in Firefox and WebKit (down to 1 ms): repeat each measurement until it has run for
  // at least MIN_MS and divide, alternating raw and ours so that both see the same machine state.
  let rawMs = 0;
  let rawRuns = 0;
  let ourMs = 0;
  let ourRuns = 0;
  let inPlaceMs = 0;
  let inPlaceRuns = 0;
  while (rawMs < MIN_MS || ourMs < MIN_MS || inPlaceMs < MIN_MS) {
    for (let i = 0; i < SEGMENTS; i++) rawMs += await rawCall(mode, rawKey, rawInput);
    rawRuns += SEGMENTS;
    let t0 = performance.now();
    for (const seg of segments) await decryptSegment(seg, init, lookup);
    ourMs += performance.now() - t0;
    ourRuns++;
    const copies = segments.map((s) => s.slice()); // in place consumes its input: fresh copies, untimed
    t0 = performance.now();
    for (const seg of copies) await decryptSegment(seg, init, lookup, { inPlace: true });
    inPlaceMs += performance.now() - t0;
    inPlaceRuns++;
  }
  rawMs /= rawRuns;
  ourMs /= ourRuns;
  inPlaceMs /= inPlaceRuns;
  // A separate, untimed pass watches the main thread: the ticker's own tasks would distort the timing above.
  let maxTaskMs = 0;
  for (let r = 0; r < 3; r++) {
    for (const seg of segments) {
      const [, gap] = await longestTask(() => decryptSegment(seg, init, lookup));
      maxTaskMs = Math.max(maxTaskMs, gap);
    }
  }
  const mib = encryptedBytes / (1024 * 1024);
  const round = (n: number): number => Math.round(n * 100) / 100;
  return {
    mibps: round(mib / (ourMs / 1000)),
    rawMibps: round(mib / (rawMs / 1000)),
    ratio: round(rawMs / ourMs),
    inPlaceMibps: round(mib / (inPlaceMs / 1000)),
    inPlaceRatio: round(rawMs / inPlaceMs),
    encryptedBytes,
    maxTaskMs: round(maxTaskMs),
  };
}

describe('bench: decrypt', () => {
  it('measures every scheme', async function () {
    this.timeout(10 * 60_000);
    const results: Record<string, Figures> = {};
    for (const scheme of ['cenc', 'cens', 'cbc1', 'cbcs'] as Scheme[]) results[scheme] = await benchScheme(scheme);
    await executeServerCommand('bench-decrypt-result', results);
  });
});
