import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { expandVersions, type VersionEntry } from '../../src/upstream/minified-metadata.js';
import type { MockUpstream } from '../helpers/mock-upstream/index.js';
import { createTestKey, startStack, type TestKey, type TestRepogate, type TestStack } from '../helpers/repogate.js';
import { waitFor } from '../helpers/wait-for.js';

const sha1 = (bytes: Buffer): string => createHash('sha1').update(bytes).digest('hex');

/** The dist of one version, from the metadata repogate serves. */
async function distOf(repogate: TestRepogate, key: TestKey, name: string, version: string): Promise<{ url: string; path: string; shasum: string }> {
  const response = await fetch(`${repogate.url}/p2/${name}.json`, { headers: { authorization: key.authorization } });
  assert.equal(response.status, 200);
  const body = (await response.json()) as { packages: Record<string, VersionEntry[]> };
  const entry = expandVersions(body.packages[name] ?? []).find((v) => v['version'] === version);
  assert.ok(entry, `${name} ${version} in the metadata`);
  const dist = entry['dist'] as { url: string; shasum: string };
  return { url: dist.url, path: new URL(dist.url).pathname, shasum: dist.shasum };
}

async function get(url: string, key: TestKey | undefined): Promise<{ status: number; body: Buffer; headers: Headers }> {
  const response = await fetch(url, { headers: key ? { authorization: key.authorization } : {} });
  return { status: response.status, body: Buffer.from(await response.arrayBuffer()), headers: response.headers };
}

function accessLines(repogate: TestRepogate, path: string): Array<{ cache?: string; status: number }> {
  return repogate.logs
    .map((line) => JSON.parse(line) as { msg: string; path?: string; cache?: string; status: number })
    .filter((l) => l.msg === 'request' && l.path === path);
}

void describe('archive disk cache', () => {
  let stack: TestStack;
  let upstream: MockUpstream;
  let repogate: TestRepogate;
  let key: TestKey;

  before(async () => {
    stack = await startStack({ grants: ['open-source'] });
    ({ upstream, repogate, key } = stack);
  });
  after(() => stack.close());

  void test('the first download streams from the upstream and is stored; later ones come from disk with the same bytes', async () => {
    const dist = await distOf(repogate, key, 'magento/framework', '103.0.7');
    const first = await get(dist.url, key);
    assert.equal(first.status, 200);
    assert.equal(sha1(first.body), dist.shasum);
    assert.equal(upstream.count((r) => r.path === dist.path), 1);

    await waitFor(async () => (await storedFiles(repogate)).includes(dist.shasum), { what: 'the archive to be stored' });
    for (let i = 0; i < 3; i++) {
      const again = await get(dist.url, key);
      assert.equal(again.status, 200);
      assert.ok(again.body.equals(first.body));
      assert.equal(again.headers.get('content-length'), String(first.body.length));
      assert.equal(again.headers.get('content-type'), 'application/zip');
    }
    assert.equal(upstream.count((r) => r.path === dist.path), 1, 'the upstream was asked once');
    // Access-log lines are written when each response has closed, which may be just after the client has it.
    await waitFor(() => accessLines(repogate, dist.path).length >= 4, { what: 'the access-log lines' });
    const outcomes = accessLines(repogate, dist.path).map((l) => l.cache);
    assert.deepEqual(outcomes, ['miss', 'hit', 'hit', 'hit']);
  });

  void test('concurrent first requests for one archive make one upstream download, and every client gets all of it', async () => {
    const dist = await distOf(repogate, key, 'magento/magento2-base', '2.4.7');
    upstream.setBandwidth(4_000_000);
    try {
      const bodies = await Promise.all(Array.from({ length: 8 }, () => get(dist.url, key)));
      for (const response of bodies) {
        assert.equal(response.status, 200);
        assert.equal(sha1(response.body), dist.shasum);
      }
    } finally {
      upstream.setBandwidth(undefined);
    }
    assert.equal(upstream.count((r) => r.path === dist.path), 1);
    await waitFor(() => accessLines(repogate, dist.path).length >= 8, { what: 'the access-log lines' });
    const outcomes = accessLines(repogate, dist.path).map((l) => l.cache).sort();
    assert.deepEqual(outcomes, ['join', 'join', 'join', 'join', 'join', 'join', 'join', 'miss']);
  });

  void test('a large archive (over 256 KiB: streamed from its file, not read whole) comes from disk with the same bytes', async () => {
    // Downloaded by the test before.
    const dist = await distOf(repogate, key, 'magento/magento2-base', '2.4.7');
    await waitFor(async () => (await storedFiles(repogate)).includes(dist.shasum), { what: 'the archive to be stored' });
    const before = accessLines(repogate, dist.path).length;
    const again = await Promise.all([get(dist.url, key), get(dist.url, key)]);
    for (const a of again) {
      assert.equal(a.status, 200);
      assert.ok(a.body.length > 1024 * 1024, `a large archive (${a.body.length} bytes)`);
      assert.equal(sha1(a.body), dist.shasum);
      assert.equal(a.headers.get('content-length'), String(a.body.length));
    }
    assert.equal(upstream.count((r) => r.path === dist.path), 1, 'the upstream was asked once');
    await waitFor(() => accessLines(repogate, dist.path).length >= before + 2, { what: 'the access-log lines' });
    assert.deepEqual(accessLines(repogate, dist.path).slice(before).map((l) => l.cache), ['hit', 'hit']);
  });

  void test('every hit checks the key: no credentials 401, a package outside the grants 403', async () => {
    const dist = await distOf(repogate, key, 'magento/framework', '103.0.7');
    assert.equal((await get(dist.url, key)).status, 200);
    const anonymous = await get(dist.url, undefined);
    assert.equal(anonymous.status, 401);
    const scoped = await createTestKey(repogate.registry, { accountId: key.accountId, scope: ['magento/module-*'] });
    const refused = await get(dist.url, scoped);
    assert.equal(refused.status, 403);
    assert.equal((JSON.parse(refused.body.toString()) as { code: string }).code, 'NOT_ENTITLED');
  });

  void test('with the upstream down, a stored archive is still served; one never downloaded is a 502', async () => {
    const cached = await distOf(repogate, key, 'magento/framework', '103.0.7');
    const uncached = await distOf(repogate, key, 'magento/module-cms', (await firstVersion(repogate, key, 'magento/module-cms')) ?? '');
    assert.equal((await get(cached.url, key)).status, 200);
    await upstream.setFailure('down');
    try {
      const hit = await get(cached.url, key);
      assert.equal(hit.status, 200);
      assert.equal(sha1(hit.body), cached.shasum);
      const miss = await get(uncached.url, key);
      assert.equal(miss.status, 502);
      assert.equal((JSON.parse(miss.body.toString()) as { code: string }).code, 'UPSTREAM_UNAVAILABLE');
    } finally {
      await upstream.setFailure('none');
    }
  });

  void test('an archive the upstream does not have is a 404 and pins nothing', async () => {
    const response = await get(`${repogate.url}/archives/magento/framework/magento-framework-9.9.9.0.zip`, key);
    assert.equal(response.status, 404);
    assert.equal((JSON.parse(response.body.toString()) as { code: string }).code, 'NOT_FOUND');
  });
});

