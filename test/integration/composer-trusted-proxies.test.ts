import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream/index.js';
import { createTestKey, defineStandardEntitlements, startTestRepogate, type TestRepogate } from '../helpers/repogate.js';

/**
 * Behind a reverse proxy named in REPOGATE_TRUSTED_PROXIES, the Composer routes see the client's
 * address from X-Forwarded-For: keys' networks, last use and the access log; from anyone else the
 * header is ignored.
 */
for (const trusted of [true, false]) {
  void describe(`Composer routes ${trusted ? 'behind' : 'without'} a trusted proxy`, () => {
    let upstream: MockUpstream;
    let repogate: TestRepogate;

    before(async () => {
      upstream = await startMockUpstream({ layout: 'composer2' });
      repogate = await startTestRepogate({ upstream, env: trusted ? { REPOGATE_TRUSTED_PROXIES: '127.0.0.0/8' } : {} });
      await defineStandardEntitlements(repogate.registry);
    });
    after(async () => {
      await repogate.stop();
      await upstream.close();
    });

    void test(trusted ? "a key's networks, last use and the log follow X-Forwarded-For" : 'X-Forwarded-For is ignored', async () => {
      const key = await createTestKey(repogate.registry, { grants: ['open-source'], cidrs: ['203.0.113.0/24'] });
      const get = (path: string, forwarded: string): Promise<Response> =>
        fetch(`${repogate.url}${path}`, { headers: { authorization: key.authorization, 'x-forwarded-for': forwarded, 'x-request-id': `xff-${forwarded}-${path.length}` } });
      for (const path of ['/p2/magento/framework.json', '/packages.json']) {
        const inside = await get(path, '203.0.113.7');
        assert.equal(inside.status, trusted ? 200 : 403, path);
        const outside = await get(path, '198.51.100.1');
        assert.equal(outside.status, 403, path);
        assert.equal(((await outside.json()) as { code: string }).code, 'ADDRESS_NOT_ALLOWED');
      }
      if (!trusted) return;
      // The warm way too: the same key again.
      assert.equal((await get('/p2/magento/framework.json', '203.0.113.8')).status, 200);
      await repogate.flushUsage();
      const row = await repogate.registry.keys.find(key.publicKey);
      assert.equal(row?.lastUsedAddress, '203.0.113.8');
      for (let i = 0; !repogate.logs.some((l) => l.includes('"requestId":"xff-203.0.113.8-')); i++) {
        assert.ok(i < 200, 'access-log line');
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const line = JSON.parse(repogate.logs.find((l) => l.includes('"requestId":"xff-203.0.113.8-'))!) as { address: string };
      assert.equal(line.address, '203.0.113.8');
    });
  });
}
