import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import fc from 'fast-check';
import type { EffectiveAccess } from '../../src/access/access-rules.js';
import { DistIndex } from '../../src/archives/dist-index.js';
import { expandVersions, type VersionEntry } from '../../src/upstream/minified-metadata.js';
import { packageRenderKey, renderPackage, renderRoot, visiblePackages, type DistPinning } from '../../src/composer/render-metadata.js';
import type { Rendered } from '../../src/http/rendered.js';
import { UrlRewriter } from '../../src/upstream/url-rewriter.js';
import { createLogger } from '../../src/logger.js';
import { parseRules, rulesAllow } from '../../src/registry/rules.js';
import type { RepositoryIndex } from '../../src/upstream/repository-index.js';
import { rootMessages } from '../../src/upstream/root-messages.js';
import { UpstreamClient } from '../../src/upstream/upstream-client.js';
import type { PackageSource } from '../../src/upstream/upstream-repository.js';

const upstreamUrl = 'https://repo.magento.com';
const orgPublic = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const orgPrivate = 'f0e1d2c3b4a5968778695a4b3c2d1e0f';
const base = 'https://repogate.example.test';

/** Access through grants of the given rules, optionally narrowed by a key scope. */
function accessOf(grants: ReadonlyArray<readonly string[]>, scope: readonly string[] | null = null): EffectiveAccess {
  return {
    ok: true,
    grants: grants.map((rules, i) => ({ entitlement: `e${i}`, expiresOn: null, rules: parseRules(rules) })),
    scope: scope === null ? null : parseRules(scope),
    fingerprint: JSON.stringify([grants, scope]),
  };
}

/** An index as the upstream adapter builds it from a Composer 2 root. */
function indexOf(names: readonly string[] | null, extra: Partial<RepositoryIndex> = {}): RepositoryIndex {
  const sorted = names === null ? null : [...names].sort();
  return {
    layout: 'composer2',
    revision: 'r1',
    names: sorted,
    nameSet: sorted === null ? null : new Set(sorted),
    patterns: null,
    advisoriesUrl: null,
    searchUrl: null,
    listUrl: null,
    notifyBatch: `${upstreamUrl}/notify-batch`,
    metadataUrl: `${upstreamUrl}/p2/%package%.json`,
    providersUrl: null,
    providerHashes: null,
    inlinePackages: null,
    messages: {},
    rootLastModifiedMs: Date.UTC(2024, 0, 2, 3, 4, 5, 678),
    ...extra,
  };
}

function sourceOf(name: string, versions: readonly VersionEntry[], revision = 'rev-1'): PackageSource {
  return {
    name,
    dev: false,
    revision,
    lastModifiedMs: Date.UTC(2024, 5, 6, 7, 8, 9, 999),
    outcome: 'hit',
    upstreamMs: 0,
    confirmedAt: 0,
    versions: () => versions,
  };
}

/** Records what it is asked, and answers pinned sha1s for the paths it holds. */
class FakePinning implements DistPinning {
  readonly asked: Array<[string, string, string | undefined]> = [];
  readonly #pins: ReadonlyMap<string, string>;
  revision = 0;

  constructor(pins: Record<string, string>) {
    this.#pins = new Map(Object.entries(pins));
  }

  shasumFor(path: string, packageName: string, upstreamShasum: string | undefined): string | undefined {
    this.asked.push([path, packageName, upstreamShasum]);
    return this.#pins.get(path) ?? upstreamShasum;
  }

  templateShasumFor(path: string, packageName: string, upstreamShasum: string | undefined, base: string): string {
    this.asked.push([path, packageName, upstreamShasum]);
    return `template of ${base}`;
  }

  pinRevision(): number {
    return this.revision;
  }
}

function bodyOf(rendered: Rendered): Record<string, unknown> {
  return JSON.parse(rendered.body.toString('utf8')) as Record<string, unknown>;
}

