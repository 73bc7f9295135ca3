import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import fc from 'fast-check';
import { UrlRewriter } from '../../src/upstream/url-rewriter.js';
import { createLogger } from '../../src/logger.js';
import { UpstreamClient } from '../../src/upstream/upstream-client.js';

const base = 'https://repogate.example.test';

/** A rewriter for an upstream at `url` (no request is ever sent). */
function rewriterFor(url: string, clients: UpstreamClient[]): UrlRewriter {
  const client = new UpstreamClient(
    { url, username: 'org-public', password: 'org-private', timeoutMs: 1000 },
    createLogger({ level: 'silent' }),
  );
  clients.push(client);
  return new UrlRewriter(client);
}

void describe('UrlRewriter.toPublic: URLs on the upstream point at repogate, others are left alone', () => {
  const clients: UpstreamClient[] = [];
  after(() => Promise.all(clients.map((c) => c.close())));
  const magento = rewriterFor('https://repo.magento.com', clients);
  const local = rewriterFor('http://127.0.0.1:8080', clients);
  const withPath = rewriterFor('https://mirror.example.test/magento/', clients);

  const rewritten: ReadonlyArray<readonly [UrlRewriter, string, string]> = [
    [magento, 'https://repo.magento.com/archives/magento/framework/magento-framework-103.0.7.0.zip', `${base}/archives/magento/framework/magento-framework-103.0.7.0.zip`],
    [magento, 'https://repo.magento.com:443/archives/a/b/a-b-1.0.0.0.zip', `${base}/archives/a/b/a-b-1.0.0.0.zip`],
    [magento, 'https://REPO.Magento.COM/archives/a/b/x.zip', `${base}/archives/a/b/x.zip`],
    [magento, 'https://repo.magento.com/', `${base}/`],
    [local, 'http://127.0.0.1:8080/archives/x.zip', `${base}/archives/x.zip`],
    [withPath, 'https://mirror.example.test/magento/archives/x.zip', `${base}/archives/x.zip`],
  ];
  for (const [rewriter, url, expected] of rewritten) {
    void test(`${url} → ${expected}`, () => {
      assert.equal(rewriter.toPublic(url, base), expected);
    });
  }

  void test('the query string is kept, the fragment is dropped', () => {
    assert.equal(magento.toPublic('https://repo.magento.com/archives/x.zip?version=1&sig=a%2Fb#part', base), `${base}/archives/x.zip?version=1&sig=a%2Fb`);
  });

  void test('relative references resolve against the upstream (and its base path)', () => {
    assert.equal(magento.toPublic('/archives/x.zip', base), `${base}/archives/x.zip`);
    assert.equal(withPath.toPublic('archives/x.zip', base), `${base}/archives/x.zip`);
    assert.equal(withPath.toPublic('/magento/p2/a/b.json', base), `${base}/p2/a/b.json`);
  });

  void test('with an empty base, the path below the upstream base path is returned', () => {
    assert.equal(withPath.toPublic('https://mirror.example.test/magento/archives/x.zip?a=1', ''), '/archives/x.zip?a=1');
  });

  const leftAlone: ReadonlyArray<readonly [string, UrlRewriter, string]> = [
    ['another host', magento, 'https://api.github.com/repos/laminas/laminas-code/zipball/abc'],
    ['a host ending in the upstream host', magento, 'https://evilrepo.magento.com/archives/x.zip'],
    ['a host beginning with the upstream host', magento, 'https://repo.magento.com.evil.example/archives/x.zip'],
    ['the upstream host as userinfo of another host', magento, 'https://repo.magento.com@evil.example/archives/x.zip'],
    ['the upstream host in the path of another host', magento, 'https://evil.example/repo.magento.com/archives/x.zip'],
    ['a protocol-relative URL to another host', magento, '//evil.example/archives/x.zip'],
    ['plain http on the https upstream (port 80, not 443)', magento, 'http://repo.magento.com/archives/x.zip'],
    ['another port on the same host', local, 'http://127.0.0.1:8081/archives/x.zip'],
    ['the same port under another name', local, 'http://localhost:8080/archives/x.zip'],
    ['a path outside the base path', withPath, 'https://mirror.example.test/other/x.zip'],
    ['a path that only starts like the base path', withPath, 'https://mirror.example.test/magentox/x.zip'],
    ['the base path itself, without a slash', withPath, 'https://mirror.example.test/magento'],
    ['dot segments climbing out of the base path', withPath, 'https://mirror.example.test/magento/../secret/x.zip'],
    ['encoded dot segments climbing out of the base path', withPath, 'https://mirror.example.test/magento/%2e%2E/secret/x.zip'],
    ['an unparsable URL', magento, 'https://[::1/x.zip'],
    ['a URL without a host', magento, 'mailto:security@repo.magento.com'],
  ];
  for (const [what, rewriter, url] of leftAlone) {
    void test(`left alone: ${what}`, () => {
      assert.equal(rewriter.toPublic(url, base), undefined);
    });
  }

  void test('dot segments that stay below the base path are resolved before rewriting', () => {
    assert.equal(magento.toPublic('https://repo.magento.com/p2/../archives/./x.zip', base), `${base}/archives/x.zip`);
    assert.equal(withPath.toPublic('https://mirror.example.test/magento/p2/%2e%2e/archives/x.zip', base), `${base}/archives/x.zip`);
  });

  void test('percent-encodings in the path are kept as they are, not decoded', () => {
    assert.equal(magento.toPublic('https://repo.magento.com/archives/a%2Fb/c%20d.zip', base), `${base}/archives/a%2Fb/c%20d.zip`);
    assert.equal(magento.toPublic('https://repo.magento.com/archives/ü.zip', base), `${base}/archives/%C3%BC.zip`);
  });

  void test('credentials in a URL on the upstream never reach the rewritten URL', () => {
    const out = magento.toPublic('https://org-public:org-private@repo.magento.com/archives/x.zip', base);
    assert.equal(out, `${base}/archives/x.zip`);
  });

  void test('property: a rewritten URL is on the public base and holds no credentials', () => {
    const segment = fc.string({ maxLength: 12, unit: fc.constantFrom(...'azAZ09-._~%/:@!$&()*+,;=?#[] '.split(''), 'é', '\\') });
    const url = fc.oneof(
      fc.tuple(fc.constantFrom('https://', 'http://', '//', ''), fc.constantFrom('', 'org-public:org-private@', 'u@'), fc.constantFrom('repo.magento.com', 'REPO.magento.com:443', 'evil.example', 'repo.magento.com:8443'), segment, segment)
        .map(([scheme, userinfo, host, a, b]) => `${scheme}${userinfo}${host}/${a}/${b}`),
      fc.string({ maxLength: 60 }),
    );
    fc.assert(
      fc.property(url, (u) => {
        const out = magento.toPublic(u, base);
        if (out === undefined) return;
        assert.ok(out.startsWith(`${base}/`), out);
        assert.equal(new URL(out).origin, base);
        assert.ok(!out.includes('org-private'), out);
      }),
      { numRuns: 1000 },
    );
  });
});

