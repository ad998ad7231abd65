/// <reference types="node" />
// DASH MPD for an encrypted fixture (ISO/IEC 23009-1; DASH-IF IOP content protection): per adaptation set, the
// mp4protection descriptor with cenc:default_KID (ISO/IEC 23001-7 11.2) and a Clear Key descriptor
// (urn:uuid:e2719d58-..., DASH-IF) with the Clear Key pssh and a license URL in dashif:Laurl, which shaka-player reads
// (lib/dash/content_protection.js: getClearKeyLicenseUrl, namespace https://dashif.org/CPS).
import { Buffer } from 'node:buffer';
import type { IndexFixture } from './fixtures.js';
import type { SourceTrack } from './source.js';

/** The license endpoint fixtures name; the test runner or demo server answers Clear Key license requests there. */
export const LICENSE_URL = '/license';

/** A KID as the UUID string cenc:default_KID wants (ISO/IEC 23001-7 11.2). */
export function kidUuid(hex: string): string {
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function seconds(n: number): string {
  return `PT${n.toFixed(3)}S`;
}

export function dashManifest(
  f: IndexFixture,
  source: SourceTrack[],
  psshFor: (kids: string[]) => Uint8Array | null,
): string {
  let total = 0;
  let maxSegment = 0;
  for (const t of source) {
    const last = t.segments[t.segments.length - 1];
    if (last) total = Math.max(total, (last.time + last.duration) / t.info.timescale);
    for (const s of t.segments) maxSegment = Math.max(maxSegment, s.duration / t.info.timescale);
  }
  const lines = [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" xmlns:cenc="urn:mpeg:cenc:2013" xmlns:dashif="https://dashif.org/CPS"',
    `  profiles="urn:mpeg:dash:profile:isoff-live:2011" type="static" mediaPresentationDuration="${seconds(total)}"`,
    `  maxSegmentDuration="${seconds(maxSegment)}" minBufferTime="PT2.000S">`,
    '  <Period id="0" start="PT0.000S">',
  ];
  // One adaptation set per kind. With one Representation (every fixture of FIXTURES) the protection descriptors sit on
  // the adaptation set; with several (video copies under different KIDs) on each Representation, since one
  // cenc:default_KID per adaptation set could not name them all (ISO/IEC 23001-7 11.2; DASH-IF IOP 7.7.2).
  const sets = new Map<string, number[]>();
  f.tracks.forEach((track, i) => sets.set(track.kind, [...(sets.get(track.kind) ?? []), i]));
  for (const members of sets.values()) {
    const first = f.tracks[members[0]!]!;
    const a0 = source[members[0]!]!.attributes;
    const perRepresentation = members.length > 1;
    const setAttrs = first.kind === 'video' ? ` maxWidth="${a0['width'] ?? ''}" maxHeight="${a0['height'] ?? ''}"` : '';
    lines.push(
      `    <AdaptationSet id="${first.id}" contentType="${first.kind}" mimeType="${first.mimeType}" segmentAlignment="true" startWithSAP="1"${setAttrs}>`,
    );
    const protection = (indent: string, kids: string[], defaultKid: string): void => {
      lines.push(
        `${indent}<ContentProtection schemeIdUri="urn:mpeg:dash:mp4protection:2011" value="${f.scheme}" cenc:default_KID="${kidUuid(defaultKid)}"/>`,
        `${indent}<ContentProtection schemeIdUri="urn:uuid:e2719d58-a985-b3c9-781a-b030af78d30e" value="ClearKey1.0">`,
        `${indent}  <dashif:Laurl>${LICENSE_URL}</dashif:Laurl>`,
      );
      // The manifest's pssh lists every KID of the adaptation set, the rotated ones included: shaka-player stops
      // listening to 'encrypted' events once a manifest carries init data (and did not request a KID named only by a
      // moof pssh when it listened, measured with shaka 5.2), so a DASH player learns all keys up front here.
      const pssh = f.pssh ? psshFor(kids) : null;
      if (pssh) lines.push(`${indent}  <cenc:pssh>${Buffer.from(pssh).toString('base64')}</cenc:pssh>`);
      lines.push(`${indent}</ContentProtection>`);
    };
    if (!perRepresentation) protection('      ', first.kids, first.defaultKid);
    for (const i of members) {
      const track = f.tracks[i]!;
      const src = source[i]!;
      const a = src.attributes;
      const repAttrs =
        track.kind === 'video'
          ? ` width="${a['width'] ?? ''}" height="${a['height'] ?? ''}" sar="${a['sar'] ?? '1:1'}"`
          : ` audioSamplingRate="${a['audioSamplingRate'] ?? ''}"`;
      lines.push(
        `      <Representation id="${track.id}" codecs="${track.codecs}" bandwidth="${a['bandwidth'] ?? '0'}"${repAttrs}>`,
      );
      if (perRepresentation) protection('        ', track.kids, track.defaultKid);
      if (track.kind === 'audio' && a['channels']) {
        lines.push(
          `        <AudioChannelConfiguration schemeIdUri="urn:mpeg:dash:23003:3:audio_channel_configuration:2011" value="${a['channels']}"/>`,
        );
      }
      lines.push(
        `        <SegmentTemplate timescale="${src.info.timescale}" initialization="init-$RepresentationID$.mp4" media="seg-$RepresentationID$-$Number$.m4s" startNumber="1">`,
        '          <SegmentTimeline>',
      );
      for (const s of src.segments) lines.push(`            <S t="${s.time}" d="${s.duration}"/>`);
      lines.push('          </SegmentTimeline>', '        </SegmentTemplate>', '      </Representation>');
    }
    lines.push('    </AdaptationSet>');
  }
  lines.push('  </Period>', '</MPD>', '');
  return lines.join('\n');
}