const frameworkVersions: VersionEntry[] = [
  {
    name: 'magento/framework',
    version: '103.0.7',
    version_normalized: '103.0.7.0',
    uid: 1001,
    dist: { type: 'zip', url: `${upstreamUrl}/archives/magento/framework/magento-framework-103.0.7.0.zip`, reference: null, shasum: 'aaaa' },
    require: { php: '~8.1.0||~8.2.0' },
  },
  {
    name: 'magento/framework',
    version: '103.0.6',
    version_normalized: '103.0.6.0',
    uid: 1000,
    dist: { type: 'zip', url: `https://${orgPublic}:${orgPrivate}@repo.magento.com/archives/magento/framework/magento-framework-103.0.6.0.zip`, reference: null, shasum: 'bbbb' },
    source: { type: 'git', url: `${upstreamUrl}/git/magento/framework.git`, reference: 'abc' },
    require: { php: '~8.1.0||~8.2.0' },
  },
  {
    name: 'magento/framework',
    version: '103.0.5',
    version_normalized: '103.0.5.0',
    dist: { type: 'zip', url: 'https://api.github.com/repos/magento/framework/zipball/def', reference: 'def', shasum: '' },
    require: { php: '~8.1.0' },
  },
];

void describe('renderPackage: a p2 file as repogate serves it', () => {
  const client = new UpstreamClient({ url: upstreamUrl, username: orgPublic, password: orgPrivate, timeoutMs: 1000 }, createLogger({ level: 'silent' }));
  after(() => client.close());
  const rewriter = new UrlRewriter(client);

  const render = (pinning?: DistPinning, dists = new DistIndex()): { body: Record<string, unknown>; versions: VersionEntry[]; text: string } => {
    const rendered = renderPackage(sourceOf('magento/framework', frameworkVersions), base, rewriter, dists, pinning);
    const body = bodyOf(rendered);
    const packages = body['packages'] as Record<string, VersionEntry[]>;
    return { body, versions: expandVersions(packages['magento/framework'] ?? []), text: rendered.body.toString('utf8') };
  };

  void test('minified Composer 2 metadata holding only the named package', () => {
    const { body } = render();
    assert.equal(body['minified'], 'composer/2.0');
    assert.deepEqual(Object.keys(body['packages'] as object), ['magento/framework']);
    const minified = (body['packages'] as Record<string, VersionEntry[]>)['magento/framework']!;
    assert.equal(minified.length, 3);
    assert.equal(minified[1]!['name'], undefined, 'later entries list only what changed');
  });

  void test('dist and source URLs on the upstream point at repogate; other hosts are left alone', () => {
    const { versions } = render();
    assert.deepEqual(
      versions.map((v) => (v['dist'] as { url: string }).url),
      [
        `${base}/archives/magento/framework/magento-framework-103.0.7.0.zip`,
        `${base}/archives/magento/framework/magento-framework-103.0.6.0.zip`,
        'https://api.github.com/repos/magento/framework/zipball/def',
      ],
    );
    assert.equal((versions[1]!['source'] as { url: string }).url, `${base}/git/magento/framework.git`);
    assert.equal(versions[2]!['source'], undefined, 'no source inherited from the version before');
  });

  void test('everything else in an entry is kept; the Composer 1 uid is dropped', () => {
    const { versions } = render();
    assert.deepEqual(versions.map((v) => v['uid']), [undefined, undefined, undefined]);
    assert.deepEqual(versions.map((v) => v['version']), ['103.0.7', '103.0.6', '103.0.5']);
    assert.deepEqual(versions.map((v) => v['require']), [{ php: '~8.1.0||~8.2.0' }, { php: '~8.1.0||~8.2.0' }, { php: '~8.1.0' }]);
    assert.deepEqual(versions[0]!['dist'], { type: 'zip', url: `${base}/archives/magento/framework/magento-framework-103.0.7.0.zip`, reference: null, shasum: 'aaaa' });
  });

  void test("a pinned archive's sha1 replaces the upstream shasum; unpinned ones keep the upstream's", () => {
    const pinning = new FakePinning({ '/archives/magento/framework/magento-framework-103.0.6.0.zip': 'c'.repeat(40) });
    const { versions } = render(pinning);
    assert.deepEqual(versions.map((v) => (v['dist'] as { shasum: string }).shasum), ['aaaa', 'c'.repeat(40), '']);
    assert.deepEqual(pinning.asked, [
      ['/archives/magento/framework/magento-framework-103.0.7.0.zip', 'magento/framework', 'aaaa'],
      ['/archives/magento/framework/magento-framework-103.0.6.0.zip', 'magento/framework', 'bbbb'],
    ], 'asked for dists on the upstream only, by path without the base');
  });

  void test('a pinning that knows nothing leaves the upstream shasum', () => {
    const pinning: DistPinning = { shasumFor: () => undefined, templateShasumFor: () => '', pinRevision: () => 0 };
    assert.deepEqual(render(pinning).versions.map((v) => (v['dist'] as { shasum: string }).shasum), ['aaaa', 'bbbb', '']);
  });

  void test('no upstream host and no credential of the organisation is in the output', () => {
    const { text } = render(new FakePinning({}));
    assert.ok(!text.includes('repo.magento.com'), text);
    assert.ok(!text.includes(orgPublic) && !text.includes(orgPrivate), text);
    assert.ok(!text.includes(Buffer.from(`${orgPublic}:${orgPrivate}`).toString('base64')));
  });

  void test("a project template's dist carries the shasum of the copy served through this base, never the upstream's", () => {
    const templateVersions: VersionEntry[] = [
      { name: 'magento/project-community-edition', version: '2.4.7', type: 'project', dist: { type: 'zip', url: `${upstreamUrl}/archives/magento/project-community-edition/magento-project-community-edition-2.4.7.0.zip`, shasum: 'dddd' } },
    ];
    const pinning = new FakePinning({});
    const rendered = renderPackage(sourceOf('magento/project-community-edition', templateVersions), base, rewriter, new DistIndex(), pinning);
    const out = expandVersions((bodyOf(rendered)['packages'] as Record<string, VersionEntry[]>)['magento/project-community-edition']!);
    assert.equal((out[0]!['dist'] as { shasum: string }).shasum, `template of ${base}`);
    assert.deepEqual(pinning.asked, [['/archives/magento/project-community-edition/magento-project-community-edition-2.4.7.0.zip', 'magento/project-community-edition', 'dddd']]);
  });

  void test('dist paths outside /archives/ are learned for the package', () => {
    const dists = new DistIndex();
    const versions: VersionEntry[] = [
      { name: 'vendor/odd', version: '1.0.0', dist: { type: 'zip', url: `${upstreamUrl}/downloads/odd-1.0.0.zip`, shasum: '' } },
    ];
    renderPackage(sourceOf('vendor/odd', versions), base, rewriter, dists);
    assert.equal(dists.targetFor('/downloads/odd-1.0.0.zip')?.packageName, 'vendor/odd');
    assert.equal(dists.targetFor('/downloads/other.zip')?.packageName, undefined);
  });

  void test('dist and source values that are not objects with a string URL are passed on untouched', () => {
    const odd: VersionEntry[] = [
      { name: 'vendor/odd', version: '1.0.0', dist: null, source: 'https://repo.magento.com/x' },
      { name: 'vendor/odd', version: '1.0.1', dist: [`${upstreamUrl}/archives/x.zip`], source: { url: 42 } },
    ];
    const rendered = renderPackage(sourceOf('vendor/odd', odd), base, rewriter, new DistIndex());
    const out = expandVersions((bodyOf(rendered)['packages'] as Record<string, VersionEntry[]>)['vendor/odd']!);
    assert.deepEqual(out, odd);
  });

  void test('Last-Modified is the source time rounded down to the second, with a stable ETag', () => {
    const a = renderPackage(sourceOf('magento/framework', frameworkVersions), base, rewriter, new DistIndex());
    const b = renderPackage(sourceOf('magento/framework', frameworkVersions), base, rewriter, new DistIndex());
    assert.equal(a.lastModified, 'Thu, 06 Jun 2024 07:08:09 GMT');
    assert.equal(a.lastModifiedMs, Date.UTC(2024, 5, 6, 7, 8, 9));
    assert.equal(a.etag, b.etag);
    const elsewhere = renderPackage(sourceOf('magento/framework', frameworkVersions), 'http://other.example:8080', rewriter, new DistIndex());
    assert.notEqual(elsewhere.etag, a.etag);
  });

  void test('the memo key changes with the upstream revision, the base URL and the pins', () => {
    const pinning = new FakePinning({});
    const source = sourceOf('magento/framework', frameworkVersions);
    const key = packageRenderKey(source, base, pinning);
    assert.equal(packageRenderKey(source, base, pinning), key);
    assert.notEqual(packageRenderKey(sourceOf('magento/framework', frameworkVersions, 'rev-2'), base, pinning), key);
    assert.notEqual(packageRenderKey(source, 'http://other.example', pinning), key);
    pinning.revision = 1;
    assert.notEqual(packageRenderKey(source, base, pinning), key);
  });
});

