import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { PinStore } from '../../src/archives/pin-store.js';
import { expandVersions, type VersionEntry } from '../../src/upstream/minified-metadata.js';
import { RawConnection } from '../helpers/raw-connection.js';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream/index.js';
import { createTestKey, defineStandardEntitlements, startTestRepogate, type TestKey, type TestRepogate } from '../helpers/repogate.js';

const run = promisify(execFile);
const sha1 = (bytes: Buffer): string => createHash('sha1').update(bytes).digest('hex');

/** The dist URL and shasum of one version of a package, as repogate serves its metadata. */
async function distOf(repogate: TestRepogate, key: TestKey, name: string, version: string): Promise<{ url: string; path: string; shasum: string }> {
  const response = await fetch(`${repogate.url}/p2/${name}.json`, { headers: { authorization: key.authorization } });
  const body = (await response.json()) as { packages: Record<string, VersionEntry[]> };
  const dist = expandVersions(body.packages[name] ?? []).find((v) => v['version'] === version)?.['dist'] as { url: string; shasum: string } | undefined;
  assert.ok(dist, `${name} ${version} has a dist`);
  return { url: dist.url, path: new URL(dist.url).pathname, shasum: dist.shasum };
}

async function pinCount(repogate: TestRepogate): Promise<number> {
  return (await new PinStore(repogate.registry.context.db).all()).length;
}

