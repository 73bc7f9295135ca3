import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { z } from 'zod';
import { runJson } from '../helpers/cli.js';
import { requireComposer, runComposer, writeComposerProject, type ComposerRun } from '../helpers/composer.js';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream/index.js';
import { createTestKey, defineStandardEntitlements, startTestRepogate, type TestKey, type TestRepogate } from '../helpers/repogate.js';

interface Lock {
  packages: Array<{ name: string; version: string; dist?: { url: string; shasum: string } }>;
}

const warmShape = z.object({ archives: z.number().int(), downloaded: z.number().int(), cached: z.number().int(), failed: z.array(z.unknown()) }).loose();
const output = (run: ComposerRun): string => `${run.stdout}\n${run.stderr}`;

/**
 * Real Composer through repogate in front of an upstream with repo.magento.com's habits: a Composer 1
 * root with several provider-includes, archives named by normalised version
 * (`magento-framework-103.0.7.0-patch1.zip`), Composer 2.2+ messages in the root document, and a 403
 * for one archive the organisation is not entitled to.
 */
void describe('composer through repogate, against an upstream with repo.magento.com habits', () => {
  let upstream: MockUpstream;
  let repogate: TestRepogate;
  let work: string;
  let developer: TestKey;

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'repogate-habits-'));
    upstream = await startMockUpstream({ layout: 'providers' });
    upstream.setRootFields({
      warnings: [{ message: 'repository maintenance tonight 22:00 UTC', versions: '>=2.2' }],
      infos: [{ message: 'Adobe Commerce 2.4.8 is available', versions: '*' }],
      warning: 'only for Composer 1 clients',
      'warning-versions': '<2.0',
    });
    repogate = await startTestRepogate({ upstream });
    await defineStandardEntitlements(repogate.registry);
    developer = await createTestKey(repogate.registry, { keyName: 'Jane Developer' });
  });
  after(async () => {
    await repogate.stop();
    await upstream.close();
    await rm(work, { recursive: true, force: true });
  });

  async function install(label: string, require: Record<string, string>): Promise<{ run: ComposerRun; dir: string }> {
    const dir = join(work, label);
    await writeComposerProject(dir, {
      repositoryUrl: repogate.url,
      require,
      auth: { host: new URL(repogate.url).host, username: developer.publicKey, password: developer.privateKey },
    });
    const run = await runComposer(['install', '--no-progress', '--prefer-dist'], { cwd: dir, home: join(dir, '.composer-home') });
    return { run, dir };
  }

  void test('a -p release installs from archives named by normalised version; the upstream messages are shown; cache warm takes the lock', async (t) => {
    if (!requireComposer(t)) return;
    const { run, dir } = await install('patch-release', { 'magento/product-community-edition': '2.4.7-p1' });
    assert.equal(run.code, 0, output(run));

    assert.equal(upstream.count((r) => r.path.startsWith('/p/provider-') && r.status === 200), 3, 'every provider-include was read');
    assert.match(output(run), /Warning from \S+: repository maintenance tonight 22:00 UTC/);
    assert.match(output(run), /Info from \S+: Adobe Commerce 2\.4\.8 is available/);
    assert.doesNotMatch(output(run), /only for Composer 1 clients/, "the legacy warning's version constraint is passed on");

    const lock = JSON.parse(await readFile(join(dir, 'composer.lock'), 'utf8')) as Lock;
    const framework = lock.packages.find((p) => p.name === 'magento/framework');
    assert.equal(framework?.version, '103.0.7-p1');
    assert.equal(framework.dist?.url, `${repogate.url}/archives/magento/framework/magento-framework-103.0.7.0-patch1.zip`);
    const patched = lock.packages.filter((p) => p.dist?.url.endsWith('.0-patch1.zip')).map((p) => p.name);
    assert.deepEqual(patched.sort(), ['magento/framework', 'magento/magento2-base'], 'the -p1 archives, named by normalised version');

    // Pinned as served: the metadata's shasum is the bytes' sha1, and the upstream was asked once.
    const upstreamPath = '/archives/magento/framework/magento-framework-103.0.7.0-patch1.zip';
    const bytes = Buffer.from(upstream.packages.archive('magento/framework', '103.0.7-p1'));
    assert.equal(framework.dist?.shasum, createHash('sha1').update(bytes).digest('hex'));
    assert.equal(upstream.count((r) => r.path === upstreamPath), 1);
    // Asked again (the warm lane: pinned, stored, small), the same bytes come from disk.
    for (let i = 0; i < 2; i++) {
      const again = await fetch(framework.dist!.url, { headers: { authorization: developer.authorization } });
      assert.equal(again.status, 200);
      assert.equal(createHash('sha1').update(Buffer.from(await again.arrayBuffer())).digest('hex'), framework.dist?.shasum);
    }
    assert.equal(upstream.count((r) => r.path === upstreamPath), 1);

    const warmed = warmShape.parse(
      await runJson(['cache', 'warm', join(dir, 'composer.lock')], {
        dataDir: repogate.dataDir,
        env: { REPOGATE_UPSTREAM_URL: upstream.url, REPOGATE_UPSTREAM_USERNAME: upstream.username, REPOGATE_UPSTREAM_PASSWORD: upstream.password },
      }),
    );
    assert.deepEqual(warmed.failed, []);
    assert.equal(warmed.archives, lock.packages.filter((p) => p.dist).length);
    assert.equal(warmed.downloaded + warmed.cached, warmed.archives);
    assert.equal(upstream.count((r) => r.path === upstreamPath), 1, 'the -patch1 archive is found pinned and stored, not fetched again');
  });

  void test('a 403 for one archive fails that install with a 404 naming the cause; other installs go on', async (t) => {
    if (!requireComposer(t)) return;
    const smtp = upstream.packages.archivePath(upstream.packages.find('mageplaza/module-smtp', '4.7.6')!);
    await upstream.setFailure('auth-403', (path) => path === smtp);
    try {
      const refused = await install('not-entitled', { 'mageplaza/module-smtp': '4.7.6' });
      assert.notEqual(refused.run.code, 0);
      assert.match(output(refused.run), /404/);
      assert.match(output(refused.run), /not entitled to it, or it does not exist upstream/);

      const other = await install('entitled', { 'amasty/module-shop-by-brand': '*' });
      assert.equal(other.run.code, 0, output(other.run));
    } finally {
      await upstream.setFailure('none');
    }
    assert.ok(repogate.logs.some((line) => line.includes('"package":"mageplaza/module-smtp"') && line.includes('not entitled')));
    assert.ok(!repogate.logs.some((line) => line.includes('UPSTREAM REFUSED THE ORGANISATION KEYS')));
  });
});
