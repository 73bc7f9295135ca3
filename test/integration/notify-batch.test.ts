import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream/index.js';
import { createTestKey, defineStandardEntitlements, startTestRepogate, type TestKey, type TestRepogate } from '../helpers/repogate.js';

/** Composer's download notifications speak for the key that sends them, and only for what it may see. */
void describe('POST /notify-batch', () => {
  let upstream: MockUpstream;
  let repogate: TestRepogate;
  let scoped: TestKey;

  before(async () => {
    upstream = await startMockUpstream({ layout: 'composer2' });
    repogate = await startTestRepogate({ upstream });
    await defineStandardEntitlements(repogate.registry);
    scoped = await createTestKey(repogate.registry, { grants: ['open-source'], scope: ['magento/framework'] });
  });
  after(async () => {
    await repogate.stop();
    await upstream.close();
  });

  const notify = (body: unknown, key: TestKey = scoped): Promise<Response> =>
    fetch(`${repogate.url}/notify-batch`, {
      method: 'POST',
      headers: { authorization: key.authorization, 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  void test('only packages the key may see are counted and forwarded upstream', async () => {
    upstream.resetRequests();
    const downloads = [
      { name: 'magento/framework', version: '103.0.7.0' },
      { name: 'magento/module-catalog', version: '104.0.7.0' },
      { name: 'magento/product-enterprise-edition', version: '2.4.7.0' },
      ...Array.from({ length: 200 }, (_, i) => ({ name: `invented/package-${i}`, version: '1.0.0.0' })),
    ];
    const response = await notify({ downloads });
    assert.equal(response.status, 200);
    await repogate.flushUsage();
    const today = new Date().toISOString().slice(0, 10);
    const counted = await repogate.registry.usage.downloadsPerPackage(today, { publicKey: scoped.publicKey });
    assert.deepEqual(counted, [{ package: 'magento/framework', count: 1 }]);
    for (let i = 0; upstream.notifications.length === 0; i++) {
      assert.ok(i < 200, 'the notification was forwarded');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.deepEqual(upstream.notifications, [{ downloads: [{ name: 'magento/framework', version: '103.0.7.0' }] }]);
  });

  void test('far more entries than an install reports is a 413; a malformed body is a 400', async () => {
    const many = Array.from({ length: 2001 }, () => ({ name: 'magento/framework', version: '103.0.7.0' }));
    const tooMany = await notify({ downloads: many });
    assert.equal(tooMany.status, 413);
    assert.equal(((await tooMany.json()) as { code: string }).code, 'PAYLOAD_TOO_LARGE');
    for (const body of ['{"downloads": "x"}', '{"downloads": [{"name": "Not A Name!", "version": "1"}]}', 'not json', '[]']) {
      const response = await notify(body);
      assert.equal(response.status, 400, body);
      assert.equal(((await response.json()) as { code: string }).code, 'BAD_REQUEST');
    }
  });
});
