import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { expandVersions, type VersionEntry } from '../../src/upstream/minified-metadata.js';
import { normalised, RawConnection } from '../helpers/raw-connection.js';
import { createTestKey, startStack, testActor, type TestKey, type TestRepogate, type TestStack } from '../helpers/repogate.js';

const adminToken = 'operator-token-for-tests-0123456789';
const sha1 = (bytes: Buffer): string => createHash('sha1').update(bytes).digest('hex');

/**
 * Archive hits of a key allowed the package before are answered at once, from disk
 * (src/composer/archive-answers.ts). A key's first request for a package takes the general way
 * (nothing is remembered for it yet), its next ones the warm one: both must give the same
 * bytes, record the same audit events, log lines and metrics, and a key disabled in between must be
 * refused at once.
 */
void describe('warm archive hits', () => {
  let stack: TestStack;
  let repogate: TestRepogate;
  let path: string;
  let shasum: string;

  const request = (authorization: string, requestId: string, method = 'GET'): string =>
    `${method} ${path} HTTP/1.1\r\nHost: ${new URL(repogate.url).host}\r\nAuthorization: ${authorization}\r\nX-Request-Id: ${requestId}\r\n\r\n`;

  const metric = async (name: string, labels: string): Promise<number> => {
    const text = await (await fetch(`${repogate.adminUrl}/metrics`, { headers: { authorization: `Bearer ${adminToken}` } })).text();
    const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(labels));
    return Number(line?.split(' ')[1] ?? 0);
  };

  before(async () => {
    stack = await startStack({ grants: ['open-source'], env: { REPOGATE_ADMIN_TOKEN: adminToken } });
    repogate = stack.repogate;
    const response = await fetch(`${repogate.url}/p2/magento/framework.json`, { headers: { authorization: stack.key.authorization } });
    const body = (await response.json()) as { packages: Record<string, VersionEntry[]> };
    const dist = expandVersions(body.packages['magento/framework'] ?? []).find((v) => v['version'] === '103.0.7')?.['dist'] as { url: string; shasum: string };
    path = new URL(dist.url).pathname;
    shasum = dist.shasum;
    // The first download: from the upstream, then stored.
    const first = await fetch(dist.url, { headers: { authorization: stack.key.authorization } });
    assert.equal(sha1(Buffer.from(await first.arrayBuffer())), shasum);
    const objects = join(repogate.dataDir, 'archives', 'objects', shasum.slice(0, 2));
    for (let i = 0; !(await readdir(objects).catch((): string[] => [])).includes(shasum); i++) {
      assert.ok(i < 200, 'the archive was not stored');
      await delay(25);
    }
  });
  after(() => stack.close());

  void test("a key's hits after its first give the general way's bytes, audit events, log lines and metrics", async () => {
    const key: TestKey = await createTestKey(repogate.registry, { grants: ['open-source'], keyName: 'archive lane' });
    const requestsBefore = await metric('repogate_http_requests_total', 'route="archive",status="200"');
    const connection = await RawConnection.open(repogate.url);
    try {
      connection.send(request(key.authorization, 'archive-general'));
      const viaGeneral = await connection.response();
      const lane = [];
      for (let i = 0; i < 3; i++) {
        connection.send(request(key.authorization, `archive-lane-${i}`));
        lane.push(await connection.response());
      }
      assert.match(viaGeneral.head, /^HTTP\/1\.1 200 OK\r\n/);
      assert.match(viaGeneral.head, new RegExp(`\\r\\netag: "${shasum}"\\r\\n`));
      assert.equal(sha1(viaGeneral.body), shasum);
      for (const [i, answer] of lane.entries()) {
        assert.equal(normalised(answer.head, `archive-lane-${i}`), normalised(viaGeneral.head, 'archive-general'));
        assert.ok(answer.body.equals(viaGeneral.body));
      }
      // HEAD takes the general way: the same head.
      connection.send(request(key.authorization, 'archive-head', 'HEAD'));
      assert.equal(normalised((await connection.response({ head: true })).head, 'archive-head'), normalised(viaGeneral.head, 'archive-general'));
    } finally {
      connection.close();
    }

    const lines = async (): Promise<Array<Record<string, unknown>>> => {
      for (let i = 0; i < 100; i++) {
        const found = repogate.logs.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l['msg'] === 'request' && l['publicKey'] === key.publicKey);
        if (found.length >= 5) return found;
        await delay(20);
      }
      assert.fail('five access-log lines were not written');
    };
    // Lines go out in batches (at most 20 ms late): compared by request id.
    const written = new Map((await lines()).map((l) => [l['requestId'], l]));
    assert.deepEqual([...written.keys()].sort(), ['archive-general', 'archive-head', 'archive-lane-0', 'archive-lane-1', 'archive-lane-2']);
    const shape = (l: Record<string, unknown> | undefined): unknown => ({ ...l, time: 0, requestId: '', ms: 0 });
    for (let i = 0; i < 3; i++) assert.deepEqual(shape(written.get(`archive-lane-${i}`)), shape(written.get('archive-general')));
    assert.equal(written.get('archive-general')?.['cache'], 'hit');
    assert.equal(written.get('archive-general')?.['key'], 'archive lane');

    assert.equal((await metric('repogate_http_requests_total', 'route="archive",status="200"')) - requestsBefore, 5);
    await repogate.flushUsage();
    const downloads = (await repogate.registry.audit.list({ publicKey: key.publicKey })).filter((e) => e.action === 'archive.downloaded');
    assert.equal(downloads.reduce((sum, e) => sum + Number(e.detail?.['count'] ?? 1), 0), 5);
    assert.ok(downloads.every((e) => e.detail?.['package'] === 'magento/framework' && e.detail['path'] === path));
    assert.ok((await repogate.registry.keys.get(key.publicKey))?.lastUsedAt, "the key's last use is recorded");
  });

  void test('a key disabled after its hits is refused at once, and enabled again it is served', async () => {
    const key = await createTestKey(repogate.registry, { grants: ['open-source'] });
    const get = async (): Promise<Response> => fetch(`${repogate.url}${path}`, { headers: { authorization: key.authorization } });
    for (let i = 0; i < 3; i++) assert.equal((await get()).status, 200);
    await repogate.registry.keys.disable(key.publicKey, testActor);
    const refused = await get();
    assert.equal(refused.status, 401);
    assert.equal(((await refused.json()) as { code: string }).code, 'KEY_DISABLED');
    await repogate.registry.keys.enable(key.publicKey, testActor);
    const again = await get();
    assert.equal(again.status, 200);
    assert.equal(sha1(Buffer.from(await again.arrayBuffer())), shasum);
  });

  void test('a key without the package is refused however often another key fetched it', async () => {
    const other = await createTestKey(repogate.registry, { grants: [] });
    for (let i = 0; i < 2; i++) {
      const response = await fetch(`${repogate.url}${path}`, { headers: { authorization: other.authorization } });
      assert.notEqual(response.status, 200);
      await response.arrayBuffer();
    }
  });
});
