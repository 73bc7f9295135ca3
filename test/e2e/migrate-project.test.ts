import assert from 'node:assert/strict';
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { runCli, type CliResult } from '../helpers/cli.js';
import { requireComposer, runComposer, type ComposerRun } from '../helpers/composer.js';
import type { MockUpstream } from '../helpers/mock-upstream/index.js';
import { startStack, type TestKey, type TestRepogate, type TestStack } from '../helpers/repogate.js';

interface LockedPackage {
  name: string;
  dist?: { url: string };
  'notification-url'?: string;
}
interface Lock {
  'content-hash': string;
  packages: LockedPackage[];
  'packages-dev': LockedPackage[];
}

const output = (run: ComposerRun): string => `${run.stdout}\n${run.stderr}`;
const outOfDate = /not up to date/i;

/**
 * A project's composer.json as a Magento project has it: the repository with a trailing slash, an
 * `extra` with slashes and non-ASCII text (both in the content hash), a platform, dev requirements.
 */
function composerJson(repositoryUrl: string): string {
  const project = {
    name: 'acme/storefront',
    description: 'Storefront of Acme — « boutique »',
    type: 'project',
    license: 'proprietary',
    require: { 'magento/framework': '103.0.*', 'mageplaza/module-smtp': '^4.7' },
    'require-dev': { 'yotpo/module-review': '4.3.1' },
    repositories: [{ type: 'composer', url: repositoryUrl }, { 'packagist.org': false }],
    extra: { 'magento-force': 'override', 'patches-file': 'patches/composer.patches.json', note: 'Ünïcödé ✓' },
    config: { platform: { php: '8.2.0' }, 'secure-http': false, 'allow-plugins': false, 'sort-packages': true },
    'minimum-stability': 'stable',
    'prefer-stable': true,
  };
  return `${JSON.stringify(project, null, 4)}\n`;
}

const authJson = (host: string, username: string, password: string): string =>
  `${JSON.stringify({ 'http-basic': { [host]: { username, password } } }, null, 4)}\n`;

