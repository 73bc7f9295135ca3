import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { revisionOf, type CachedDocument } from '../../src/cache/cached-document.js';
import { buildIndex, indexExcludes, indexLists, indexListsAll, type RepositoryIndex } from '../../src/upstream/repository-index.js';

/** The index repogate builds from a Composer 2 root document with these fields. */
function composer2Index(fields: Record<string, unknown>): RepositoryIndex {
  const body = Buffer.from(JSON.stringify({ packages: [], 'metadata-url': '/p2/%package%.json', ...fields }));
  const doc: CachedDocument = { status: 200, body, lastModified: null, etag: null, fetchedAt: 0, changedAt: 0, revision: revisionOf(body) };
  return buildIndex(doc, []);
}

void describe('indexExcludes: whether a source rules a package out before its metadata is asked for', () => {
  void test('with available-packages, a name in the list is not ruled out and any other is', () => {
    const index = composer2Index({ 'available-packages': ['magento/module-catalog', 'magento/framework'] });
    assert.equal(indexExcludes(index, 'magento/module-catalog'), false);
    assert.equal(indexExcludes(index, 'magento/framework'), false);
    assert.equal(indexExcludes(index, 'magento/module-cms'), true);
    assert.equal(indexExcludes(index, 'magento/module-catalo'), true);
  });

  void test('available-packages are compared without case, as Composer lowercases them', () => {
    const index = composer2Index({ 'available-packages': ['Acme/Tool'] });
    assert.equal(indexExcludes(index, 'acme/tool'), false);
  });

  void test('with available-package-patterns, * matches any run of characters, anchored at both ends', () => {
    const index = composer2Index({ 'available-package-patterns': ['magento/*', 'acme/*-theme', 'exact/name', 'x*y*z/p'] });
    const kept = ['magento/module-catalog', 'magento/framework', 'acme/luma-theme', 'acme/-theme', 'exact/name', 'xyz/p', 'xaybz/p', 'x-y-y-z/p'];
    const excluded = ['magento', 'other/module', 'amagento/module', 'acme/luma-theme2', 'acme/theme', 'exact/name2', 'exact/nam', 'xy/p', 'x/p', 'xyz/p2'];
    for (const name of kept) assert.equal(indexExcludes(index, name), false, `${name} matches`);
    for (const name of excluded) assert.equal(indexExcludes(index, name), true, `${name} matches none`);
  });

  void test('the parts of a pattern may not overlap: ab*ba needs four characters at least', () => {
    const index = composer2Index({ 'available-package-patterns': ['ab*ba'] });
    assert.equal(indexExcludes(index, 'aba'), true);
    assert.equal(indexExcludes(index, 'abba'), false);
  });

  void test('a pattern is read literally apart from *, and without case', () => {
    const index = composer2Index({ 'available-package-patterns': ['Vendor/pkg.name', 'all+/*'] });
    assert.equal(indexExcludes(index, 'vendor/pkg.name'), false);
    assert.equal(indexExcludes(index, 'vendor/pkgxname'), true);
    assert.equal(indexExcludes(index, 'all+/x'), false);
    assert.equal(indexExcludes(index, 'alll/x'), true);
  });

  void test('a lone * matches every name', () => {
    const index = composer2Index({ 'available-package-patterns': ['*'] });
    assert.equal(indexExcludes(index, 'any/thing'), false);
  });

  void test('with a list and patterns, a name either admits is not ruled out, as Composer reads them', () => {
    const index = composer2Index({ 'available-packages': ['magento/framework'], 'available-package-patterns': ['mageplaza/*'] });
    assert.equal(indexExcludes(index, 'magento/framework'), false);
    assert.equal(indexExcludes(index, 'mageplaza/module-smtp'), false);
    assert.equal(indexExcludes(index, 'magento/module-catalog'), true);
    assert.equal(indexExcludes(index, 'amasty/base'), true);
    // Listed: the upstream has it. Admitted by a pattern only: it may not.
    assert.equal(indexLists(index, 'magento/framework'), true);
    assert.equal(indexLists(index, 'mageplaza/module-smtp'), false);
    assert.equal(indexListsAll(index), false);
    assert.equal(indexListsAll(composer2Index({ 'available-packages': ['magento/framework'] })), true);
  });

  void test('empty patterns are no patterns, as Composer reads them', () => {
    assert.equal(indexExcludes(composer2Index({ 'available-package-patterns': [] }), 'monolog/monolog'), false);
    const listed = composer2Index({ 'available-packages': ['magento/framework'], 'available-package-patterns': [] });
    assert.equal(indexExcludes(listed, 'monolog/monolog'), true);
    assert.equal(indexListsAll(listed), true);
  });

  void test('without a list or patterns (packagist) nothing is ruled out: only the metadata can tell', () => {
    const index = composer2Index({});
    assert.equal(indexExcludes(index, 'monolog/monolog'), false);
    assert.equal(indexExcludes(index, 'no/such-package'), false);
  });
});