const names = ['amasty/base', 'magento/framework', 'magento/module-b2b', 'magento/module-catalog', 'mageplaza/module-smtp', 'paypal/module-braintree'];

void describe('renderRoot: the root document, filtered to what the key may see', () => {
  void test('points metadata-url and notify-batch at repogate and lists only the entitled packages', () => {
    const rendered = renderRoot(indexOf(names), accessOf([['magento/*', '!magento/module-b2b']]), base);
    assert.deepEqual(bodyOf(rendered), {
      packages: [],
      'metadata-url': `${base}/p2/%package%.json`,
      'notify-batch': `${base}/notify-batch`,
      'available-packages': ['magento/framework', 'magento/module-catalog'],
    });
  });

  void test('several grants add up; a key scope narrows them but never widens them', () => {
    const index = indexOf(names);
    const two = accessOf([['magento/framework'], ['mageplaza/*']]);
    assert.deepEqual(visiblePackages(index, two), { names: ['magento/framework', 'mageplaza/module-smtp'] });
    assert.deepEqual(visiblePackages(index, accessOf([['magento/*']], ['magento/module-*'])), { names: ['magento/module-b2b', 'magento/module-catalog'] });
    assert.deepEqual(visiblePackages(index, accessOf([['magento/*']], ['*/*'])), { names: ['magento/framework', 'magento/module-b2b', 'magento/module-catalog'] });
  });

  void test('no grant, no package: the list is empty, not absent', () => {
    assert.deepEqual(bodyOf(renderRoot(indexOf(names), accessOf([]), base))['available-packages'], []);
  });

  void test('an upstream without a list gets the positive rules as patterns, narrowed by the scope', () => {
    const index = indexOf(null);
    const body = bodyOf(renderRoot(index, accessOf([['magento/*', '!magento/module-b2b'], ['mageplaza/*', 'magento/*']]), base));
    assert.deepEqual(body['available-package-patterns'], ['magento/*', 'mageplaza/*']);
    assert.equal(body['available-packages'], undefined);
    assert.deepEqual(visiblePackages(index, accessOf([['*/*']], ['magento/module-*', '!magento/module-b2b'])), { patterns: ['magento/module-*'] });
  });

  void test('an upstream with a list and patterns besides it gets the positive rules as patterns: Composer asks for a name either admits', () => {
    const index = indexOf(['magento/framework'], { patterns: ['mageplaza/*'] });
    const body = bodyOf(renderRoot(index, accessOf([['magento/*'], ['mageplaza/*']]), base));
    assert.deepEqual(body['available-package-patterns'], ['magento/*', 'mageplaza/*']);
    assert.equal(body['available-packages'], undefined);
  });

  void test("the upstream's warning and info are shown to the user", () => {
    const body = bodyOf(renderRoot(indexOf(names, { messages: { warning: 'maintenance tonight', info: 'hello' } }), accessOf([['*/*']]), base));
    assert.equal(body['warning'], 'maintenance tonight');
    assert.equal(body['info'], 'hello');
  });

  void test("the upstream's Composer 2.2+ message arrays and version constraints are passed on; malformed entries are not", () => {
    const root = {
      warning: 'old clients: upgrade',
      'warning-versions': '<2.2',
      info: 'welcome',
      'info-versions': '',
      warnings: [{ message: 'maintenance tonight', versions: '>=2.2' }, { message: 'no versions' }, 'text', { message: 3, versions: '*' }],
      infos: [{ message: 'new packages', versions: '*', extra: true }],
    };
    const body = bodyOf(renderRoot(indexOf(names, { messages: rootMessages(root) }), accessOf([['*/*']]), base));
    assert.equal(body['warning'], 'old clients: upgrade');
    assert.equal(body['warning-versions'], '<2.2');
    assert.equal(body['info'], 'welcome');
    assert.equal('info-versions' in body, false);
    assert.deepEqual(body['warnings'], [{ message: 'maintenance tonight', versions: '>=2.2' }]);
    assert.deepEqual(body['infos'], [{ message: 'new packages', versions: '*' }]);
    assert.deepEqual(rootMessages({ warnings: 'not a list', infos: [{ versions: '*' }] }), {});
  });

  void test('no upstream URL or Composer 1 field is passed on, whatever layout the upstream has', () => {
    const providers = indexOf(names, {
      layout: 'providers',
      metadataUrl: null,
      providersUrl: `${upstreamUrl}/p/%package%$%hash%.json`,
      providerHashes: new Map(names.map((n) => [n, 'f'.repeat(64)])),
    });
    for (const index of [indexOf(names), providers]) {
      const rendered = renderRoot(index, accessOf([['*/*']]), base);
      const text = rendered.body.toString('utf8');
      assert.ok(!text.includes('repo.magento.com'), text);
      assert.deepEqual(Object.keys(bodyOf(rendered)).sort(), ['available-packages', 'metadata-url', 'notify-batch', 'packages']);
    }
  });

  void test('Last-Modified is the root time rounded down to the second', () => {
    const rendered = renderRoot(indexOf(names), accessOf([['*/*']]), base);
    assert.equal(rendered.lastModified, 'Tue, 02 Jan 2024 03:04:05 GMT');
  });

  void test('property: the packages offered are exactly those a grant allows and the scope admits', () => {
    const segment = fc.constantFrom('magento', 'mageplaza', 'amasty', 'module-a', 'module-b', 'framework');
    const name = fc.tuple(segment, segment).map(([v, n]) => `${v}/${n}`);
    const rule = fc.tuple(fc.boolean(), fc.constantFrom('magento', 'mageplaza', 'amasty', '*', 'mag*'), fc.constantFrom('module-*', 'framework', '*', 'module-a'))
      .map(([negated, v, n]) => `${negated ? '!' : ''}${v}/${n}`);
    const rules = fc.array(rule, { maxLength: 4 });
    fc.assert(
      fc.property(fc.uniqueArray(name, { maxLength: 12 }), fc.array(rules, { maxLength: 3 }), fc.option(rules, { nil: null }), (all, grants, scope) => {
        const access = accessOf(grants, scope);
        const offered = visiblePackages(indexOf(all), access).names ?? [];
        const unscoped = visiblePackages(indexOf(all), accessOf(grants)).names ?? [];
        for (const n of all) {
          const allowed = access.grants.some((g) => rulesAllow(g.rules, n)) && (access.scope === null || rulesAllow(access.scope, n));
          assert.equal(offered.includes(n), allowed, n);
        }
        assert.ok(offered.every((n) => unscoped.includes(n)), 'a scope never adds a package');
        assert.deepEqual(offered, [...offered].sort());
      }),
      { numRuns: 500 },
    );
  });
});