void describe('UrlRewriter.toUpstream: repogate paths map back to the upstream', () => {
  const clients: UpstreamClient[] = [];
  after(() => Promise.all(clients.map((c) => c.close())));
  const magento = rewriterFor('https://repo.magento.com', clients);
  const withPath = rewriterFor('https://mirror.example.test/magento', clients);

  void test('the path and query go below the upstream base URL', () => {
    assert.equal(magento.toUpstream('/archives/x.zip?a=1').href, 'https://repo.magento.com/archives/x.zip?a=1');
    assert.equal(withPath.toUpstream('/archives/x.zip').href, 'https://mirror.example.test/magento/archives/x.zip');
  });

  void test('toUpstream undoes toPublic for URLs on the upstream', () => {
    for (const rewriter of [magento, withPath]) {
      const upstreamUrl = rewriter.toUpstream('/archives/a/b/a-b-1.0.0.0.zip?x=%2F').href;
      const path = rewriter.toPublic(upstreamUrl, '');
      assert.ok(path !== undefined);
      assert.equal(rewriter.toUpstream(path).href, upstreamUrl);
    }
  });

  void test('property: any path starting with "/" stays on the upstream origin', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40, unit: fc.constantFrom(...'a/@:.?#%\\ '.split(''), 'é') }), (rest) => {
        for (const rewriter of [magento, withPath]) {
          const target = rewriter.toUpstream(`/${rest}`);
          assert.equal(target.username, '');
          assert.equal(target.origin, rewriter === magento ? 'https://repo.magento.com' : 'https://mirror.example.test');
        }
      }),
      { numRuns: 1000 },
    );
  });
});
