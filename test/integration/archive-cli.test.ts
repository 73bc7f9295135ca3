import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { z } from 'zod';
import { createDataDir, runCli, runJson, type CliOptions } from '../helpers/cli.js';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream/index.js';
import { createTestKey, defineStandardEntitlements, startTestRepogate } from '../helpers/repogate.js';
import { waitFor } from '../helpers/wait-for.js';

const statsShape = z.strictObject({
  directory: z.string(),
  files: z.number().int(),
  bytes: z.number().int(),
  maxBytes: z.number().int(),
  pins: z.number().int(),
  pinsWithoutBytes: z.number().int(),
  drifts: z.number().int(),
  sources: z.array(z.strictObject({ source: z.string(), pins: z.number().int(), pinnedBytes: z.number().int(), pinsWithoutBytes: z.number().int(), drifts: z.number().int() })),
});
const warmShape = z.strictObject({
  archives: z.number().int(),
  downloaded: z.number().int(),
  cached: z.number().int(),
  failed: z.array(z.object({ path: z.string(), code: z.string() }).loose()),
  bytes: z.number().int(),
  seconds: z.number(),
  skipped: z.number().int(),
});
const driftShape = z.array(
  z.object({ packageName: z.string(), path: z.string(), sha1: z.string(), upstreamSha1: z.string(), count: z.number().int() }).loose(),
);

const locked = [
  ['magento/framework', '103.0.7'],
  ['magento/module-catalog', null],
  ['magento/magento2-base', '2.4.7'],
] as const;

