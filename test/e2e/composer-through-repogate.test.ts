import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli } from '../helpers/cli.js';
import { requireComposer, runComposer, writeComposerProject, type ComposerRun } from '../helpers/composer.js';
import { startMockUpstream, type MockUpstream, type UpstreamLayout } from '../helpers/mock-upstream/index.js';
import { createTestKey, defineStandardEntitlements, startTestRepogate, testActor, type TestKey, type TestRepogate } from '../helpers/repogate.js';
import { waitFor } from '../helpers/wait-for.js';

interface Lock {
  packages: Array<{ name: string; dist?: { url: string } }>;
}

const requires = { 'magento/product-community-edition': '2.4.7', 'mageplaza/module-smtp': '*' };

/** A project directory and Composer home of its own (an empty cache, like a CI job). */
async function install(repogate: TestRepogate, key: Pick<TestKey, 'publicKey' | 'privateKey'>, work: string, label: string, require: Record<string, string> = requires): Promise<{ run: ComposerRun; dir: string }> {
  const dir = join(work, label);
  await writeComposerProject(dir, {
    repositoryUrl: repogate.url,
    require,
    auth: { host: new URL(repogate.url).host, username: key.publicKey, password: key.privateKey },
  });
  const run = await runComposer(['install', '--no-progress', '--prefer-dist'], { cwd: dir, home: join(dir, '.composer-home') });
  return { run, dir };
}

const output = (run: ComposerRun): string => `${run.stdout}\n${run.stderr}`;

for (const layout of ['providers', 'composer2', 'inline'] as UpstreamLayout[]) {
  describe(`composer install through repogate, upstream layout ${layout}`, () => {
    let upstream: MockUpstream;
    let repogate: TestRepogate;
    let work: string;
    let developer: TestKey;

    before(async () => {
      work = await mkdtemp(join(tmpdir(), `repogate-e2e-${layout}-`));
      upstream = await startMockUpstream({ layout });
      repogate = await startTestRepogate({ upstream });
      await defineStandardEntitlements(repogate.registry);
      developer = await createTestKey(repogate.registry, { keyName: 'Jane Developer' });
    });
    after(async () => {
      await repogate.stop();
      await upstream.close();
      await rm(work, { recursive: true, force: true });
    });

    test('a developer key installs the community edition and a marketplace extension; a warm install refetches no metadata', async (t) => {
      if (!requireComposer(t)) return;
      const { run, dir } = await install(repogate, developer, work, 'cold');
      assert.equal(run.code, 0, output(run));
      const installed = JSON.parse(await readFile(join(dir, 'vendor/composer/installed.json'), 'utf8')) as { packages: unknown[] };
      assert.ok(installed.packages.length >= 195, `installed ${installed.packages.length} packages`);
      const lock = JSON.parse(await readFile(join(dir, 'composer.lock'), 'utf8')) as Lock;
      const dists = lock.packages.filter((p) => p.dist).map((p) => p.dist!.url);
      assert.ok(dists.length > 150);
      assert.ok(dists.every((url) => url.startsWith(`${repogate.url}/archives/`)), 'every dist URL points at repogate');
      assert.ok(lock.packages.some((p) => p.name === 'mageplaza/module-smtp'));

      await repogate.flushUsage();
      const events = await repogate.registry.audit.list({ publicKey: developer.publicKey, limit: 100_000 });
      const downloaded = new Set(events.filter((e) => e.action === 'archive.downloaded').map((e) => e.detail?.['package']));
      const missing = lock.packages.filter((p) => p.dist && !downloaded.has(p.name)).map((p) => p.name);
      assert.deepEqual(missing, [], 'the audit trail lists every package the install downloaded, for this key');
      const notified = await repogate.registry.usage.downloadsPerPackage('2000-01-01', { publicKey: developer.publicKey });
      assert.ok(notified.length >= 150, `Composer's download notifications were recorded (${notified.length} packages)`);

      const secretSeen = [output(run), await readFile(join(dir, 'composer.lock'), 'utf8'), repogate.logs.join('\n')].some((text) =>
        text.includes(upstream.password),
      );
      assert.equal(secretSeen, false, 'the upstream private key leaks nowhere');

      upstream.resetRequests();
      const warm = await install(repogate, developer, work, 'warm');
      assert.equal(warm.run.code, 0, output(warm.run));
      const metadataFetches = upstream.count((r) => r.method === 'GET' && !r.path.startsWith('/archives/'));
      assert.equal(metadataFetches, 0, 'a warm install fetches no metadata from the upstream');
    });

    if (layout !== 'providers') return;

    test('a wrong private key fails on 401', async (t) => {
      if (!requireComposer(t)) return;
      const { run } = await install(repogate, { publicKey: developer.publicKey, privateKey: 'f'.repeat(32) }, work, 'wrong-secret');
      assert.notEqual(run.code, 0);
      assert.match(output(run), /401|[Ii]nvalid credentials/);
    });

    test('a key disabled with the CLI stops working within a second', async (t) => {
      if (!requireComposer(t)) return;
      const key = await createTestKey(repogate.registry, { accountId: developer.accountId, keyName: 'CI job' });
      const disabled = await runCli(['keys', 'disable', key.publicKey], { dataDir: repogate.dataDir });
      assert.equal(disabled.code, 0, disabled.stderr);
      await waitFor(
        async () => {
          const response = await fetch(`${repogate.url}/packages.json`, { headers: { authorization: key.authorization } });
          await response.arrayBuffer();
          return response.status === 401;
        },
        { what: 'repogate to refuse the disabled key (within a second)', timeoutMs: 1000 },
      );
      const { run } = await install(repogate, key, work, 'disabled');
      assert.notEqual(run.code, 0);
      assert.match(output(run), /401|[Ii]nvalid credentials|disabled/);
    });

    test('a key scoped to magento/* cannot resolve the marketplace extension', async (t) => {
      if (!requireComposer(t)) return;
      const key = await createTestKey(repogate.registry, { accountId: developer.accountId, keyName: 'magento only', scope: ['magento/*'] });
      const { run } = await install(repogate, key, work, 'scoped');
      assert.notEqual(run.code, 0);
      assert.match(output(run), /mageplaza\/module-smtp/);
      assert.match(output(run), /could not be found|not be found in any version/);
    });

    test("a suspended account's install fails with the suspension reason in Composer's output", async (t) => {
      if (!requireComposer(t)) return;
      const key = await createTestKey(repogate.registry, { keyName: 'suspended one' });
      await repogate.registry.accounts.suspend(key.accountId, 'outstanding invoice INV-2026-118', testActor);
      const { run } = await install(repogate, key, work, 'suspended');
      assert.notEqual(run.code, 0);
      assert.match(output(run), /outstanding invoice INV-2026-118/);
    });
  });
}
