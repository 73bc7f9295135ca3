import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { PinStore } from '../../src/archives/pin-store.js';
import { openRegistryDatabase } from '../../src/registry/database.js';
import { expandVersions, type VersionEntry } from '../../src/upstream/minified-metadata.js';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream/index.js';
import { requirePostgres, startTestPostgres, type TestPostgres } from '../helpers/postgres.js';
import { createTestKey, defineStandardEntitlements, startStack, startTestRepogate, type TestKey, type TestRepogate, type TestStack } from '../helpers/repogate.js';
import { waitFor, waitForValue } from '../helpers/wait-for.js';

const sha1 = (bytes: Buffer): string => createHash('sha1').update(bytes).digest('hex');
const name = 'magento/framework';
const version = '103.0.7';

async function dist(repogate: TestRepogate, key: TestKey): Promise<{ url: string; path: string; shasum: string }> {
  const response = await fetch(`${repogate.url}/p2/${name}.json`, { headers: { authorization: key.authorization } });
  assert.equal(response.status, 200);
  const body = (await response.json()) as { packages: Record<string, VersionEntry[]> };
  const entry = expandVersions(body.packages[name] ?? []).find((v) => v['version'] === version);
  const d = entry?.['dist'] as { url: string; shasum: string } | undefined;
  assert.ok(d);
  return { url: d.url, path: new URL(d.url).pathname, shasum: d.shasum };
}

async function download(url: string, key: TestKey): Promise<{ status: number; body: Buffer }> {
  const response = await fetch(url, { headers: { authorization: key.authorization } });
  return { status: response.status, body: Buffer.from(await response.arrayBuffer()) };
}

function logged(repogate: TestRepogate, message: string): Array<Record<string, unknown>> {
  return repogate.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => String(l['msg']).startsWith(message));
}

void describe('pinned archives when the upstream republishes', () => {
  let upstream: MockUpstream;
  let dataDir: string;
  let repogate: TestRepogate;
  let key: TestKey;

  const start = async (env: Record<string, string> = {}): Promise<void> => {
    repogate = await startTestRepogate({
      upstream,
      dataDir,
      // Every metadata request revalidates, so a republication is seen at once.
      env: { REPOGATE_METADATA_TTL_SECONDS: '0', ...env },
    });
  };

  beforeEach(async () => {
    upstream = await startMockUpstream({ layout: 'composer2' });
    dataDir = await mkdtemp(join(tmpdir(), 'repogate-pins-'));
    await start();
    await defineStandardEntitlements(repogate.registry);
    key = await createTestKey(repogate.registry, { grants: ['open-source'] });
  });
  afterEach(async () => {
    await repogate.stop();
    await upstream.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  void test('the pinned bytes and shasum keep being served, and the drift is recorded once', async () => {
    const before = await dist(repogate, key);
    const first = await download(before.url, key);
    assert.equal(sha1(first.body), before.shasum);
    const pins = new PinStore(repogate.registry.context.db);
    await waitFor(async () => (await pins.lookup(before.path)) !== undefined, { what: 'the archive to be pinned' });

    upstream.republishArchive(name, version);
    const upstreamShasum = upstream.packages.shasum(name, version);
    assert.notEqual(upstreamShasum, before.shasum);

    const after = await dist(repogate, key);
    assert.equal(after.shasum, before.shasum, 'metadata keeps the pinned shasum');
    const again = await download(after.url, key);
    assert.equal(again.status, 200);
    assert.ok(again.body.equals(first.body), 'the pinned bytes');
    assert.equal(upstream.count((r) => r.path === before.path), 1);

    await dist(repogate, key);
    await waitFor(async () => (await pins.drifts()).length === 1, { what: 'the drift to be recorded' });
    const [drift] = await pins.drifts();
    assert.equal(drift?.packageName, name);
    assert.equal(drift?.path, before.path);
    assert.equal(drift?.sha1, before.shasum);
    assert.equal(drift?.upstreamSha1, upstreamShasum);
    assert.equal(drift?.count, 1);
    await waitFor(() => logged(repogate, 'ARCHIVE DRIFT').length >= 1, { what: 'the drift to be logged' });
    const warnings = logged(repogate, 'ARCHIVE DRIFT');
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]?.['upstreamSha1'], upstreamShasum);
  });

  void test('pins survive a restart: the republished bytes are not served after it either', async () => {
    const before = await dist(repogate, key);
    const first = await download(before.url, key);
    const pins = new PinStore(repogate.registry.context.db);
    await waitFor(async () => (await pins.lookup(before.path)) !== undefined, { what: 'the archive to be pinned' });
    await repogate.stop();
    upstream.republishArchive(name, version);
    await start();

    const after = await dist(repogate, key);
    assert.equal(after.shasum, before.shasum);
    const again = await download(after.url, key);
    assert.ok(again.body.equals(first.body));
  });

  void test('a pinned archive whose bytes are gone and whose upstream bytes changed is a 409 ARCHIVE_DRIFT', async () => {
    await repogate.stop();
    await start({ REPOGATE_ARCHIVE_CACHE_BYTES: '0' });
    const before = await dist(repogate, key);
    assert.equal((await download(before.url, key)).status, 200);
    const pins = new PinStore(repogate.registry.context.db);
    await waitFor(async () => (await pins.lookup(before.path)) !== undefined, { what: 'the archive to be pinned' });

    // Without the disk cache the pinned bytes are checked again on each download: unchanged, they pass.
    const unchanged = await download(before.url, key);
    assert.equal(unchanged.status, 200);
    assert.equal(sha1(unchanged.body), before.shasum);

    upstream.republishArchive(name, version);
    // A request may still join the verified download of the unchanged bytes that is finishing: it gets
    // the pinned bytes (never others). Once that is done, the changed upstream bytes are refused.
    const refused = await waitForValue(
      async () => {
        const response = await fetch(before.url, { headers: { authorization: key.authorization } });
        if (response.status !== 200) return response;
        assert.equal(sha1(Buffer.from(await response.arrayBuffer())), before.shasum, 'only ever the pinned bytes');
        return undefined;
      },
      { what: 'the changed upstream bytes to be refused', intervalMs: 20 },
    );
    assert.equal(refused.status, 409);
    const body = (await refused.json()) as { code: string; warning: string };
    assert.equal(body.code, 'ARCHIVE_DRIFT');
    assert.match(body.warning, /repogate cache drift/);
    assert.equal((await pins.drifts()).length, 1);
  });

  void test('bytes that do not match the metadata shasum are passed on but neither pinned nor stored', async () => {
    // Metadata cached with the old shasum (long TTL), then the upstream republishes before the first download.
    await repogate.stop();
    await start({ REPOGATE_METADATA_TTL_SECONDS: '3600' });
    const before = await dist(repogate, key);
    upstream.republishArchive(name, version);
    const response = await download(before.url, key);
    assert.equal(response.status, 200);
    assert.equal(sha1(response.body), upstream.packages.shasum(name, version));
    await waitFor(() => logged(repogate, 'archive bytes do not match').length === 1, { what: 'the mismatch to be logged' });
    const pins = new PinStore(repogate.registry.context.db);
    assert.equal(await pins.lookup(before.path), undefined);
  });
});

