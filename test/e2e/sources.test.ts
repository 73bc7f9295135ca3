/**
 * Sources with real Composer: a Magento-like authenticated upstream and a packagist-like public one
 * (its archives on a third host, behind a redirect) behind one repogate URL; two merchants'
 * Magento-like sources with their own credentials and packages; `composer audit` through repogate.
 */
import assert from 'node:assert/strict';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli, runJson, runOk, type CliOptions } from '../helpers/cli.js';
import { requireComposer, runComposer, writeComposerProject } from '../helpers/composer.js';
import { startMockPackagist, type MockPackagist } from '../helpers/mock-packagist.js';
import { marketplaceModule, startMockUpstream, type MockUpstream, type VersionSpec } from '../helpers/mock-upstream/index.js';
import { basic, createTestKey, startTestRepogate, testActor, type TestKey, type TestRepogate } from '../helpers/repogate.js';
import { waitFor } from '../helpers/wait-for.js';

const secretsKey = 'an operator secret of at least thirty-two characters';
const adminToken = 'sources-test-admin-token-0123456789abcdef';

/** A Marketplace module that needs only PHP and what `require` adds (no Magento framework to install). */
function module(name: string, version: string, require: Record<string, string> = {}): VersionSpec {
  const spec = marketplaceModule(name, version);
  return { ...spec, require: { php: '>=7.2', ...require } };
}

