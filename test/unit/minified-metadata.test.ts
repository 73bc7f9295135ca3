import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { expandVersions, isDevVersion, minifyVersions, type VersionEntry } from '../../src/upstream/minified-metadata.js';

/** A p2 document the way repo.magento.com minifies it: the first entry whole, then only what changes. */
const minified: VersionEntry[] = [
  {
    name: 'magento/module-catalog',
    description: 'N/A',
    version: '104.0.7',
    version_normalized: '104.0.7.0',
    type: 'magento2-module',
    license: ['OSL-3.0', 'AFL-3.0'],
    dist: { type: 'zip', url: 'https://repo.magento.com/archives/magento/module-catalog/magento-module-catalog-104.0.7.0.zip', reference: null, shasum: 'a1' },
    require: { php: '~8.1.0||~8.2.0', 'magento/framework': '103.0.*' },
    extra: { patch: true },
  },
  {
    version: '104.0.6',
    version_normalized: '104.0.6.0',
    dist: { type: 'zip', url: 'https://repo.magento.com/archives/magento/module-catalog/magento-module-catalog-104.0.6.0.zip', reference: null, shasum: 'a2' },
    extra: '__unset',
  },
  {
    version: '104.0.5',
    version_normalized: '104.0.5.0',
    dist: { type: 'zip', url: 'https://repo.magento.com/archives/magento/module-catalog/magento-module-catalog-104.0.5.0.zip', reference: null, shasum: 'a3' },
    require: { php: '~7.4.0||~8.1.0', 'magento/framework': '103.0.*' },
    description: '__unset',
  },
];