void describe('repogate migrate-project with real Composer', () => {
  let stack: TestStack;
  let upstream: MockUpstream;
  let repogate: TestRepogate;
  let developer: TestKey;
  let work: string;
  let home: string;

  const cli = (args: string[], env: Record<string, string> = {}): Promise<CliResult> =>
    runCli(['migrate-project', ...args], { dataDir: work, env: { COMPOSER_HOME: home, COMPOSER_AUTH: '', ...env } });
  const composer = (args: string[], dir: string): Promise<ComposerRun> =>
    runComposer(args, { cwd: dir, home: join(dir, '.composer-home') });

  before(async () => {
    work = await mkdtemp(join(tmpdir(), 'repogate-migrate-'));
    home = join(work, 'composer-home');
    await mkdir(home);
    stack = await startStack({ keyName: 'Jane Developer' });
    ({ upstream, repogate, key: developer } = stack);
  });
  after(async () => {
    await stack.close();
    await rm(work, { recursive: true, force: true });
  });

  void test('a lock made straight against the upstream moves over: install with only the repogate key, nothing from Composer reaches the upstream, no out-of-date warning', async (t) => {
    if (!requireComposer(t)) return;
    const upstreamHost = new URL(upstream.url).host;
    const repogateHost = new URL(repogate.url).host;

    // The project as it is today: repo.magento.com's stand-in and the organisation's keys.
    const project = join(work, 'project');
    await mkdir(project);
    await writeFile(join(project, 'composer.json'), composerJson(`${upstream.url}/`));
    await writeFile(join(project, 'auth.json'), authJson(upstreamHost, upstream.username, upstream.password));
    const locked = await composer(['update', '--no-install', '--no-progress'], project);
    assert.equal(locked.code, 0, output(locked));
    const originalJson = await readFile(join(project, 'composer.json'), 'utf8');
    const originalLock = await readFile(join(project, 'composer.lock'), 'utf8');
    const before = JSON.parse(originalLock) as Lock;
    assert.ok(before.packages.length >= 3 && before['packages-dev'].length >= 1, 'the lock has packages and dev packages');
    assert.ok([...before.packages, ...before['packages-dev']].every((p) => p.dist?.url.startsWith(`${upstream.url}/archives/`)));

    // --check names every place that still points at the upstream, and exits 1.
    const dirty = await cli([project, '--check', '--upstream', upstream.url]);
    assert.equal(dirty.code, 1, dirty.stderr);
    for (const mention of ['composer.json  repositories[0].url', 'composer.lock  dist.url of', 'composer.lock  notification-url of', `auth.json  http-basic.${upstreamHost}`]) {
      assert.ok(dirty.stdout.includes(mention), `--check names ${mention}: ${dirty.stdout}`);
    }
    assert.match(dirty.stderr, /^repogate: \d+ places in the project still point at /);
    // The upstream comes from REPOGATE_UPSTREAM_URL when --upstream is not given.
    assert.equal((await cli([project, '--check'], { REPOGATE_UPSTREAM_URL: upstream.url })).code, 1);
    assert.equal(await readFile(join(project, 'composer.lock'), 'utf8'), originalLock, '--check changes nothing');

    // The migration (the upstream given with a trailing slash, as Magento's docs write it).
    const migrated = await cli([project, '--url', repogate.url, '--upstream', `${upstream.url}/`]);
    assert.equal(migrated.code, 0, migrated.stderr);
    const count = before.packages.length + before['packages-dev'].length;
    assert.match(migrated.stdout, new RegExp(`dist\\.url of ${count} packages, e\\.g\\. ${upstream.url}/archives/\\S+ → ${repogate.url}/archives/`));
    assert.match(migrated.stdout, new RegExp(`notification-url of ${count} packages: ${upstream.url}/notify-batch → ${repogate.url}/notify-batch`));
    assert.match(migrated.stdout, /content-hash: [0-9a-f]{32} → [0-9a-f]{32}/);

    // Byte for byte: only the URLs and the content hash changed.
    const newJson = await readFile(join(project, 'composer.json'), 'utf8');
    const newLock = await readFile(join(project, 'composer.lock'), 'utf8');
    assert.equal(newJson, originalJson.replace(`"url": "${upstream.url}/"`, `"url": "${repogate.url}/"`));
    const after = JSON.parse(newLock) as Lock;
    assert.notEqual(after['content-hash'], before['content-hash']);
    const expectedLock = originalLock
      .replaceAll(`"url": "${upstream.url}/archives/`, `"url": "${repogate.url}/archives/`)
      .replaceAll(`"notification-url": "${upstream.url}/notify-batch"`, `"notification-url": "${repogate.url}/notify-batch"`)
      .replace(`"content-hash": "${before['content-hash']}"`, `"content-hash": "${after['content-hash']}"`);
    assert.equal(newLock, expectedLock);

    // A developer with only the repogate key: a fresh directory, an empty Composer home and cache.
    const moved = join(work, 'moved');
    await mkdir(moved);
    await copyFile(join(project, 'composer.json'), join(moved, 'composer.json'));
    await copyFile(join(project, 'composer.lock'), join(moved, 'composer.lock'));
    await writeFile(join(moved, 'auth.json'), authJson(repogateHost, developer.publicKey, developer.privateKey));
    upstream.resetRequests();
    const installed = await composer(['install', '--prefer-dist', '--no-progress'], moved);
    assert.equal(installed.code, 0, output(installed));
    assert.doesNotMatch(output(installed), outOfDate);
    const vendor = JSON.parse(await readFile(join(moved, 'vendor/composer/installed.json'), 'utf8')) as { packages: unknown[] };
    assert.equal(vendor.packages.length, count);
    assert.ok(upstream.count((r) => r.path.startsWith('/archives/')) > 0, 'repogate fetched the archives from the upstream');
    assert.deepEqual(
      upstream.requests.filter((r) => !r.authorized).map((r) => `${r.method} ${r.path} ${r.userAgent ?? ''}`),
      [],
      'every request the upstream saw came from repogate (with the organisation keys), none from Composer',
    );
    const validated = await composer(['validate', '--no-check-publish'], moved);
    assert.doesNotMatch(output(validated), outOfDate, output(validated));
    assert.match(output(validated), /is valid/);

    // Now clean: --check exits 0.
    const clean = await cli([moved, '--check', '--upstream', upstream.url]);
    assert.equal(clean.code, 0, `${clean.stdout}\n${clean.stderr}`);
    assert.match(clean.stdout, /^Nothing in .* points at /);

    // A lock made through repogate from the same composer.json looks the same: URLs and content hash.
    const through = join(work, 'through');
    await mkdir(through);
    await copyFile(join(project, 'composer.json'), join(through, 'composer.json'));
    await writeFile(join(through, 'auth.json'), authJson(repogateHost, developer.publicKey, developer.privateKey));
    const relocked = await composer(['update', '--no-install', '--no-progress'], through);
    assert.equal(relocked.code, 0, output(relocked));
    const direct = JSON.parse(await readFile(join(through, 'composer.lock'), 'utf8')) as Lock;
    assert.equal(direct['content-hash'], after['content-hash'], 'Composer computes the content hash migrate-project wrote');
    const urls = (lock: Lock): string[] =>
      [...lock.packages, ...lock['packages-dev']].map((p) => `${p.name} ${p.dist?.url ?? ''} ${p['notification-url'] ?? ''}`).sort();
    assert.deepEqual(urls(after), urls(direct));
  });

  void test('rewriting only the repositories entry by hand leaves Composer warning that the lock is out of date; migrate-project clears it', async (t) => {
    if (!requireComposer(t)) return;
    const dir = join(work, 'sed');
    await mkdir(dir);
    await writeFile(join(dir, 'composer.json'), composerJson(`${upstream.url}/`));
    await writeFile(join(dir, 'auth.json'), authJson(new URL(upstream.url).host, upstream.username, upstream.password));
    const locked = await composer(['update', '--no-install', '--no-progress'], dir);
    assert.equal(locked.code, 0, output(locked));
    await writeFile(join(dir, 'composer.json'), composerJson(`${repogate.url}/`));
    const validated = await composer(['validate', '--no-check-publish'], dir);
    assert.match(output(validated), outOfDate);

    // migrate-project recognises the hand-edited entry: the lock gets the hash of the file as it is now.
    const migrated = await cli([dir, '--url', repogate.url, '--upstream', upstream.url]);
    assert.equal(migrated.code, 0, migrated.stderr);
    assert.doesNotMatch(migrated.stderr, /already out of date/);
    const revalidated = await composer(['validate', '--no-check-publish'], dir);
    assert.doesNotMatch(output(revalidated), outOfDate, output(revalidated));
  });
});
