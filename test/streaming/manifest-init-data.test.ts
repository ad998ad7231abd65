import { expect } from '@open-wc/testing';
import {
  dashInitData,
  hlsInitData,
  hlsInitSegments,
  manifestInitData,
} from '../../src/streaming/manifest-init-data.js';
import { parsePsshList, CLEAR_KEY_SYSTEM_ID } from '../../src/mp4/boxes/pssh.js';
import { toHex } from '../../src/mp4/bytes.js';

const text = async (path: string) => (await fetch(path)).text();

describe('manifest init data', () => {
  it('finds the Clear Key pssh, default KIDs and scheme of a DASH manifest', async () => {
    const found = dashInitData(await text('/test/fixtures/cenc/manifest.mpd'));
    expect(found.scheme).to.equal('cenc');
    expect(found.kids.map(toHex)).to.deep.equal([
      'a0a1a2a3a4a5a6a7a8a9aaabacadaeaf',
      'b0b1b2b3b4b5b6b7b8b9babbbcbdbebf',
    ]);
    expect(found.pssh).to.have.length(2);
    const [video] = parsePsshList(found.pssh[0]!);
    expect(toHex(video!.systemId)).to.equal(toHex(CLEAR_KEY_SYSTEM_ID));
    expect(video!.kids.map(toHex)).to.deep.equal(['a0a1a2a3a4a5a6a7a8a9aaabacadaeaf']);
  });

  it('reads the scheme of every fixture from its MPD', async () => {
    for (const scheme of ['cbcs', 'cens', 'cbc1']) {
      expect(dashInitData(await text(`/test/fixtures/${scheme}/manifest.mpd`)).scheme).to.equal(scheme);
    }
  });

  it('finds only default KIDs where the MPD has no pssh', () => {
    const mpd = `<MPD xmlns="urn:mpeg:dash:schema:mpd:2011" xmlns:cenc="urn:mpeg:cenc:2013"><Period><AdaptationSet>
      <ContentProtection schemeIdUri="urn:mpeg:dash:mp4protection:2011" value="cbcs" cenc:default_KID="c0c1c2c3-c4c5-c6c7-c8c9-cacbcccdcecf"/>
      </AdaptationSet></Period></MPD>`;
    const found = dashInitData(mpd);
    expect(found.pssh).to.deep.equal([]);
    expect(found.kids.map(toHex)).to.deep.equal(['c0c1c2c3c4c5c6c7c8c9cacbcccdcecf']);
    expect(found.scheme).to.equal('cbcs');
  });

  it('announces nothing for malformed manifests instead of throwing', () => {
    const empty = { pssh: [], kids: [], scheme: undefined };
    expect(dashInitData('<MPD><unclosed')).to.deep.equal(empty);
    expect(dashInitData('not xml at all')).to.deep.equal(empty);
    const badValues = `<MPD xmlns:cenc="urn:mpeg:cenc:2013"><ContentProtection cenc:default_KID="nothex">
      <cenc:pssh>!!!not base64!!!</cenc:pssh></ContentProtection></MPD>`;
    expect(dashInitData(badValues)).to.deep.equal(empty);
    expect(
      hlsInitData('#EXTM3U\n#EXT-X-KEY:METHOD=SAMPLE-AES-CTR,KEYID=0xzz,URI="data:text/plain;base64,%%%"'),
    ).to.deep.equal({
      pssh: [],
      kids: [],
      scheme: 'cenc',
    });
  });

  it('finds the pssh data URI, KEYID and scheme of HLS key tags', async () => {
    const found = manifestInitData(await text('/test/fixtures/cbcs/media-0.m3u8'));
    expect(found.scheme).to.equal('cbcs');
    expect(found.kids.map(toHex)).to.deep.equal(['a0a1a2a3a4a5a6a7a8a9aaabacadaeaf']);
    expect(found.pssh).to.have.length(1);
    expect(parsePsshList(found.pssh[0]!)[0]!.kids.map(toHex)).to.deep.equal(['a0a1a2a3a4a5a6a7a8a9aaabacadaeaf']);
    const session = hlsInitData(
      '#EXTM3U\n#EXT-X-SESSION-KEY:METHOD=SAMPLE-AES-CTR,KEYFORMAT="identity",KEYID=0xb0b1b2b3b4b5b6b7b8b9babbbcbdbebf,URI="k.key"\n#EXT-X-KEY:METHOD=NONE',
    );
    expect(session.kids.map(toHex)).to.deep.equal(['b0b1b2b3b4b5b6b7b8b9babbbcbdbebf']);
    expect(session.pssh).to.deep.equal([]);
  });

  it('maps each HLS segment to the EXT-X-MAP before it, resolved against the playlist', () => {
    const playlist = [
      '#EXTM3U',
      '#EXT-X-MAP:URI="init-a.mp4"',
      '#EXTINF:1,',
      'seg-1.m4s',
      '#EXT-X-MAP:URI="../other/init-b.mp4"',
      '#EXTINF:1,',
      'seg-2.m4s',
    ].join('\n');
    const map = hlsInitSegments(playlist, 'https://cdn.example/v/media.m3u8');
    expect([...map]).to.deep.equal([
      ['https://cdn.example/v/seg-1.m4s', 'https://cdn.example/v/init-a.mp4'],
      ['https://cdn.example/v/seg-2.m4s', 'https://cdn.example/other/init-b.mp4'],
    ]);
    expect(hlsInitSegments('<MPD/>', 'https://cdn.example/x.mpd').size).to.equal(0);
  });
});