void describe('archive cache bound', () => {
  let stack: TestStack;
  let upstream: MockUpstream;
  let repogate: TestRepogate;
  let key: TestKey;

  before(async () => {
    // Room for one magento2-base archive (1.5 MB), not for two.
    stack = await startStack({ env: { REPOGATE_ARCHIVE_CACHE_BYTES: '2000000' }, grants: ['open-source'] });
    ({ upstream, repogate, key } = stack);
  });
  after(() => stack.close());

  void test('least recently used archives are evicted; an evicted one is downloaded again, checked against its pin and served', async () => {
    const small = await distOf(repogate, key, 'magento/magento2-base', '2.4.6');
    const big = await distOf(repogate, key, 'magento/magento2-base', '2.4.7');
    assert.equal((await get(small.url, key)).status, 200);
    await waitFor(async () => (await storedFiles(repogate)).includes(small.shasum), { what: 'the archive to be stored' });
    assert.equal((await get(big.url, key)).status, 200);
    await waitFor(async () => (await storedFiles(repogate)).includes(big.shasum), { what: 'the archive to be stored' });
    assert.ok(!(await storedFiles(repogate)).includes(small.shasum), 'the older archive made room');

    const again = await get(small.url, key);
    assert.equal(again.status, 200);
    assert.equal(sha1(again.body), small.shasum);
    assert.equal(upstream.count((r) => r.path === small.path), 2);
    await waitFor(() => accessLines(repogate, small.path).length >= 2, { what: 'the access-log lines' });
    assert.deepEqual(accessLines(repogate, small.path).map((l) => l.cache), ['miss', 'verified']);
  });
});

async function firstVersion(repogate: TestRepogate, key: TestKey, name: string): Promise<string | undefined> {
  const response = await fetch(`${repogate.url}/p2/${name}.json`, { headers: { authorization: key.authorization } });
  const body = (await response.json()) as { packages: Record<string, VersionEntry[]> };
  return expandVersions(body.packages[name] ?? [])[0]?.['version'] as string | undefined;
}

/** The sha1s stored in the archive cache directory. */
async function storedFiles(repogate: TestRepogate): Promise<string[]> {
  const root = join(repogate.dataDir, 'archives', 'objects');
  const entries = await readdir(root, { recursive: true, withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => e.name);
}
