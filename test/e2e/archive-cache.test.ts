import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { requireComposer, runComposer, writeComposerProject, type ComposerRun } from '../helpers/composer.js';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream/index.js';
import { createTestKey, defineStandardEntitlements, startTestRepogate, type TestKey, type TestRepogate } from '../helpers/repogate.js';
import { waitFor } from '../helpers/wait-for.js';

interface Lock {
  packages: Array<{ name: string; version: string; dist?: { url: string; shasum: string } }>;
}

const requires = { 'magento/product-community-edition': '2.4.7', 'mageplaza/module-smtp': '*' };
const output = (run: ComposerRun): string => `${run.stdout}\n${run.stderr}`;

void describe('composer install with the archive cache', () => {
  let upstream: MockUpstream;
  let repogate: TestRepogate;
  let work: string;
  let key: TestKey;
  let lockFile: string;

  /** `composer install` in a fresh directory with an empty Composer cache (a CI job), from `lock` when given. */
  async function install(label: string, lock?: string): Promise<{ run: ComposerRun; dir: string }> {
    const dir = join(work, label);
    await writeComposerProject(dir, {
      repositoryUrl: repogate.url,
      require: requires,
      auth: { host: new URL(repogate.url).host, username: key.publicKey, password: key.privateKey },
    });
    if (lock) await copyFile(lock, join(dir, 'composer.lock'));
    const run = await runComposer(['install', '--no-progress', '--prefer-dist'], { cwd: dir, home: join(dir, '.composer-home'), timeoutMs: 300_000 });
    return { run, dir };
  }

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'repogate-e2e-archives-'));
    await mkdir(work, { recursive: true });
    upstream = await startMockUpstream({ layout: 'composer2' });
    repogate = await startTestRepogate({
      upstream,
      env: { REPOGATE_LOG_LEVEL: 'info', REPOGATE_METADATA_TTL_SECONDS: '0' },
    });
    await defineStandardEntitlements(repogate.registry);
    key = await createTestKey(repogate.registry, { grants: ['everything'] });
  });
  after(async () => {
    await repogate.stop();
    await upstream.close();
    await rm(work, { recursive: true, force: true });
  });

  void test('a first install fills the cache; with the upstream down, an install from the lock file succeeds', async (t) => {
    if (!requireComposer(t)) return;
    const cold = await install('cold');
    assert.equal(cold.run.code, 0, output(cold.run));
    lockFile = join(cold.dir, 'composer.lock');
    const lock = JSON.parse(await readFile(lockFile, 'utf8')) as Lock;
    const archives = lock.packages.filter((p) => p.dist).length;
    assert.ok(archives > 150, `${archives} archives`);

    // Wait until every archive is pinned and stored.
    let stats = { files: 0, pins: 0 };
    await waitFor(
      async () => {
        stats = JSON.parse((await runCli(['cache', 'stats', '--json'], { dataDir: repogate.dataDir })).stdout) as { files: number; pins: number };
        return stats.files >= archives && stats.pins >= archives;
      },
      { what: () => `every archive to be stored and pinned (${stats.files} stored, ${stats.pins} pinned of ${archives})`, timeoutMs: 30_000, intervalMs: 50 },
    );

    await upstream.setFailure('down');
    try {
      const offline = await install('offline', lockFile);
      assert.equal(offline.run.code, 0, output(offline.run));
      const installed = JSON.parse(await readFile(join(offline.dir, 'vendor/composer/installed.json'), 'utf8')) as { packages: unknown[] };
      assert.equal(installed.packages.length, lock.packages.length);
    } finally {
      await upstream.setFailure('none');
    }
  });

  void test('after the upstream republishes an archive, installs from the old lock file still pass the checksum', async (t) => {
    if (!requireComposer(t)) return;
    assert.ok(lockFile, 'the first test made a lock file');
    const lock = JSON.parse(await readFile(lockFile, 'utf8')) as Lock;
    const framework = lock.packages.find((p) => p.name === 'magento/framework')!;
    const base = lock.packages.find((p) => p.name === 'magento/magento2-base')!;
    upstream.republishArchive(framework.name, framework.version);
    upstream.republishArchive(base.name, base.version);
    assert.notEqual(upstream.packages.shasum(framework.name, framework.version), framework.dist!.shasum);

    const fromLock = await install('republished-lock', lockFile);
    assert.equal(fromLock.run.code, 0, output(fromLock.run));

    // A fresh resolve gets the pinned shasums in the metadata, so it installs too and locks the same sums.
    const fresh = await install('republished-fresh');
    assert.equal(fresh.run.code, 0, output(fresh.run));
    const freshLock = JSON.parse(await readFile(join(fresh.dir, 'composer.lock'), 'utf8')) as Lock;
    assert.equal(freshLock.packages.find((p) => p.name === framework.name)?.dist?.shasum, framework.dist!.shasum);

    const drift = JSON.parse((await runCli(['cache', 'drift', '--json'], { dataDir: repogate.dataDir })).stdout) as Array<{ packageName: string }>;
    assert.deepEqual(drift.map((d) => d.packageName).sort(), [base.name, framework.name].sort());
  });
});
