import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import fc from 'fast-check';
import { createLogger } from '../../src/logger.js';
import { parseSourceDistPath, SourceDistPaths } from '../../src/upstream/source-dist-paths.js';
import type { VersionEntry } from '../../src/upstream/minified-metadata.js';
import { UpstreamClient } from '../../src/upstream/upstream-client.js';

const clients: UpstreamClient[] = [];
after(() => Promise.all(clients.map((c) => c.close())));

/** The dist paths of a source named `source` at `url` (no request is ever sent). */
function pathsFor(source: string, url = 'https://repo.packagist.org'): SourceDistPaths {
  const client = new UpstreamClient({ url, username: 'src-user', password: 'src-secret', timeoutMs: 1000, source }, createLogger({ level: 'silent' }));
  clients.push(client);
  return new SourceDistPaths(client);
}

function entry(version: string, reference: unknown, type: unknown = 'zip'): VersionEntry {
  return { version: version.replace(/\.0$/, ''), version_normalized: version, dist: { type, url: 'ignored', reference, shasum: '' } };
}

const zipball = 'https://api.github.com/repos/Seldaek/monolog/zipball/3f2c6e3ffb5c3e1e49f2a4d1c9c0b6dd7a5b4c3d';
const reference = '3f2c6e3ffb5c3e1e49f2a4d1c9c0b6dd7a5b4c3d';

/** A path has exactly the seven segments pathOf writes, none of them a dot segment. */
function assertWellFormed(path: string): void {
  const segments = path.split('/');
  assert.equal(segments.length, 7, `${path} has the segments /dists/<source>/<vendor>/<name>/<version>/<file>`);
  assert.ok(!path.includes('..'), `${path} holds no '..'`);
  assert.ok(!/[\s\\%?#]/.test(path), `${path} holds no space, backslash, '%', '?' or '#'`);
}

void describe('SourceDistPaths.pathOf: a dist of a registry source gets a stable path on repogate', () => {
  const packagist = pathsFor('packagist');

  void test('the path is /dists/<source>/<vendor>/<name>/<version_normalized>/<reference>.<type>', () => {
    assert.equal(packagist.pathOf(zipball, entry('3.5.0.0', reference), 'monolog/monolog'), `/dists/packagist/monolog/monolog/3.5.0.0/${reference}.zip`);
    assert.equal(packagist.pathOf('https://example.test/x.tar', entry('1.0.0.0', 'v1', 'tar'), 'acme/tool'), '/dists/packagist/acme/tool/1.0.0.0/v1.tar');
  });

  void test('without version_normalized the version is used; an unknown type becomes zip', () => {
    const noNormalized: VersionEntry = { version: 'v2.1.0', dist: { type: 'path', url: zipball, reference: 'abc123' } };
    assert.equal(packagist.pathOf(zipball, noNormalized, 'acme/tool'), '/dists/packagist/acme/tool/v2.1.0/abc123.zip');
    assert.equal(packagist.pathOf(zipball, entry('1.0.0.0', 'abc123', '../../etc'), 'acme/tool'), '/dists/packagist/acme/tool/1.0.0.0/abc123.zip');
  });

  void test('the same version and reference give the same path whatever URL the source names', () => {
    const viaApi = packagist.pathOf(zipball, entry('3.5.0.0', reference), 'monolog/monolog');
    const viaCodeload = packagist.pathOf(`https://codeload.github.com/Seldaek/monolog/legacy.zip/${reference}`, entry('3.5.0.0', reference), 'monolog/monolog');
    const viaMirror = packagist.pathOf(`https://mirror.example.test/dists/monolog.zip?token=abc`, entry('3.5.0.0', reference), 'monolog/monolog');
    assert.equal(viaCodeload, viaApi);
    assert.equal(viaMirror, viaApi);
  });

  void test('two sources never share a path for the same dist', () => {
    const other = pathsFor('merchant-b');
    assert.notEqual(other.pathOf(zipball, entry('3.5.0.0', reference), 'monolog/monolog'), packagist.pathOf(zipball, entry('3.5.0.0', reference), 'monolog/monolog'));
  });

  const unsafe: ReadonlyArray<readonly [string, string]> = [
    ['a slash', 'refs/heads/main'],
    ['a dot segment', '..'],
    ['two dots inside', 'abc..def'],
    ['a trailing dot', 'v1.'],
    ['a space', 'v 1'],
    ['a backslash', 'a\\b'],
    ['a percent escape', 'a%2Fb'],
    ['a leading dot', '.hidden'],
    ['101 characters', 'a'.repeat(101)],
  ];
  for (const [what, bad] of unsafe) {
    void test(`a reference with ${what} becomes a hash of the URL`, () => {
      const path = packagist.pathOf(zipball, entry('1.0.0.0', bad), 'acme/tool')!;
      assertWellFormed(path);
      assert.match(path, /^\/dists\/packagist\/acme\/tool\/1\.0\.0\.0\/[0-9a-f]{20}\.zip$/);
      assert.deepEqual(parseSourceDistPath(path), { source: 'packagist', packageName: 'acme/tool' });
    });
    void test(`a version with ${what} becomes a hash`, () => {
      const path = packagist.pathOf(zipball, entry(bad, 'abc123'), 'acme/tool')!;
      assertWellFormed(path);
      assert.match(path, /^\/dists\/packagist\/acme\/tool\/[0-9a-f]{20}\/abc123\.zip$/);
      assert.deepEqual(parseSourceDistPath(path), { source: 'packagist', packageName: 'acme/tool' });
    });
  }

  void test('a reference that is not a string is replaced by a hash of the URL, different for different URLs', () => {
    const a = packagist.pathOf('https://example.test/a.zip', entry('1.0.0.0', undefined), 'acme/tool')!;
    const b = packagist.pathOf('https://example.test/b.zip', entry('1.0.0.0', 42), 'acme/tool')!;
    assertWellFormed(a);
    assertWellFormed(b);
    assert.notEqual(a, b);
  });

  void test('whatever version and reference a source sends, the path is well formed and parses back', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 130 }), fc.string({ maxLength: 130 }), (version, ref) => {
        const path = packagist.pathOf(zipball, entry(version, ref), 'acme/tool');
        assert.ok(path !== undefined);
        assertWellFormed(path);
        assert.deepEqual(parseSourceDistPath(path), { source: 'packagist', packageName: 'acme/tool' });
      }),
      { numRuns: 500 },
    );
  });

  for (const url of ['file:///etc/passwd', 'ftp://ftp.example.test/acme.zip', 'git://github.com/acme/tool.git', 'data:application/zip;base64,UEsFBg==']) {
    void test(`a ${new URL(url).protocol} URL is left alone`, () => {
      assert.equal(packagist.pathOf(url, entry('1.0.0.0', 'abc123'), 'acme/tool'), undefined);
    });
  }
});