async function waitForPin(repogate: TestRepogate, path: string): Promise<void> {
  for (let i = 0; ; i++) {
    if ((await new PinStore(repogate.registry.context.db).all()).some((pin) => pin.path === path)) return;
    assert.ok(i < 200, `${path} was not pinned`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

void describe('archive requests: query strings, missing archives, pins and ranges', () => {
  let upstream: MockUpstream;
  let repogate: TestRepogate;
  let key: TestKey;

  before(async () => {
    upstream = await startMockUpstream({ layout: 'composer2' });
    repogate = await startTestRepogate({ upstream });
    await defineStandardEntitlements(repogate.registry);
    key = await createTestKey(repogate.registry, { grants: ['open-source'] });
  });
  after(async () => {
    await repogate.stop();
    await upstream.close();
  });

  const get = (path: string, headers: Record<string, string> = {}): Promise<Response> =>
    fetch(`${repogate.url}${path}`, { headers: { authorization: key.authorization, ...headers } });

  void test('a query string is never forwarded upstream, makes no download of its own and no pin row', async () => {
    const dist = await distOf(repogate, key, 'magento/module-cms', '104.0.7');
    upstream.resetRequests();
    const pinsBefore = await pinCount(repogate);
    const first = await get(`${dist.path}?cb=1`);
    assert.equal(first.status, 200);
    assert.equal(sha1(Buffer.from(await first.arrayBuffer())), dist.shasum);
    await waitForPin(repogate, dist.path);
    for (let i = 2; i <= 6; i++) {
      const again = await get(`${dist.path}?cb=${i}`);
      assert.equal(sha1(Buffer.from(await again.arrayBuffer())), dist.shasum);
    }
    const archiveRequests = upstream.requests.filter((r) => r.path.startsWith('/archives/'));
    assert.equal(archiveRequests.length, 1, 'one upstream download for all the query strings');
    assert.equal(archiveRequests[0]!.rawPath, dist.path, 'the query string is not forwarded');
    assert.equal(await pinCount(repogate), pinsBefore + 1);
  });

  void test('an upstream 404 for an archive path is remembered: the upstream is not asked again at once', async () => {
    upstream.resetRequests();
    const path = '/archives/magento/module-cms/magento-module-cms-0.0.404.zip';
    for (let i = 0; i < 5; i++) assert.equal((await get(path)).status, 404);
    assert.equal(upstream.count((r) => r.path === path), 1);
  });

  void test('dot segments (also encoded), encoded slashes, backslashes and absolute-form targets: 400, or their path alone', async () => {
    const host = new URL(repogate.url).host;
    const send = async (target: string): Promise<string> => {
      const connection = await RawConnection.open(repogate.url);
      try {
        connection.send(`GET ${target} HTTP/1.1\r\nHost: ${host}\r\nAuthorization: ${key.authorization}\r\n\r\n`);
        const { head, body } = await connection.response();
        return `${head.split('\r\n', 1)[0]} ${body.toString()}`;
      } finally {
        connection.close();
      }
    };
    for (const target of [
      '/archives/magento/module-cms/../../p2/magento/framework.json',
      '/archives/magento/module-cms/%2e%2e/%2E%2E/p2/magento/framework.json',
      '/archives/magento%2fmodule-cms/x.zip',
      '/archives/magento/module-cms/a%5Cb.zip',
      '/archives/magento/module-cms/a\\b.zip',
      '/p2/magento/../magento/framework.json',
    ]) {
      const answer = await send(target);
      assert.match(answer, /^HTTP\/1\.1 400 /, target);
      assert.match(answer, /"code":"BAD_REQUEST"/, target);
    }
    // An absolute-form target is its path: the host in it is never used.
    upstream.resetRequests();
    const absolute = await send(`http://other.invalid:1/p2/magento/framework.json`);
    assert.match(absolute, /^HTTP\/1\.1 200 /);
    assert.match(absolute, /magento\/framework/);
  });

  void test('Range on a stored archive: 206 with Content-Range, suffix ranges, If-Range, 416 past the end; warm and general alike', async () => {
    const dist = await distOf(repogate, key, 'magento/framework', '103.0.7');
    const whole = Buffer.from(await (await get(dist.path)).arrayBuffer());
    await waitForPin(repogate, dist.path);
    // The first request of a fresh key takes the general way, its next ones the warm one.
    const other = await createTestKey(repogate.registry, { accountId: key.accountId, keyName: 'ranges' });
    for (let round = 0; round < 2; round++) {
      const partial = await fetch(`${repogate.url}${dist.path}`, { headers: { authorization: other.authorization, range: 'bytes=10-109' } });
      assert.equal(partial.status, 206, `round ${round}`);
      assert.equal(partial.headers.get('content-range'), `bytes 10-109/${whole.length}`);
      assert.equal(partial.headers.get('content-length'), '100');
      assert.deepEqual(Buffer.from(await partial.arrayBuffer()), whole.subarray(10, 110));
    }
    const suffix = await get(dist.path, { range: 'bytes=-50' });
    assert.equal(suffix.status, 206);
    assert.deepEqual(Buffer.from(await suffix.arrayBuffer()), whole.subarray(whole.length - 50));
    const open = await get(dist.path, { range: `bytes=${whole.length - 5}-` });
    assert.deepEqual(Buffer.from(await open.arrayBuffer()), whole.subarray(whole.length - 5));
    const etag = (await get(dist.path, { range: 'bytes=0-0' })).headers.get('etag') ?? '';
    assert.equal((await get(dist.path, { range: 'bytes=0-9', 'if-range': etag })).status, 206);
    const changed = await get(dist.path, { range: 'bytes=0-9', 'if-range': '"other"' });
    assert.equal(changed.status, 200, 'an If-Range that no longer matches gets the whole archive');
    assert.deepEqual(Buffer.from(await changed.arrayBuffer()), whole);
    const past = await get(dist.path, { range: `bytes=${whole.length}-` });
    assert.equal(past.status, 416);
    assert.equal(past.headers.get('content-range'), `bytes */${whole.length}`);
    assert.equal(((await past.json()) as { code: string }).code, 'RANGE_NOT_SATISFIABLE');
    const several = await get(dist.path, { range: 'bytes=0-1,5-6' });
    assert.equal(several.status, 200, 'several ranges: the whole archive');
    assert.equal(several.headers.get('accept-ranges'), 'bytes');
  });

  void test('curl -C - resumes a partly downloaded archive', async (t) => {
    try {
      await run('curl', ['--version']);
    } catch {
      if (process.env['CI'] === 'true') throw new Error('curl is required in CI (Debian package curl)');
      t.skip('curl is not installed');
      return;
    }
    const dist = await distOf(repogate, key, 'magento/magento2-base', '2.4.7');
    await (await get(dist.path)).arrayBuffer();
    await waitForPin(repogate, dist.path);
    const whole = Buffer.from(await (await get(dist.path)).arrayBuffer());
    const dir = await mkdtemp(join(tmpdir(), 'repogate-resume-'));
    try {
      const file = join(dir, 'archive.zip');
      await writeFile(file, whole.subarray(0, Math.floor(whole.length / 3)));
      await run('curl', ['-sS', '-f', '-C', '-', '-u', `${key.publicKey}:${key.privateKey}`, '-o', file, `${repogate.url}${dist.path}`]);
      assert.equal(sha1(await readFile(file)), dist.shasum);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

void describe('pins with a disk cache too small for the archive', () => {
  let upstream: MockUpstream;
  let repogate: TestRepogate;
  let key: TestKey;

  before(async () => {
    upstream = await startMockUpstream({ layout: 'composer2' });
    repogate = await startTestRepogate({ upstream, env: { REPOGATE_ARCHIVE_CACHE_BYTES: '100' } });
    await defineStandardEntitlements(repogate.registry);
    key = await createTestKey(repogate.registry, { grants: ['open-source'] });
  });
  after(async () => {
    await repogate.stop();
    await upstream.close();
  });

  void test('an archive the cache could not store is served but not pinned', async () => {
    const dist = await distOf(repogate, key, 'magento/framework', '103.0.7');
    const response = await fetch(dist.url, { headers: { authorization: key.authorization } });
    assert.equal(sha1(Buffer.from(await response.arrayBuffer())), dist.shasum);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal(await pinCount(repogate), 0);
  });
});
