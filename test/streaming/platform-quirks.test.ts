import { expect } from '@open-wc/testing';
import { losesInitSegmentOnAbort } from '../../src/streaming/platform-quirks.js';

describe('losesInitSegmentOnAbort', () => {
  it('is true for WebKit engines and false for Chromium- and Gecko-based ones', () => {
    const webkitGtk =
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/60.5 Safari/605.1.15';
    const chromium =
      'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/156.0.0.0 Safari/537.36';
    const firefox = 'Mozilla/5.0 (X11; Linux x86_64; rv:153.0) Gecko/20100101 Firefox/153.0';
    const edge =
      'Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/150.0 Safari/537.36 Edg/150.0';
    expect(losesInitSegmentOnAbort(webkitGtk)).to.equal(true);
    expect(losesInitSegmentOnAbort(chromium)).to.equal(false);
    expect(losesInitSegmentOnAbort(firefox)).to.equal(false);
    expect(losesInitSegmentOnAbort(edge)).to.equal(false);
  });
});