void describe('SourceDistPaths.upstreamUrlOf: a path maps back to the URL it was made from', () => {
  const paths = pathsFor('packagist', 'https://repo.packagist.org/mirror');

  void test('absolute and relative dist URLs map back, resolved against the source', () => {
    const absolute = paths.pathOf(zipball, entry('3.5.0.0', reference), 'monolog/monolog')!;
    assert.equal(paths.upstreamUrlOf(absolute)?.href, zipball);
    const relative = paths.pathOf('dists/acme-tool-1.0.zip?sig=a', entry('1.0.0.0', 'abc123'), 'acme/tool')!;
    assert.equal(paths.upstreamUrlOf(relative)?.href, 'https://repo.packagist.org/mirror/dists/acme-tool-1.0.zip?sig=a');
  });

  void test('a path this process never made maps to nothing', () => {
    assert.equal(paths.upstreamUrlOf('/dists/packagist/acme/tool/9.9.9.9/never.zip'), undefined);
  });
});

void describe('parseSourceDistPath: only the paths pathOf writes', () => {
  void test('it accepts each kind of path pathOf writes', () => {
    const paths = pathsFor('source-2');
    for (const type of ['zip', 'tar', 'gzip', 'xz', 'phar', 'rar']) {
      const path = paths.pathOf(zipball, entry('1.0.0.0-beta1', 'v1.0.0+build.5', type), 'my.vendor/some_package-name')!;
      assert.deepEqual(parseSourceDistPath(path), { source: 'source-2', packageName: 'my.vendor/some_package-name' }, path);
    }
  });

  const refused: ReadonlyArray<readonly [string, string]> = [
    ['a dot segment as version', '/dists/packagist/acme/tool/../abc.zip'],
    ['a dot segment as package name', '/dists/packagist/acme/../1.0.0.0/abc.zip'],
    ['two dots inside a segment', '/dists/packagist/acme/tool/1.0..0/abc.zip'],
    ['an uppercase source name', '/dists/Packagist/acme/tool/1.0.0.0/abc.zip'],
    ['a source name of 41 characters', `/dists/${'s'.repeat(41)}/acme/tool/1.0.0.0/abc.zip`],
    ['an uppercase package name', '/dists/packagist/Acme/tool/1.0.0.0/abc.zip'],
    ['a package name Composer refuses', '/dists/packagist/acme/tool--/1.0.0.0/abc.zip'],
    ['a package name starting with a dot', '/dists/packagist/.acme/tool/1.0.0.0/abc.zip'],
    ['no version', '/dists/packagist/acme/tool/abc.zip'],
    ['no extension', '/dists/packagist/acme/tool/1.0.0.0/abc'],
    ['no source', '/dists/acme/tool/1.0.0.0/abc.zip'],
    ['an extra segment', '/dists/packagist/acme/tool/extra/1.0.0.0/abc.zip'],
    ['a trailing slash', '/dists/packagist/acme/tool/1.0.0.0/abc.zip/'],
    ['an encoded slash', '/dists/packagist/acme/tool/1.0.0.0%2F..%2Fx/abc.zip'],
    ['a query string', '/dists/packagist/acme/tool/1.0.0.0/abc.zip?x=1'],
    ['another prefix', '/archives/packagist/acme/tool/1.0.0.0/abc.zip'],
    ['no leading slash', 'dists/packagist/acme/tool/1.0.0.0/abc.zip'],
  ];
  for (const [what, path] of refused) {
    void test(`it refuses ${what}: ${path}`, () => {
      assert.equal(parseSourceDistPath(path), undefined);
    });
  }
});