void describe('repogate cache (CLI)', () => {
  let upstream: MockUpstream;
  let dataDir: string;
  let cleanup: () => Promise<void>;
  let cli: CliOptions;
  let lockPath: string;
  const archivePaths: string[] = [];

  before(async () => {
    upstream = await startMockUpstream({ layout: 'composer2' });
    ({ dataDir, cleanup } = await createDataDir());
    cli = {
      dataDir,
      env: { REPOGATE_UPSTREAM_URL: upstream.url, REPOGATE_UPSTREAM_USERNAME: upstream.username, REPOGATE_UPSTREAM_PASSWORD: upstream.password },
    };
    // A lock made against the upstream itself (dist URLs on its host), plus one GitHub dist repogate doesn't serve.
    const packages: Array<{ name: string; version: string; dist: Record<string, unknown> }> = locked.map(([name, wanted]) => {
      const v = upstream.packages.stableVersions(name).find((x) => wanted === null || x.version === wanted)!;
      archivePaths.push(upstream.packages.archivePath(v));
      return { name, version: v.version, dist: { type: 'zip', url: upstream.packages.archiveUrl(v), reference: null, shasum: upstream.packages.shasum(name, v.version) } };
    });
    packages.push({ name: 'acme/elsewhere', version: '1.0.0', dist: { type: 'zip', url: 'https://codeload.example.com/acme/elsewhere/zip/abc', reference: null, shasum: '' } });
    lockPath = join(dataDir, 'composer.lock');
    await writeFile(lockPath, JSON.stringify({ 'content-hash': 'x', packages, 'packages-dev': [] }, null, 4));
  });
  after(async () => {
    await upstream.close();
    await cleanup();
  });

  void test('warm downloads the archives of a lock file once; a second warm finds them cached', async () => {
    const first = warmShape.parse(await runJson(['cache', 'warm', lockPath], cli));
    assert.equal(first.archives, 3);
    assert.equal(first.downloaded, 3);
    assert.equal(first.skipped, 1);
    assert.deepEqual(first.failed, []);
    for (const path of archivePaths) assert.equal(upstream.count((r) => r.path === path), 1, path);

    const second = warmShape.parse(await runJson(['cache', 'warm', lockPath], cli));
    assert.equal(second.cached, 3);
    assert.equal(second.downloaded, 0);
    for (const path of archivePaths) assert.equal(upstream.count((r) => r.path === path), 1, path);

    const stats = statsShape.parse(await runJson(['cache', 'stats'], cli));
    assert.equal(stats.files, 3);
    assert.equal(stats.pins, 3);
    assert.equal(stats.pinsWithoutBytes, 0);
    assert.equal(stats.drifts, 0);
  });

  void test('a warm progress bar goes to stderr, the summary to stdout', async () => {
    const result = await runCli(['cache', 'warm', lockPath], cli);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stderr, /\[#+\] 3\/3 archives/);
    assert.match(result.stdout, /^Warmed 3 archives in .* 0 downloaded, 3 already cached, 0 failed/);
  });

  void test('a server on the same data directory serves the warmed archives with the upstream down', async () => {
    const repogate = await startTestRepogate({ upstream, dataDir });
    try {
      await defineStandardEntitlements(repogate.registry);
      const key = await createTestKey(repogate.registry, { grants: ['open-source'] });
      await upstream.setFailure('down');
      for (const [index, path] of archivePaths.entries()) {
        const response = await fetch(`${repogate.url}${path}`, { headers: { authorization: key.authorization } });
        assert.equal(response.status, 200, path);
        const [name] = locked[index]!;
        const v = upstream.packages.stableVersions(name).find((x) => upstream.packages.archivePath(x) === path)!;
        assert.equal(createHash('sha1').update(Buffer.from(await response.arrayBuffer())).digest('hex'), upstream.packages.shasum(name, v.version));
      }
    } finally {
      await upstream.setFailure('none');
      await repogate.stop();
    }
  });

  void test('drift lists the packages the upstream republished; purge removes bytes but keeps pins unless --unpin', async () => {
    assert.deepEqual(driftShape.parse(await runJson(['cache', 'drift'], cli)), []);
    const repogate = await startTestRepogate({
      upstream,
      dataDir,
      env: { REPOGATE_METADATA_TTL_SECONDS: '0' },
    });
    try {
      await defineStandardEntitlements(repogate.registry);
      const key = await createTestKey(repogate.registry, { grants: ['open-source'] });
      upstream.republishArchive('magento/framework', '103.0.7');
      const response = await fetch(`${repogate.url}/p2/magento/framework.json`, { headers: { authorization: key.authorization } });
      assert.equal(response.status, 200);
      // Logged once the drift is recorded in the registry.
      await waitFor(() => repogate.logs.some((l) => l.includes('ARCHIVE DRIFT')), { what: 'the drift to be logged' });
    } finally {
      await repogate.stop();
    }
    const drifts = driftShape.parse(await runJson(['cache', 'drift'], cli));
    assert.deepEqual(
      drifts.map((d) => [d.packageName, d.path, d.upstreamSha1]),
      [['magento/framework', archivePaths[0], upstream.packages.shasum('magento/framework', '103.0.7')]],
    );
    const human = await runCli(['cache', 'drift'], cli);
    assert.match(human.stdout, /magento\/framework/);

    const purged = z.object({ files: z.number(), unpinned: z.number() }).loose().parse(await runJson(['cache', 'purge', 'magento/framework'], cli));
    assert.deepEqual([purged.files, purged.unpinned], [1, 0]);
    const stats = statsShape.parse(await runJson(['cache', 'stats'], cli));
    assert.deepEqual([stats.files, stats.pins, stats.pinsWithoutBytes, stats.drifts], [2, 3, 1, 1]);
    // Per source: every archive here is the default upstream's.
    assert.deepEqual(
      stats.sources.map((x) => [x.source, x.pins, x.pinsWithoutBytes, x.drifts]),
      [['default', 3, 1, 1]],
    );

    const all = z.object({ files: z.number(), unpinned: z.number() }).loose().parse(await runJson(['cache', 'purge', '--unpin'], cli));
    assert.deepEqual([all.files, all.unpinned], [2, 3]);
    const empty = statsShape.parse(await runJson(['cache', 'stats'], cli));
    assert.deepEqual([empty.files, empty.pins], [0, 0]);
  });

  void test('usage errors exit 2', async () => {
    assert.equal((await runCli(['cache', 'warm'], cli)).code, 2);
    assert.equal((await runCli(['cache', 'warm', lockPath, '--all-latest'], cli)).code, 2);
    assert.equal((await runCli(['cache', 'purge', '!magento/*'], cli)).code, 2);
  });

  void test('warm --all-latest fetches the newest stable archive of every package the upstream lists', async () => {
    // Patch releases as repo.magento.com names them (`…-1.5.7.0-patch10.zip`): -p10 is newer than -p9.
    const p9 = upstream.packages.addVersion('mageplaza/module-core', '1.5.7-p9');
    const p10 = upstream.packages.addVersion('mageplaza/module-core', '1.5.7-p10');
    upstream.resetRequests();
    // One package the organisation is not entitled to upstream is left out; the others are warmed.
    await upstream.setFailure('auth-403', (path) => path === '/p2/yotpo/module-review.json');
    let summary;
    try {
      summary = warmShape.parse(await runJson(['cache', 'warm', '--all-latest'], cli));
    } finally {
      await upstream.setFailure('none');
    }
    assert.ok(summary.archives > 100, `${summary.archives} archives`);
    assert.deepEqual(summary.failed, []);
    const v = upstream.packages.stableVersions('magento/module-catalog')[0]!;
    assert.equal(upstream.count((r) => r.path === upstream.packages.archivePath(v)), 1);
    assert.equal(upstream.packages.archivePath(p10), '/archives/mageplaza/module-core/mageplaza-module-core-1.5.7.0-patch10.zip');
    assert.equal(upstream.count((r) => r.path === upstream.packages.archivePath(p10)), 1);
    assert.equal(upstream.count((r) => r.path === upstream.packages.archivePath(p9)), 0);
    assert.equal(upstream.count((r) => r.path.startsWith('/archives/yotpo/module-review/')), 0);
  });
});
