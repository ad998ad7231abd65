/// <reference types="node" />
// HLS playlists for an encrypted fixture (RFC 8216 / draft-pantos-hls-rfc8216bis, fMP4 via EXT-X-MAP). Each key period
// gets two EXT-X-KEY tags: KEYFORMAT="identity" with a URI that returns the raw 16-byte key, the only Clear Key form
// shaka-player's HLS parser accepts (lib/hls/hls_parser.js identityDrmParser_: METHOD SAMPLE-AES or SAMPLE-AES-CTR, KID
// taken from the init segment's tenc), and, when the fixture has a pssh, the Clear Key system's own KEYFORMAT
// (urn:uuid:1077efec-...) carrying the pssh as a data: URI plus KEYID, for players that read init data from the
// playlist (shaka ignores that one with a warning). HLS has no METHOD for cens or cbc1: the CTR schemes are written as
// SAMPLE-AES-CTR and the CBC ones as SAMPLE-AES; the init segment's schm box is what names the scheme.
import { Buffer } from 'node:buffer';
import type { IndexFixture, IndexTrack } from './fixtures.js';
import type { SourceTrack } from './source.js';

export const CLEAR_KEY_KEYFORMAT = 'urn:uuid:1077efec-c0b2-4d02-ace3-3c1e52e2fb4b';

/** Where the identity key for a KID is served from, relative to a fixture folder (test/fixtures/keys/<kid>.key). */
export function identityKeyUri(kid: string): string {
  return `../keys/${kid}.key`;
}

function mediaPlaylist(
  f: IndexFixture,
  track: IndexTrack,
  src: SourceTrack,
  psshFor: (kids: string[]) => Uint8Array | null,
): string {
  const method = f.scheme === 'cenc' || f.scheme === 'cens' ? 'SAMPLE-AES-CTR' : 'SAMPLE-AES';
  const target = Math.max(...src.segments.map((s) => Math.round(s.duration / src.info.timescale)), 1);
  const lines = [
    '#EXTM3U',
    '#EXT-X-VERSION:6',
    `#EXT-X-TARGETDURATION:${target}`,
    '#EXT-X-MEDIA-SEQUENCE:1',
    '#EXT-X-PLAYLIST-TYPE:VOD',
    '#EXT-X-INDEPENDENT-SEGMENTS',
  ];
  let current: string | null | undefined;
  track.segments.forEach((seg, i) => {
    if (seg.kid !== current) {
      if (seg.kid === null) {
        lines.push('#EXT-X-KEY:METHOD=NONE');
      } else {
        lines.push(`#EXT-X-KEY:METHOD=${method},KEYFORMAT="identity",URI="${identityKeyUri(seg.kid)}"`);
        const pssh = f.pssh ? psshFor([seg.kid]) : null;
        if (pssh) {
          lines.push(
            `#EXT-X-KEY:METHOD=${method},KEYFORMAT="${CLEAR_KEY_KEYFORMAT}",KEYFORMATVERSIONS="1",` +
              `URI="data:text/plain;base64,${Buffer.from(pssh).toString('base64')}",KEYID=0x${seg.kid}`,
          );
        }
      }
      current = seg.kid;
    }
    const map = i === 0 ? track.init : track.hlsMaps.find((m) => m.segment === seg.file)?.init;
    if (map) lines.push(`#EXT-X-MAP:URI="${map}"`);
    lines.push(`#EXTINF:${(seg.duration / src.info.timescale).toFixed(5)},`, seg.file);
  });
  lines.push('#EXT-X-ENDLIST', '');
  return lines.join('\n');
}

/** master.m3u8 and one media playlist per track (media-<id>.m3u8). */
export function hlsPlaylists(
  f: IndexFixture,
  source: SourceTrack[],
  psshFor: (kids: string[]) => Uint8Array | null,
): Map<string, string> {
  const out = new Map<string, string>();
  const master = ['#EXTM3U', '#EXT-X-VERSION:6', '#EXT-X-INDEPENDENT-SEGMENTS'];
  const audio = f.tracks.find((t) => t.kind === 'audio');
  f.tracks.forEach((track, i) => out.set(`media-${track.id}.m3u8`, mediaPlaylist(f, track, source[i]!, psshFor)));
  const attrs = (t: IndexTrack): Record<string, string> => source[f.tracks.indexOf(t)]!.attributes;
  if (audio) {
    const channels = attrs(audio)['channels'];
    master.push(
      `#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="audio",NAME="audio",DEFAULT=YES,AUTOSELECT=YES${channels ? `,CHANNELS="${channels}"` : ''},URI="media-${audio.id}.m3u8"`,
    );
  }
  // One variant per video track (several when a fixture packages the video under several KIDs).
  for (const video of f.tracks.filter((t) => t.kind === 'video')) {
    const a = attrs(video);
    const bandwidth = Number(a['bandwidth'] ?? 0) + (audio ? Number(attrs(audio)['bandwidth'] ?? 0) : 0);
    const codecs = [video.codecs, audio?.codecs].filter(Boolean).join(',');
    master.push(
      `#EXT-X-STREAM-INF:BANDWIDTH=${bandwidth},CODECS="${codecs}",RESOLUTION=${a['width']}x${a['height']}${audio ? ',AUDIO="audio"' : ''}`,
      `media-${video.id}.m3u8`,
    );
  }
  master.push('');
  out.set('master.m3u8', master.join('\n'));
  return out;
}