void describe('Composer 2 minified metadata', () => {
  void test('expanding: each entry inherits from the one before, "__unset" removes a key', () => {
    const expanded = expandVersions(minified);
    assert.equal(expanded.length, 3);
    assert.deepEqual(expanded[0], minified[0]);
    const second: VersionEntry = { ...minified[0], version: '104.0.6', version_normalized: '104.0.6.0', dist: minified[1]!['dist'] };
    delete second['extra'];
    assert.deepEqual(expanded[1], second);
    const third: VersionEntry = {
      ...minified[0],
      version: '104.0.5',
      version_normalized: '104.0.5.0',
      dist: minified[2]!['dist'],
      require: minified[2]!['require'],
    };
    delete third['description'];
    delete third['extra'];
    assert.deepEqual(expanded[2], third);
  });

  void test('an unset key stays unset until an entry sets it again', () => {
    const expanded = expandVersions([{ name: 'a/b', version: '3.0.0', suggest: { x: 'y' } }, { version: '2.0.0', suggest: '__unset' }, { version: '1.0.0' }, { version: '0.9.0', suggest: { z: 'w' } }]);
    assert.deepEqual(expanded.map((v) => v['suggest']), [{ x: 'y' }, undefined, undefined, { z: 'w' }]);
  });

  void test('"__unset" of a key nobody set, or in the first entry, adds nothing', () => {
    assert.deepEqual(expandVersions([{ name: 'a/b', version: '1.0.0', extra: '__unset' }, { version: '0.1.0', support: '__unset' }]), [
      { name: 'a/b', version: '1.0.0' },
      { name: 'a/b', version: '0.1.0' },
    ]);
  });

  void test('expanding does not change its input, and entries do not share their top level', () => {
    const input = structuredClone(minified);
    const expanded = expandVersions(input);
    assert.deepEqual(input, minified);
    expanded[0]!['version'] = 'changed';
    assert.equal(expanded[1]!['version'], '104.0.6');
  });

  void test('minifying lists only the keys that differ from the entry before, "__unset" for removed ones', () => {
    const expanded = expandVersions(minified);
    assert.deepEqual(minifyVersions(expanded), minified);
  });

  void test('values are compared as JSON: an equal object is left out, a reordered list is not', () => {
    const out = minifyVersions([
      { name: 'a/b', version: '2.0.0', require: { php: '>=8.1' }, license: ['MIT', 'BSD-3-Clause'] },
      { name: 'a/b', version: '1.0.0', require: { php: '>=8.1' }, license: ['BSD-3-Clause', 'MIT'] },
    ]);
    assert.deepEqual(out[1], { version: '1.0.0', license: ['BSD-3-Clause', 'MIT'] });
  });

  void test('empty and single-entry lists', () => {
    assert.deepEqual(expandVersions([]), []);
    assert.deepEqual(minifyVersions([]), []);
    assert.deepEqual(minifyVersions([{ name: 'a/b', version: '1.0.0' }]), [{ name: 'a/b', version: '1.0.0' }]);
  });

  // Keys as Composer writes them; values any JSON except the string "__unset", which the format
  // reserves (Composer's MetadataMinifier has the same limit).
  const versionKey = fc.constantFrom('name', 'version', 'version_normalized', 'type', 'license', 'dist', 'source', 'require', 'autoload', 'extra', 'time', 'description');
  const jsonValue = fc.jsonValue({ maxDepth: 3 }).filter((v) => v !== '__unset').map((v) => JSON.parse(JSON.stringify(v)) as unknown);
  const entry = fc.dictionary(versionKey, jsonValue, { maxKeys: 8, noNullPrototype: true });
  /** Lists of entries that often repeat values from the entry before, as real version lists do. */
  const versionList = fc.array(fc.tuple(entry, fc.array(versionKey, { maxLength: 4 })), { maxLength: 12 }).map((steps) => {
    const list: VersionEntry[] = [];
    for (const [fresh, dropped] of steps) {
      const previous = list.at(-1) ?? {};
      const next: VersionEntry = { ...previous, ...fresh };
      for (const key of dropped) delete next[key];
      list.push(next);
    }
    return list;
  });

  void test('property: expand(minify(x)) equals x for any version list', () => {
    fc.assert(
      fc.property(versionList, (versions) => {
        assert.deepEqual(expandVersions(minifyVersions(versions)), versions);
      }),
      { numRuns: 300 },
    );
  });

  void test('property: a minified list survives a trip through JSON', () => {
    fc.assert(
      fc.property(versionList, (versions) => {
        const wire = JSON.parse(JSON.stringify(minifyVersions(versions))) as VersionEntry[];
        assert.deepEqual(expandVersions(wire), versions);
      }),
      { numRuns: 200 },
    );
  });

  void test('property: minifying an expanded list gives each later entry only changed keys', () => {
    fc.assert(
      fc.property(versionList, (versions) => {
        const out = minifyVersions(versions);
        for (let i = 1; i < out.length; i++) {
          for (const [key, value] of Object.entries(out[i]!)) {
            const before = versions[i - 1]![key];
            if (value === '__unset') assert.ok(key in versions[i - 1]! && !(key in versions[i]!));
            else assert.notDeepEqual(JSON.stringify(before), JSON.stringify(value), key);
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});

void describe('dev versions', () => {
  const cases: ReadonlyArray<readonly [VersionEntry, boolean]> = [
    [{ version: 'dev-main', version_normalized: 'dev-main' }, true],
    [{ version: '2.4.x-dev', version_normalized: '2.4.9999999.9999999-dev' }, true],
    [{ version: 'dev-feature/x' }, true],
    [{ version_normalized: '9999999-dev' }, true],
    [{ version: '2.4.7', version_normalized: '2.4.7.0' }, false],
    [{ version: '2.4.7-p3', version_normalized: '2.4.7.0-patch3' }, false],
    [{ version: '1.0.0-beta1', version_normalized: '1.0.0.0-beta1' }, false],
    [{ version: 'v1.2.7' }, false],
    [{ version: 'developer-1.0' }, false],
    [{}, false],
    [{ version: 7 }, false],
  ];
  for (const [entry, dev] of cases) {
    void test(`${JSON.stringify(entry)} is ${dev ? '' : 'not '}a dev version`, () => {
      assert.equal(isDevVersion(entry), dev);
    });
  }
});
