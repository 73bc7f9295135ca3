import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { encodePathSegment, parseRequestPath, segmentsBelow, type RequestPath } from '../../src/http/request-path.js';

function parsed(target: string): RequestPath {
  const result = parseRequestPath(target);
  assert.ok(result.ok, `${target} should be accepted: ${result.ok ? '' : result.reason}`);
  return result.value;
}

function refused(target: string, reason: RegExp): void {
  const result = parseRequestPath(target);
  assert.ok(!result.ok, `${JSON.stringify(target)} should be refused, got ${JSON.stringify(result)}`);
  assert.match(result.reason, reason, JSON.stringify(target));
  assert.ok(!result.reason.includes('\n'), 'one line');
}

void describe('parseRequestPath', () => {
  void test('an origin-form target gives its decoded segments, path and raw query', () => {
    assert.deepEqual(parsed('/products/downloads/file/Magento%20CE%202.4.7.zip?x=%41'), {
      path: '/products/downloads/file/Magento CE 2.4.7.zip',
      segments: ['products', 'downloads', 'file', 'Magento CE 2.4.7.zip'],
      trailingSlash: false,
      query: 'x=%41',
    });
    assert.deepEqual(parsed('/'), { path: '/', segments: [], trailingSlash: false, query: null });
    assert.deepEqual(parsed('/a/b/'), { path: '/a/b/', segments: ['a', 'b'], trailingSlash: true, query: null });
  });

  void test('empty segments are dropped: //host/x is a path, never a URL', () => {
    assert.equal(parsed('//other-host.test/x//y').path, '/other-host.test/x/y');
  });

  void test('an absolute-form target counts as its path and query only; the host part is ignored', () => {
    const value = parsed('http://other-host.test:8080/products/downloads/info/help?a=1');
    assert.deepEqual(value, { path: '/products/downloads/info/help', segments: ['products', 'downloads', 'info', 'help'], trailingSlash: false, query: 'a=1' });
    assert.equal(parsed('HTTPS://user:pass@other-host.test').path, '/');
    assert.deepEqual(parsed('http://other-host.test?q'), { path: '/', segments: [], trailingSlash: false, query: 'q' });
  });

  void test('other forms and schemes are refused', () => {
    refused('*', /starting with \//);
    refused('other-host.test:443', /starting with \//);
    refused('file:///etc/passwd', /http:\/\/ and https:\/\//);
    refused('relative/path', /starting with \//);
  });

  void test('dot segments are refused, raw or percent-encoded in any case', () => {
    for (const target of [
      '/products/downloads/../../../elsewhere/secret',
      '/products/downloads/./x',
      '/products/downloads/%2e%2e/%2e%2e/secret',
      '/products/downloads/%2E%2E/secret',
      '/products/downloads/.%2E/secret',
      '/products/downloads/%2e./secret',
      '/products/downloads/%2e/secret',
      '/products/downloads/..;jsessionid=x/secret',
      '/..',
      'http://other-host.test/products/downloads/../../internal/admin',
    ]) {
      refused(target, /dot segments/);
    }
    assert.deepEqual(parsed('/products/downloads/.../x..y/.hidden').segments, ['products', 'downloads', '...', 'x..y', '.hidden']);
  });

  void test('encoded slashes and backslashes are refused', () => {
    refused('/products/downloads/..%2F..%2Fsecret', /encoded slashes/);
    refused('/products/downloads/a%2fb', /encoded slashes/);
    refused('/products/downloads/..%5C..%5Csecret', /encoded slashes/);
    refused('/products/downloads/a%5cb', /encoded slashes/);
    refused('/products/downloads/..\\..\\secret', /backslashes/);
  });

  void test('control characters and invalid percent-encoding are refused', () => {
    refused('/products/downloads/file%00.zip', /control characters/);
    refused('/products/downloads/file%0d%0aX-Injected:%20yes', /control characters/);
    refused('/products/downloads/file%7F', /control characters/);
    refused('/products/downloads/file\u0000.zip', /must be percent-encoded/);
    refused('/products/downloads/a b', /must be percent-encoded/);
    refused('/products/downloads/café', /must be percent-encoded/);
    refused('/products/downloads/a#b', /must be percent-encoded/);
    refused('/products/downloads/%zz', /invalid percent-encoding/);
    refused('/products/downloads/%4', /invalid percent-encoding/);
    refused('/products/downloads/x?q=%', /invalid percent-encoding/);
    refused('/products/downloads/%C3%28', /not UTF-8/);
    refused(`/${'a'.repeat(9000)}`, /longer than/);
  });

  void test('a doubly encoded dot segment stays a literal name', () => {
    assert.deepEqual(parsed('/products/downloads/%252e%252e/x').segments, ['products', 'downloads', '%2e%2e', 'x']);
  });
});

void describe('segmentsBelow', () => {
  void test('gives the segments under a prefix, or undefined outside it', () => {
    const path = parsed('/products/downloads/file/a.zip');
    assert.deepEqual(segmentsBelow(path, ['products', 'downloads']), ['file', 'a.zip']);
    assert.deepEqual(segmentsBelow(path, []), ['products', 'downloads', 'file', 'a.zip']);
    assert.equal(segmentsBelow(path, ['products', 'download']), undefined);
    assert.equal(segmentsBelow(parsed('/products'), ['products', 'downloads']), undefined);
  });
});

void describe('encodePathSegment', () => {
  void test('encodes what would change the path and keeps the sub-delimiters', () => {
    assert.equal(encodePathSegment('a/b\\c?d#e%f g'), 'a%2Fb%5Cc%3Fd%23e%25f%20g');
    assert.equal(encodePathSegment("name+1,2;v=3:@$&!'()*~"), "name+1,2;v=3:@$&!'()*~");
    assert.equal(encodePathSegment('%2e%2e'), '%252e%252e');
    assert.equal(encodePathSegment('café'), 'caf%C3%A9');
  });
});
