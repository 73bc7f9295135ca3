import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { createLogger } from '../../src/logger.js';
import { UpstreamClient } from '../../src/upstream/upstream-client.js';

const clients: UpstreamClient[] = [];
after(() => Promise.all(clients.map((c) => c.close())));

function clientFor(url: string, metadataHosts?: readonly string[]): UpstreamClient {
  const client = new UpstreamClient({ url, username: undefined, password: undefined, timeoutMs: 1000, source: 'packagist', metadataHosts }, createLogger({ level: 'silent' }));
  clients.push(client);
  return client;
}

void describe("UpstreamClient.advisoriesUrl: where a source's root may send security-advisory queries", () => {
  const packagist = clientFor('https://repo.packagist.org');
  const deep = clientFor('https://repo.eu.example.com/composer');
  const withMirror = clientFor('https://repo.packagist.org', ['advisories.example.test:443']);

  const allowed: ReadonlyArray<readonly [string, UpstreamClient, string, string]> = [
    ["the source's own origin", packagist, 'https://repo.packagist.org/api/security-advisories/', 'https://repo.packagist.org/api/security-advisories/'],
    ['a path, resolved against the source', packagist, '/api/security-advisories/', 'https://repo.packagist.org/api/security-advisories/'],
    ['the parent domain over the same scheme', packagist, 'https://packagist.org/api/security-advisories/', 'https://packagist.org/api/security-advisories/'],
    ['the parent domain naming the default port', packagist, 'https://packagist.org:443/api/security-advisories/', 'https://packagist.org/api/security-advisories/'],
    ['the parent domain in capitals', packagist, 'https://PACKAGIST.org/api/', 'https://packagist.org/api/'],
    ['a host allowed for metadata', withMirror, 'https://advisories.example.test/api/', 'https://advisories.example.test/api/'],
  ];
  for (const [what, client, reference, expected] of allowed) {
    void test(`${what}: ${reference} is asked`, () => {
      assert.equal(client.advisoriesUrl(reference)?.href, expected);
    });
  }

  const refused: ReadonlyArray<readonly [string, UpstreamClient, string]> = [
    ['another host', packagist, 'https://evil.example/api/security-advisories/'],
    ['a grandparent domain (a suffix such as co.uk could be one)', deep, 'https://example.com/api/security-advisories/'],
    ['the parent domain over another scheme', packagist, 'http://packagist.org/api/security-advisories/'],
    ['the parent domain over http on the https port', packagist, 'http://packagist.org:443/api/security-advisories/'],
    ['the parent domain on another port', packagist, 'https://packagist.org:8443/api/security-advisories/'],
    ['a bare top-level domain', packagist, 'https://org/api/security-advisories/'],
    ['a bare top-level domain of a deeper host', deep, 'https://com/api/'],
    ['a sibling host', packagist, 'https://api.packagist.org/api/security-advisories/'],
    ['a child host', packagist, 'https://x.repo.packagist.org/api/security-advisories/'],
    ['a host ending in the parent name without a dot', packagist, 'https://ckagist.org/api/'],
    ['a host beginning with the source host', packagist, 'https://repo.packagist.org.evil.example/api/'],
    ['the parent domain as userinfo of another host', packagist, 'https://packagist.org@evil.example/api/'],
    ['userinfo with a password before another host', packagist, 'https://packagist.org:443@evil.example/api/'],
    ['the parent domain in the path of another host', packagist, 'https://evil.example/packagist.org/api/'],
    ['a file URL', packagist, 'file:///etc/passwd'],
    ['a javascript URL', packagist, 'javascript:alert(1)'],
    ['an unparsable URL', packagist, 'https://[::1'],
  ];
  for (const [what, client, reference] of refused) {
    void test(`${what}: ${reference} is refused`, () => {
      assert.equal(client.advisoriesUrl(reference), undefined);
    });
  }
});