void describe('pins and the CLI share the registry', () => {
  let stack: TestStack;
  let repogate: TestRepogate;
  let key: TestKey;

  before(async () => {
    stack = await startStack({ layout: 'providers', grants: ['open-source'] });
    ({ repogate, key } = stack);
  });
  after(() => stack.close());

  void test('a pin written by another process shows in the metadata this server renders', async () => {
    const before = await dist(repogate, key);
    const other = new PinStore(repogate.registry.context.db);
    const fake = 'f'.repeat(40);
    await other.pin({ path: before.path, packageName: name, sha1: fake, size: 1 });
    await waitFor(async () => (await dist(repogate, key)).shasum === fake, { what: 'the metadata to show the pin written by another process' });
  });
});

void describe('the pin table on both registry stores', () => {
  let postgres: TestPostgres | undefined;
  before(async () => {
    postgres = await startTestPostgres();
  });
  after(async () => {
    await postgres?.close();
  });

  const exercise = async (url: string): Promise<void> => {
    const first = await openRegistryDatabase(url);
    const second = await openRegistryDatabase(url);
    try {
      const a = new PinStore(first.db);
      const b = new PinStore(second.db);
      await a.load();
      await b.load();
      const path = '/archives/magento/framework/magento-framework-103.0.7.0.zip';
      const held = await a.pin({ path, packageName: 'magento/framework', sha1: '1'.repeat(40), size: 10 });
      assert.equal(held.sha1, '1'.repeat(40));
      // Another process pinning the same path later gets the first pin back.
      assert.equal((await b.pin({ path, packageName: 'magento/framework', sha1: '2'.repeat(40), size: 11 })).sha1, '1'.repeat(40));
      const before = a.revisionOf('magento/framework');
      await b.pin({ path: `${path}.other`, packageName: 'magento/framework', sha1: '3'.repeat(40), size: 12 });
      await a.refresh();
      assert.equal(a.get(`${path}.other`)?.size, 12);
      assert.notEqual(a.revisionOf('magento/framework'), before);
      assert.equal(await a.noteDrift(held, '4'.repeat(40)), true);
      assert.equal(await a.noteDrift(held, '4'.repeat(40)), false, 'once per process');
      await b.noteDrift(held, '5'.repeat(40));
      const drifts = await b.drifts();
      assert.deepEqual(
        drifts.map((d) => [d.path, d.upstreamSha1, d.count]),
        [[path, '5'.repeat(40), 2]],
      );
      assert.equal(await b.unpin([path]), 1);
      await a.refresh();
      assert.equal(a.get(path), undefined);
      assert.equal((await a.all()).length, 1);
    } finally {
      await first.close();
      await second.close();
    }
  };

  void test('SQLite: pins, drifts, unpinning and changes seen by another process', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'repogate-pins-sqlite-'));
    try {
      await exercise(`sqlite:${join(dir, 'registry.sqlite')}`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  void test('PostgreSQL: the same', async (t) => {
    if (!requirePostgres(t, postgres)) return;
    const database = await postgres.createDatabase();
    try {
      await exercise(database.url);
    } finally {
      await database.drop();
    }
  });
});
