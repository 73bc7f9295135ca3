import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream/index.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';
import { createTestKey, defineStandardEntitlements, startTestRepogate, type TestKey, type TestRepogate } from '../helpers/repogate.js';
import { waitFor } from '../helpers/wait-for.js';

describe('the Redis tier', () => {
  let redis: TestRedis;
  let upstream: MockUpstream;
  let dataDir: string;
  let key: TestKey;

  const start = (extra: Record<string, string> = {}): Promise<TestRepogate> =>
    startTestRepogate({
      upstream,
      dataDir,
      env: { REDIS_URL: redis.url, ...extra },
    });

  before(async () => {
    redis = await startTestRedis({ own: true });
    upstream = await startMockUpstream({ layout: 'providers' });
    dataDir = await mkdtemp(join(tmpdir(), 'repogate-redis-'));
    const first = await start();
    await defineStandardEntitlements(first.registry);
    key = await createTestKey(first.registry);
    await first.stop();
  });
  after(async () => {
    await upstream.close();
    await redis.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const get = (instance: TestRepogate, path: string): Promise<Response> =>
    fetch(`${instance.url}${path}`, { headers: { authorization: key.authorization } });

  test('metadata survives a restart of repogate without refetching from the upstream', async () => {
    const a = await start();
    for (const path of ['/packages.json', '/p2/magento/module-catalog.json', '/p2/mageplaza/module-smtp.json']) {
      const response = await get(a, path);
      assert.equal(response.status, 200);
      await response.arrayBuffer();
    }
    await a.stop();
    upstream.resetRequests();
    const b = await start();
    try {
      for (const path of ['/packages.json', '/p2/magento/module-catalog.json', '/p2/mageplaza/module-smtp.json']) {
        const response = await get(b, path);
        assert.equal(response.status, 200);
        await response.arrayBuffer();
      }
      assert.equal(upstream.count(), 0, 'everything came from Redis');
    } finally {
      await b.stop();
    }
  });

  test('two instances share it: what one fetched, the other serves', async () => {
    const a = await start();
    const b = await start();
    try {
      upstream.resetRequests();
      const path = '/p2/magento/module-sales-rule.json';
      const fromA = await get(a, path);
      assert.equal(fromA.status, 200);
      const bodyA = await fromA.text();
      const afterA = upstream.count();
      assert.ok(afterA >= 1);
      const fromB = await get(b, path);
      assert.equal(fromB.status, 200);
      assert.equal(await fromB.text(), bodyA.replaceAll(a.url, b.url));
      assert.equal(upstream.count(), afterA, 'the second instance did not go upstream');
    } finally {
      await a.stop();
      await b.stop();
    }
  });

  test('Redis going away mid-traffic causes no 5xx, and it is used again when it returns', async () => {
    const a = await start({ REPOGATE_METADATA_TTL_SECONDS: '300' });
    try {
      assert.equal((await get(a, '/p2/magento/module-tax.json')).status, 200);
      await redis.stop();
      for (const path of ['/p2/magento/module-tax.json', '/p2/magento/module-quote.json', '/packages.json']) {
        const response = await get(a, path);
        assert.equal(response.status, 200, `${path} with Redis down`);
        await response.arrayBuffer();
      }
      const ready = await fetch(`${a.url}/readyz`);
      assert.equal(ready.status, 503);
      await redis.start();
      await waitFor(async () => (await statusOf(`${a.url}/readyz`)) === 200, { what: 'repogate to reconnect to Redis', timeoutMs: 10_000, intervalMs: 20 });
      const response = await get(a, '/p2/magento/module-weee.json');
      assert.equal(response.status, 200);
    } finally {
      await a.stop();
    }
  });
});

/** The status of a GET, its body read and dropped. */
async function statusOf(url: string): Promise<number> {
  const response = await fetch(url);
  await response.arrayBuffer();
  return response.status;
}
