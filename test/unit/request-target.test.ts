import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { parseRequestTarget } from '../../src/http/request-target.js';

void test('origin-form targets give their path and query', () => {
  assert.deepEqual(parseRequestTarget('/p2/magento/framework.json'), { ok: true, path: '/p2/magento/framework.json', query: '' });
  assert.deepEqual(parseRequestTarget('/archives/a/b/c.zip?cb=1&x'), { ok: true, path: '/archives/a/b/c.zip', query: 'cb=1&x' });
  assert.deepEqual(parseRequestTarget('/a%20b/%7Ec'), { ok: true, path: '/a b/~c', query: '' });
});

void test('an absolute-form target gives its path alone, never its host', () => {
  assert.deepEqual(parseRequestTarget('http://other-host:8080/products/downloads/x?y'), { ok: true, path: '/products/downloads/x', query: 'y' });
  assert.deepEqual(parseRequestTarget('HTTPS://evil.example'), { ok: true, path: '/', query: '' });
});

void test('dot segments, encoded slashes, backslashes, control characters and bad encodings are refused', () => {
  for (const target of ['/a/../b', '/a/./b', '/..', '/a/%2e%2e/b', '/a/%2E%2e/b', '/a/.%2E/b', '/a%2Fb', '/a%2fb', '/a%5cb', '/a\\b', '/a%00b', '/a\u0001b', '/a%zz', '/a%e0%a4%a', 'example.com:443', '*', 'http://h/../x']) {
    const parsed = parseRequestTarget(target);
    assert.equal(parsed.ok, false, target);
  }
});

void test('whatever the target, the path it gives has no dot segment and starts with a slash', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 60 }), (target) => {
      const parsed = parseRequestTarget(target);
      if (!parsed.ok) return;
      assert.ok(parsed.path.startsWith('/'));
      assert.ok(!parsed.path.split('/').some((segment) => segment === '.' || segment === '..'), parsed.path);
    }),
  );
  fc.assert(
    fc.property(fc.array(fc.constantFrom('a', '.', '..', '%2e', '%2E%2e', '%2f', 'b%20c', ''), { maxLength: 6 }), (segments) => {
      const parsed = parseRequestTarget(`/${segments.join('/')}`);
      if (parsed.ok) assert.ok(!parsed.path.split('/').some((segment) => segment === '.' || segment === '..' || segment.includes('\\')));
    }),
  );
});