void describe('sources: several upstreams behind one repogate URL, with real Composer', () => {
  let magento: MockUpstream;
  let merchantA: MockUpstream;
  let merchantB: MockUpstream;
  let packagist: MockPackagist;
  let repogate: TestRepogate;
  let cli: CliOptions;
  let work: string;
  let agencyKey: TestKey;
  let keyA: TestKey;
  let keyB: TestKey;
  const host = (): string => new URL(repogate.url).host;

  before(async () => {
    magento = await startMockUpstream({ layout: 'composer2', extraPackages: [module('acme/module-audit-log', '1.2.0', { 'monolog/monolog': '^2.9' })] });
    merchantA = await startMockUpstream({ layout: 'composer2', username: 'a'.repeat(32), password: 'b'.repeat(32), packages: [module('merchant-a/module-alpha', '1.0.0'), module('shared/module-theme', '1.0.0')] });
    merchantB = await startMockUpstream({ layout: 'composer2', username: 'c'.repeat(32), password: 'd'.repeat(32), packages: [module('merchant-b/module-beta', '2.0.0'), module('shared/module-theme', '2.0.0')] });
    packagist = await startMockPackagist();
    work = await mkdtemp(join(tmpdir(), 'repogate-sources-'));
    repogate = await startTestRepogate({ upstream: magento, env: { REPOGATE_SECRETS_KEY: secretsKey, REPOGATE_ADMIN_TOKEN: adminToken } });
    cli = { dataDir: repogate.dataDir, env: { REPOGATE_SECRETS_KEY: secretsKey, REPOGATE_UPSTREAM_URL: magento.url } };
    await runOk(['sources', 'add', 'packagist', '--url', packagist.url], cli);
    await runOk(['sources', 'add', 'merchant-a', '--url', merchantA.url, '--username', merchantA.username, '--password-stdin'], { ...cli, input: `${merchantA.password}\n` });
    await runOk(['sources', 'add', 'merchant-b', '--url', merchantB.url, '--username', merchantB.username, '--password-stdin'], { ...cli, input: `${merchantB.password}\n` });
    await repogate.registry.entitlements.define('everything', ['*/*'], testActor);
    agencyKey = await createTestKey(repogate.registry, { accountId: 'MAG100', grants: ['everything'] });
    keyA = await createTestKey(repogate.registry, { accountId: 'MAG200', grants: ['everything'] });
    keyB = await createTestKey(repogate.registry, { accountId: 'MAG300', grants: ['everything'] });
    await runOk(['accounts', 'set-sources', 'MAG100', 'default,packagist'], cli);
    await runOk(['accounts', 'set-sources', 'MAG200', 'merchant-a,packagist'], cli);
    await runOk(['accounts', 'set-sources', 'MAG300', 'merchant-b'], cli);
    // The running server sees the CLI's changes within a second.
    await waitFor(async () => (await fetch(`${repogate.url}/p2/merchant-b/module-beta.json`, { headers: { authorization: keyB.authorization } })).status === 200, {
      what: 'the server to read the new sources',
    });
  });

  after(async () => {
    await repogate.stop();
    await Promise.all([magento.close(), merchantA.close(), merchantB.close(), packagist.close()]);
    await rm(work, { recursive: true, force: true });
  });

  const composer = (dir: string, args: string[], key: TestKey, cacheDir?: string) =>
    runComposer(args, {
      cwd: dir,
      home: join(dir, '.composer-home'),
      ...(cacheDir === undefined ? {} : { cacheDir }),
      env: { COMPOSER_AUTH: JSON.stringify({ 'http-basic': { [host()]: { username: key.publicKey, password: key.privateKey } } }) },
    });

  void test('a Magento package and its packagist dependencies install through one URL; the lock names only repogate; with both upstreams down the lock still installs', async (t) => {
    if (!requireComposer(t)) return;
    const dir = join(work, 'project');
    await writeComposerProject(dir, { repositoryUrl: repogate.url, require: { 'acme/module-audit-log': '^1.2', 'monolog/monolog': '2.9.1', 'symfony/polyfill-mbstring': '^1.28' } });
    const installed = await composer(dir, ['update', '--no-progress'], agencyKey);
    assert.equal(installed.code, 0, installed.stderr);
    const lockText = await readFile(join(dir, 'composer.lock'), 'utf8');
    const lock = JSON.parse(lockText) as { packages: Array<{ name: string; dist: { url: string; shasum: string }; source?: unknown }> };
    assert.deepEqual(lock.packages.map((p) => p.name).sort(), ['acme/module-audit-log', 'monolog/monolog', 'psr/log', 'symfony/polyfill-mbstring']);
    for (const p of lock.packages) {
      assert.ok(p.dist.url.startsWith(`${repogate.url}/`), `${p.name}'s dist is on repogate: ${p.dist.url}`);
      assert.equal(p.source, undefined, `${p.name} has no source reference elsewhere`);
    }
    const monolog = lock.packages.find((p) => p.name === 'monolog/monolog')!;
    assert.match(monolog.dist.url, /\/dists\/packagist\/monolog\/monolog\//);
    for (const other of [magento.url, packagist.url, packagist.githubUrl, packagist.codeloadUrl]) {
      assert.equal(lockText.includes(new URL(other).host), false, `the lock never names ${other}`);
      assert.equal(lockText.replaceAll('\\/', '/').includes(new URL(other).host), false);
    }
    // Credentials: the Magento-like upstream got the organisation's; the public source and the archive hosts got none.
    assert.ok(magento.requests.length > 0 && magento.requests.every((r) => r.authorization === basic(magento.username, magento.password)));
    assert.ok(packagist.requests.some((r) => r.server === 'github') && packagist.requests.some((r) => r.server === 'codeload'), 'the archives came through the redirect');
    assert.deepEqual(packagist.requests.filter((r) => r.authorization !== undefined), [], 'nothing sent credentials to the public source or the archive hosts');

    // Both upstreams down: a fresh directory and an empty Composer cache install from the lock.
    await magento.setFailure('down');
    await packagist.setDown(true);
    try {
      const fresh = join(work, 'fresh');
      await writeComposerProject(fresh, { repositoryUrl: repogate.url, require: { 'acme/module-audit-log': '^1.2', 'monolog/monolog': '2.9.1', 'symfony/polyfill-mbstring': '^1.28' } });
      await cp(join(dir, 'composer.lock'), join(fresh, 'composer.lock'));
      const again = await composer(fresh, ['install', '--no-progress'], agencyKey, join(work, 'empty-cache'));
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stderr, /Installing monolog\/monolog \(2\.9\.1\)/);
      assert.match(again.stderr, /Installing acme\/module-audit-log/);
    } finally {
      await magento.setFailure('none');
      await packagist.setDown(false);
    }
  });

  void test('composer audit through repogate reports the advisory the public source publishes', async (t) => {
    if (!requireComposer(t)) return;
    const dir = join(work, 'project');
    const audit = await composer(dir, ['audit', '--format=json'], agencyKey);
    assert.equal(audit.code !== 0, true, 'an advisory makes audit fail');
    const report = JSON.parse(audit.stdout) as { advisories: Record<string, Array<{ packageName: string; affectedVersions: string }>> };
    const monolog = Object.values(report.advisories).flat();
    assert.deepEqual(monolog.map((a) => [a.packageName, a.affectedVersions]), [['monolog/monolog', '>=2.0.0,<2.9.2']]);
    assert.ok(packagist.requests.some((r) => r.server === 'repo' && r.path === '/api/security-advisories/'));
  });

  void test('composer search and name listings come from the key\'s sources, filtered to what it may see', async (t) => {
    if (!requireComposer(t)) return;
    const search = await composer(join(work, 'project'), ['search', 'monolog'], agencyKey);
    assert.equal(search.code, 0, search.stderr);
    assert.match(search.stdout, /^monolog\/monolog/m);
    const list = async (key: TestKey, filter: string) =>
      ((await (await fetch(`${repogate.url}/packages/list.json?filter=${encodeURIComponent(filter)}`, { headers: { authorization: key.authorization } })).json()) as { packageNames: string[] }).packageNames;
    assert.deepEqual(await list(agencyKey, 'psr/*'), ['psr/log']);
    assert.deepEqual(await list(keyB, 'psr/*'), [], 'merchant B does not read packagist');
    const searched = (await (await fetch(`${repogate.url}/search.json?q=monolog`, { headers: { authorization: keyB.authorization } })).json()) as { results: unknown[] };
    assert.deepEqual(searched.results, []);
    assert.equal((await fetch(`${repogate.url}/search.json?q=monolog`)).status, 401);
  });

  void test('two merchants: each key sees only its source\'s packages; each source\'s credentials reach only its own origin', async (t) => {
    if (!requireComposer(t)) return;
    const root = async (key: TestKey) => ((await (await fetch(`${repogate.url}/packages.json`, { headers: { authorization: key.authorization } })).json()) as Record<string, unknown>);
    // merchant-a lists its packages but packagist doesn't: Composer gets the key's rules as patterns.
    assert.deepEqual((await root(keyB))['available-packages'], ['merchant-b/module-beta', 'shared/module-theme']);
    assert.equal((await fetch(`${repogate.url}/p2/merchant-b/module-beta.json`, { headers: { authorization: keyA.authorization } })).status, 404);
    assert.equal((await fetch(`${repogate.url}/p2/merchant-a/module-alpha.json`, { headers: { authorization: keyB.authorization } })).status, 404);
    assert.equal((await fetch(`${repogate.url}/p2/merchant-a/module-alpha.json`, { headers: { authorization: agencyKey.authorization } })).status, 404);

    for (const [key, wanted, theme] of [
      [keyA, { 'merchant-a/module-alpha': '^1.0', 'shared/module-theme': '*', 'psr/log': '^3.0' }, '1.0.0'],
      [keyB, { 'merchant-b/module-beta': '^2.0', 'shared/module-theme': '*' }, '2.0.0'],
    ] as const) {
      const dir = join(work, `merchant-${key.accountId}`);
      await writeComposerProject(dir, { repositoryUrl: repogate.url, require: wanted });
      const run = await composer(dir, ['update', '--no-progress'], key);
      assert.equal(run.code, 0, run.stderr);
      const lock = JSON.parse(await readFile(join(dir, 'composer.lock'), 'utf8')) as { packages: Array<{ name: string; version: string; dist: { url: string } }> };
      // The same name from each merchant's own source: never mixed.
      assert.equal(lock.packages.find((p) => p.name === 'shared/module-theme')?.version, theme);
      // Another merchant's archive path is no archive for this key.
      const theirs = lock.packages.find((p) => p.name === 'shared/module-theme')!.dist.url;
      const other = key === keyA ? keyB : keyA;
      assert.equal((await fetch(theirs, { headers: { authorization: other.authorization } })).status, 404);
    }
    const onlyOwn = (mock: MockUpstream) => mock.requests.length > 0 && mock.requests.every((r) => r.authorization === basic(mock.username, mock.password));
    assert.ok(onlyOwn(merchantA), 'merchant A saw only its own credentials');
    assert.ok(onlyOwn(merchantB), 'merchant B saw only its own credentials');
    assert.deepEqual(packagist.requests.filter((r) => r.authorization !== undefined), [], 'no credentials reached packagist or the archive hosts');
  });

  void test('metrics, the access log, the audit trail and the cache figures carry the source', async () => {
    await repogate.flushUsage();
    const metrics = await (await fetch(`${repogate.adminUrl}/metrics`, { headers: { authorization: `Bearer ${adminToken}` } })).text();
    for (const source of ['default', 'packagist', 'merchant-a', 'merchant-b']) {
      assert.match(metrics, new RegExp(`^repogate_upstream_requests_total\\{source="${source}",kind="document",status="200"\\} [1-9]`, 'm'), source);
    }
    assert.match(metrics, /^repogate_upstream_requests_total\{source="packagist",kind="archive",status="302"\} [1-9]/m);
    const logged = repogate.logs.map((line) => JSON.parse(line) as { msg: string; source?: string; package?: string });
    assert.ok(logged.some((l) => l.msg === 'request' && l.source === 'packagist' && l.package === 'monolog/monolog'));
    assert.ok(logged.some((l) => l.msg === 'request' && l.source === 'merchant-b' && l.package === 'merchant-b/module-beta'));
    const events = await repogate.registry.audit.list({ accountId: 'MAG300' });
    const fetched = events.filter((e) => e.action === 'metadata.fetched' || e.action === 'archive.downloaded');
    assert.ok(fetched.length > 0 && fetched.every((e) => (e.detail as { source?: string } | null)?.source === 'merchant-b'));
    const stats = (await runJson(['cache', 'stats'], cli)) as { sources: Array<{ source: string; pins: number }> };
    assert.deepEqual(stats.sources.map((s) => s.source).sort(), ['default', 'merchant-a', 'merchant-b', 'packagist']);
    assert.ok(stats.sources.every((s) => s.pins > 0));
    const drift = await runCli(['cache', 'drift', '--source', 'packagist'], cli);
    assert.equal(drift.code, 0);
    assert.match(drift.stdout, /the source packagist serves the pinned bytes/);
  });

  void test("an access explanation asks the key's sources in order and names the one that has the package", async () => {
    const explain = async (key: TestKey, name: string): Promise<{ knownUpstream: boolean | null; knownSource: string | null; checks: Array<{ check: string; ok: boolean | null; detail: string }> }> => {
      const res = await fetch(`${repogate.adminUrl}/api/v1/access/explain?key=${key.publicKey}&package=${encodeURIComponent(name)}`, {
        headers: { authorization: `Bearer ${adminToken}` },
      });
      assert.equal(res.status, 200);
      return (await res.json()) as { knownUpstream: boolean | null; knownSource: string | null; checks: Array<{ check: string; ok: boolean | null; detail: string }> };
    };
    const upstreamCheck = (e: Awaited<ReturnType<typeof explain>>) => e.checks.find((c) => c.check === 'upstream');

    const alpha = await explain(keyA, 'merchant-a/module-alpha');
    assert.deepEqual([alpha.knownUpstream, alpha.knownSource], [true, 'merchant-a']);
    assert.equal(upstreamCheck(alpha)?.detail, 'the source "merchant-a" has merchant-a/module-alpha');
    const monolog = await explain(keyA, 'monolog/monolog');
    assert.deepEqual([monolog.knownUpstream, monolog.knownSource], [true, 'packagist'], 'the second source, asked by its metadata (packagist lists no names)');
    const beta = await explain(keyA, 'merchant-b/module-beta');
    assert.deepEqual([beta.knownUpstream, beta.knownSource], [false, null], "merchant B's package is in none of merchant A's sources");
    assert.equal(upstreamCheck(beta)?.ok, false);
    assert.match(upstreamCheck(beta)?.detail ?? '', /^none of the account's sources \(merchant-a, packagist\) has merchant-b\/module-beta/);
    const audit = await explain(agencyKey, 'acme/module-audit-log');
    assert.deepEqual([audit.knownUpstream, audit.knownSource], [true, 'default']);
  });
});
