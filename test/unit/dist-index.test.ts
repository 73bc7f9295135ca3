import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DistIndex, sourceOfArchivePath } from '../../src/archives/dist-index.js';

void describe('DistIndex.targetFor: which package and source an archive path belongs to', () => {
  void test('a repo.magento.com archive path names its package, read from the default source', () => {
    const index = new DistIndex();
    assert.deepEqual(index.targetFor('/archives/magento/module-catalog/magento-module-catalog-103.0.7.0-patch1.zip'), {
      packageName: 'magento/module-catalog',
      source: 'default',
    });
    assert.equal(index.targetFor('/archives/Magento/Module-Catalog/x.zip')?.packageName, 'magento/module-catalog');
  });

  void test("a registry source's dist path names its package and that source", () => {
    const index = new DistIndex();
    assert.deepEqual(index.targetFor('/dists/packagist/monolog/monolog/3.5.0.0/3f2c6e3ffb5c.zip'), { packageName: 'monolog/monolog', source: 'packagist' });
    assert.deepEqual(index.targetFor('/dists/merchant-b/acme/tool/1.0.0.0/0123456789abcdef0123.tar'), { packageName: 'acme/tool', source: 'merchant-b' });
  });

  void test('another dist path of the default upstream is known once metadata naming it is rendered', () => {
    const index = new DistIndex();
    const path = '/downloads/vendor-pkg-1.0.zip';
    assert.equal(index.targetFor(path), undefined);
    index.learn(path, 'vendor/pkg');
    assert.deepEqual(index.targetFor(path), { packageName: 'vendor/pkg', source: 'default' });
  });

  void test("metadata of the default upstream cannot claim a registry source's dist path", () => {
    const index = new DistIndex();
    const path = '/dists/packagist/monolog/monolog/3.5.0.0/abc.zip';
    index.learn(path, 'evil/package');
    assert.deepEqual(index.targetFor(path), { packageName: 'monolog/monolog', source: 'packagist' });
  });

  const nothing: ReadonlyArray<readonly [string, string]> = [
    ['metadata', '/p2/magento/module-catalog.json'],
    ['the root document', '/packages.json'],
    ['an archive path with a dot segment', '/archives/magento/module-catalog/..'],
    ['an archive path with two dots in its file', '/archives/magento/module-catalog/a..zip'],
    ['an archive path without a file', '/archives/magento/module-catalog'],
    ['an archive path with an invalid package name', '/archives/magento/-module/x.zip'],
    ['a dist path with an uppercase source', '/dists/Packagist/monolog/monolog/3.5.0.0/abc.zip'],
    ['a dist path with a dot segment', '/dists/packagist/monolog/monolog/../abc.zip'],
    ['a dist path with an extra segment', '/dists/packagist/monolog/monolog/x/3.5.0.0/abc.zip'],
    ['a dist path with a missing part', '/dists/packagist/monolog/3.5.0.0/abc.zip'],
  ];
  for (const [what, path] of nothing) {
    void test(`nothing for ${what}: ${path}`, () => {
      const index = new DistIndex();
      assert.equal(index.targetFor(path), undefined);
      assert.equal(index.targetFor(path), undefined, 'asked again');
    });
  }
});

void describe('sourceOfArchivePath: the source an archive path is read from', () => {
  const cases: ReadonlyArray<readonly [string, string]> = [
    ['/dists/packagist/monolog/monolog/3.5.0.0/abc.zip', 'packagist'],
    ['/dists/merchant-b/acme/tool/1.0.0.0/abc.zip', 'merchant-b'],
    ['/archives/magento/module-catalog/magento-module-catalog-103.0.7.0.zip', 'default'],
    ['/downloads/vendor-pkg-1.0.zip', 'default'],
    ['/dists/Packagist/monolog/monolog/3.5.0.0/abc.zip', 'default'],
    ['/dists/-bad/monolog/monolog/3.5.0.0/abc.zip', 'default'],
    ['/distsx/packagist/a.zip', 'default'],
    ['/dists/packagist', 'default'],
  ];
  for (const [path, source] of cases) {
    void test(`${path} → ${source}`, () => {
      assert.equal(sourceOfArchivePath(path), source);
    });
  }
});
