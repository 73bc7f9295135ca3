import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { releaseDownloadUrl } from '../../src/downloads/release-download-url.js';

void describe('releaseDownloadUrl', () => {
  void test('puts the segments under the base URL and its path, encoded again', () => {
    assert.equal(releaseDownloadUrl('https://downloads.test', ['info', 'help'], false)?.href, 'https://downloads.test/products/downloads/info/help');
    assert.equal(
      releaseDownloadUrl('https://downloads.test/mirror/', ['file', 'Magento CE 2.4.7?.zip'], false)?.href,
      'https://downloads.test/mirror/products/downloads/file/Magento%20CE%202.4.7%3F.zip',
    );
    assert.equal(releaseDownloadUrl('http://127.0.0.1:8000/m?x=1#f', ['info', 'help'], true)?.href, 'http://127.0.0.1:8000/m/products/downloads/info/help/');
    assert.equal(releaseDownloadUrl('https://downloads.test', [], true)?.href, 'https://downloads.test/products/downloads/');
  });

  void test('segments cannot leave the base: slashes are encoded, and what would escape is refused', () => {
    assert.equal(releaseDownloadUrl('https://downloads.test/m', ['..%2F..', 'x'], false)?.href, 'https://downloads.test/m/products/downloads/..%252F../x');
    assert.equal(releaseDownloadUrl('https://downloads.test/m', ['a/../../..', 'x'], false)?.pathname, '/m/products/downloads/a%2F..%2F..%2F../x');
    assert.equal(releaseDownloadUrl('https://downloads.test/m', ['..', '..', 'secret'], false), undefined);
    assert.equal(releaseDownloadUrl('https://downloads.test/m', ['.', '..', '..'], false), undefined);
    assert.equal(releaseDownloadUrl('https://downloads.test/m', ['//other-host.test', 'x'], false)?.host, 'downloads.test');
  });
});
