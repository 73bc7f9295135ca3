/**
 * The mock packagist.org and its GitHub-like archive hosts: their protocol details first, then real
 * Composer installing and auditing straight from them, which shows the mock speaks Composer's protocol
 * before repogate is put in front of it.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { requireComposer, runComposer, writeComposerProject } from '../helpers/composer.js';
import { startMockPackagist } from '../helpers/mock-packagist.js';
import type { MockPackagist } from '../helpers/mock-packagist.js';
import { expandVersions } from '../helpers/mock-upstream/index.js';
import type { JsonObject } from '../helpers/mock-upstream/index.js';

const sha1 = (bytes: Uint8Array): string => createHash('sha1').update(bytes).digest('hex');

interface P2 {
  packages: Record<string, JsonObject[]>;
  minified?: string;
  'security-advisories'?: JsonObject[];
}

void describe('mock packagist', () => {
  let mock: MockPackagist;

  before(async () => {
    mock = await startMockPackagist();
  });
  after(() => mock.close());

  void test('the root is shaped like repo.packagist.org: metadata-url, advisories API, no available-packages', async () => {
    const response = await fetch(`${mock.url}/packages.json`);
    assert.equal(response.status, 200);
    const root = (await response.json()) as JsonObject;
    assert.deepEqual(root.packages, []);
    assert.equal(root['metadata-url'], '/p2/%package%.json');
    assert.deepEqual(root['security-advisories'], { metadata: true, 'api-url': `${mock.url}/api/security-advisories/` });
    for (const field of ['notify-batch', 'search', 'list', 'providers-api']) assert.equal(typeof root[field], 'string', field);
    assert.equal('available-packages' in root, false);
  });

  void test('p2 files: minified, PHP-escaped, GitHub zipball dists with an empty shasum, 304s and 404s', async () => {
    const response = await fetch(`${mock.url}/p2/monolog/monolog.json`);
    assert.equal(response.status, 200);
    const raw = await response.text();
    assert.ok(raw.includes('"url":"http:\\/\\/127.0.0.1:'), 'slashes are escaped as PHP writes them');
    const doc = JSON.parse(raw) as P2;
    assert.equal(doc.minified, 'composer/2.0');
    const versions = expandVersions(doc.packages['monolog/monolog'] ?? []);
    assert.deepEqual(versions.map((v) => v.version), ['3.5.0', '2.9.2', '2.9.1']);
    const v291 = versions[2] as JsonObject;
    const reference = mock.packages.find((p) => p.name === 'monolog/monolog' && p.version === '2.9.1')?.reference ?? '';
    assert.match(reference, /^[0-9a-f]{40}$/);
    assert.deepEqual(v291.dist, { url: `${mock.githubUrl}/repos/monolog/monolog/zipball/${reference}`, type: 'zip', shasum: '', reference });
    assert.equal((v291.source as JsonObject).type, 'git');
    assert.deepEqual(v291.require, { php: '>=7.2', 'psr/log': '^1.0.1 || ^2.0 || ^3.0' });
    assert.deepEqual(doc['security-advisories'], [{ advisoryId: mock.advisories[0]?.advisoryId ?? '', affectedVersions: '>=2.0.0,<2.9.2' }]);

    const lastModified = response.headers.get('last-modified') ?? '';
    assert.notEqual(lastModified, '');
    assert.equal((await fetch(`${mock.url}/p2/monolog/monolog.json`, { headers: { 'if-modified-since': lastModified } })).status, 304);

    const dev = (await (await fetch(`${mock.url}/p2/monolog/monolog~dev.json`)).json()) as P2;
    assert.deepEqual(expandVersions(dev.packages['monolog/monolog'] ?? []).map((v) => v.version), ['dev-main']);
    assert.equal((await fetch(`${mock.url}/p2/magento/framework.json`)).status, 404);
  });

  void test('the archive host redirects to the codeload host, which serves the zip whose sha1 is listed', async () => {
    const { reference, sha1: expected } = mock.packages.find((p) => p.name === 'psr/log' && p.version === '3.0.0') ?? assert.fail('psr/log 3.0.0');
    const redirect = await fetch(mock.distUrl('psr/log', '3.0.0'), { redirect: 'manual' });
    assert.equal(redirect.status, 302);
    assert.equal(redirect.headers.get('location'), `${mock.codeloadUrl}/legacy.zip/psr/log/${reference}`);

    const zip = await fetch(mock.distUrl('psr/log', '3.0.0'));
    assert.equal(zip.status, 200);
    assert.equal(zip.headers.get('content-type'), 'application/zip');
    assert.equal(sha1(new Uint8Array(await zip.arrayBuffer())), expected);
    assert.equal((await fetch(`${mock.githubUrl}/repos/psr/log/zipball/${'0'.repeat(40)}`)).status, 404);
  });

  void test('the advisories API answers the names asked, in each form Composer and people send them', async () => {
    const posted = await fetch(`${mock.url}/api/security-advisories/`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'packages%5B0%5D=monolog%2Fmonolog&packages%5B1%5D=psr%2Flog', // http_build_query(['packages' => [...]])
    });
    assert.equal(posted.status, 200);
    const { advisories } = (await posted.json()) as { advisories: Record<string, JsonObject[]> };
    assert.deepEqual(Object.keys(advisories).sort(), ['monolog/monolog', 'psr/log']);
    assert.deepEqual(advisories['psr/log'], []);
    const [advisory] = advisories['monolog/monolog'] ?? [];
    assert.deepEqual(Object.keys(advisory ?? {}).sort(), [
      'advisoryId', 'affectedVersions', 'composerRepository', 'cve', 'link', 'packageName', 'remoteId', 'reportedAt', 'severity', 'source', 'sources', 'title',
    ]);
    assert.equal(advisory?.affectedVersions, '>=2.0.0,<2.9.2');

    const got = (await (await fetch(`${mock.url}/api/security-advisories/?packages[]=monolog/monolog`)).json()) as { advisories: Record<string, JsonObject[]> };
    assert.equal(got.advisories['monolog/monolog']?.length, 1);
    const none = await (await fetch(`${mock.url}/api/security-advisories/?packages[]=nobody/nothing`)).text();
    assert.equal(none, '{"advisories":[]}', 'an empty map is written as PHP writes it');
  });

  void test('search and list answer like packagist', async () => {
    const search = (await (await fetch(`${mock.url}/search.json?q=log`)).json()) as { results: { name: string }[]; total: number };
    assert.deepEqual(search.results.map((r) => r.name), ['monolog/monolog', 'psr/log']);
    assert.equal(search.total, 2);
    const list = (await (await fetch(`${mock.url}/packages/list.json?vendor=psr`)).json()) as { packageNames: string[] };
    assert.deepEqual(list.packageNames, ['psr/log']);
    const providers = (await (await fetch(`${mock.url}/providers/psr/log-implementation.json`)).json()) as { providers: { name: string }[] };
    assert.deepEqual(providers.providers.map((p) => p.name), ['monolog/monolog']);
  });

  void test('setDown refuses connections on all three hosts, and they come back on the same URLs', async () => {
    await mock.setDown(true);
    for (const url of [`${mock.url}/packages.json`, mock.distUrl('psr/log', '1.1.4'), `${mock.codeloadUrl}/`]) {
      await assert.rejects(fetch(url), TypeError, url);
    }
    await mock.setDown(false);
    assert.equal((await fetch(`${mock.url}/packages.json`)).status, 200);
    assert.equal((await fetch(mock.distUrl('psr/log', '1.1.4'))).status, 200);
  });

  void test('every request is recorded with the host it reached and its Authorization header', async () => {
    mock.resetRequests();
    await fetch(`${mock.url}/packages.json`, { headers: { authorization: 'Bearer not-for-packagist' } });
    await (await fetch(mock.distUrl('psr/log', '2.0.0'))).arrayBuffer();
    assert.deepEqual(
      mock.requests.map((r) => [r.server, r.status, r.authorization]),
      [
        ['repo', 200, 'Bearer not-for-packagist'],
        ['github', 302, undefined],
        ['codeload', 200, undefined],
      ],
    );
  });
});

void describe('real Composer against the mock packagist', () => {
  let mock: MockPackagist;
  let dir: string;

  before(async () => {
    mock = await startMockPackagist();
    dir = await mkdtemp(join(tmpdir(), 'repogate-mock-packagist-'));
  });
  after(async () => {
    await mock.close();
    await rm(dir, { recursive: true, force: true });
  });

  void test('installs monolog 2.9.1 through the redirect, and composer audit reports its advisory', async (t) => {
    if (!requireComposer(t)) return;
    const project = join(dir, 'project');
    const home = join(dir, 'home');
    await writeComposerProject(project, { repositoryUrl: mock.url, require: { 'monolog/monolog': '2.9.1' } });
    // Composer 2.9 and later refuse, by default, to lock a version an advisory affects; this test wants
    // one installed so that audit has something to report. Older Composer ignores the setting.
    const composerJson = JSON.parse(await readFile(join(project, 'composer.json'), 'utf8')) as { config: Record<string, unknown> };
    composerJson.config.audit = { 'block-insecure': false };
    await writeFile(join(project, 'composer.json'), `${JSON.stringify(composerJson, null, 4)}\n`);

    const install = await runComposer(['update'], { cwd: project, home });
    assert.equal(install.code, 0, install.stderr);
    const lock = JSON.parse(await readFile(join(project, 'composer.lock'), 'utf8')) as { packages: { name: string; version: string; dist: { url: string } }[] };
    assert.deepEqual(lock.packages.map((p) => `${p.name} ${p.version}`), ['monolog/monolog 2.9.1', 'psr/log 3.0.0']);
    assert.equal(lock.packages[0]?.dist.url, mock.distUrl('monolog/monolog', '2.9.1'));
    await stat(join(project, 'vendor/monolog/monolog/composer.json'));
    await stat(join(project, 'vendor/psr/log/README.md'));

    const served = (server: string): string[] => mock.requests.filter((r) => r.server === server).map((r) => `${r.status} ${r.path}`);
    const reference = (name: string, version: string): string => mock.packages.find((p) => p.name === name && p.version === version)?.reference ?? '';
    assert.deepEqual(served('github').sort(), [
      `302 /repos/monolog/monolog/zipball/${reference('monolog/monolog', '2.9.1')}`,
      `302 /repos/psr/log/zipball/${reference('psr/log', '3.0.0')}`,
    ]);
    assert.equal(served('codeload').filter((line) => line.startsWith('200 /legacy.zip/')).length, 2);
    assert.deepEqual(mock.requests.filter((r) => r.authorization !== undefined), [], 'Composer sent no credentials anywhere');

    const audit = await runComposer(['audit', '--format=json'], { cwd: project, home });
    assert.notEqual(audit.code, 0, 'audit fails when an installed package is affected');
    const report = JSON.parse(audit.stdout) as { advisories: Record<string, { advisoryId: string; affectedVersions: string; title: string }[]> };
    assert.deepEqual(Object.keys(report.advisories), ['monolog/monolog']);
    assert.equal(report.advisories['monolog/monolog']?.[0]?.advisoryId, mock.advisories[0]?.advisoryId);
    assert.ok(
      mock.requests.some((r) => r.method === 'POST' && r.path === '/api/security-advisories/'),
      'Composer asked the advisories API',
    );
  });
});
