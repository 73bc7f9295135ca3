import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream/index.js';
import { startTestRepogate, testActor, type TestRepogate } from '../helpers/repogate.js';

const adminToken = 'operator-token-for-proxy-tests-0123456789';
const owner = 'MAG740001';
const password = 'owner password 740001';

/**
 * The admin listener behind a reverse proxy: with REPOGATE_TRUSTED_PROXIES naming it, sign-in limits
 * and the audit trail see the client X-Forwarded-For names; without, the header is never believed.
 */
void describe('the admin listener and REPOGATE_TRUSTED_PROXIES', () => {
  let upstream: MockUpstream;
  let behindProxy: TestRepogate;
  let direct: TestRepogate;

  before(async () => {
    upstream = await startMockUpstream({ layout: 'composer2' });
    // The tests connect from 127.0.0.1: with it trusted, they act as the proxy.
    [behindProxy, direct] = await Promise.all([
      startTestRepogate({ upstream, env: { REPOGATE_ADMIN_TOKEN: adminToken, REPOGATE_TRUSTED_PROXIES: '127.0.0.1, ::1' } }),
      startTestRepogate({ upstream, env: { REPOGATE_ADMIN_TOKEN: adminToken } }),
    ]);
    for (const repogate of [behindProxy, direct]) {
      await repogate.registry.accounts.create({ id: owner, name: 'Proxied Ltd' }, testActor);
      await repogate.registry.accounts.setPassword(owner, password, testActor);
    }
  });
  after(async () => {
    await Promise.all([behindProxy.stop(), direct.stop()]);
    await upstream.close();
  });

  const signedInFrom = async (repogate: TestRepogate): Promise<unknown> => {
    const events = await repogate.registry.audit.list({ accountId: owner });
    return events.find((e) => e.action === 'session.signed_in')?.detail?.['address'];
  };

  void test('behind a trusted proxy, the audit trail records the forwarded client of a sign-in (API and page)', async () => {
    const viaApi = await request(behindProxy.adminUrl).post('/api/v1/session').set('X-Forwarded-For', '203.0.113.9').send({ mageId: owner, password });
    assert.equal(viaApi.status, 201);
    assert.equal(await signedInFrom(behindProxy), '203.0.113.9');

    const agent = request.agent(behindProxy.adminUrl);
    const csrf = /name="_csrf" value="([^"]+)"/.exec((await agent.get('/sign-in')).text)?.[1] ?? '';
    const page = await agent.post('/sign-in').set('X-Forwarded-For', '198.51.100.20, 127.0.0.1').type('form').send({ _csrf: csrf, mageid: owner, password });
    assert.equal(page.status, 303);
    assert.equal(await signedInFrom(behindProxy), '198.51.100.20', 'the trusted hop is skipped');
  });

  void test('behind a trusted proxy, refused tokens are limited per forwarded client, not for everyone behind the proxy', async () => {
    for (let i = 0; i < 20; i++) {
      const res = await request(behindProxy.adminUrl).get('/api/v1/me').set('X-Forwarded-For', '203.0.113.66').set('Authorization', `Bearer guess-${i}`);
      assert.equal(res.status, 401);
    }
    const attacker = await request(behindProxy.adminUrl).get('/api/v1/me').set('X-Forwarded-For', '203.0.113.66').set('Authorization', `Bearer ${adminToken}`);
    assert.equal(attacker.status, 429);
    const neighbour = await request(behindProxy.adminUrl).get('/api/v1/me').set('X-Forwarded-For', '203.0.113.67').set('Authorization', `Bearer ${adminToken}`);
    assert.equal(neighbour.status, 200, 'another client behind the same proxy is not blocked');
  });

  void test('without trusted proxies X-Forwarded-For is ignored: the audit trail has the peer, and a rotating header escapes no limit', async () => {
    const signedIn = await request(direct.adminUrl).post('/api/v1/session').set('X-Forwarded-For', '203.0.113.9').send({ mageId: owner, password });
    assert.equal(signedIn.status, 201);
    assert.match(String(await signedInFrom(direct)), /^(::ffff:)?127\.0\.0\.1$/);

    for (let i = 0; i < 20; i++) {
      const res = await request(direct.adminUrl).get('/api/v1/me').set('X-Forwarded-For', `203.0.113.${i}`).set('Authorization', `Bearer guess-${i}`);
      assert.equal(res.status, 401);
    }
    const spoofed = await request(direct.adminUrl).get('/api/v1/me').set('X-Forwarded-For', '203.0.113.200').set('Authorization', `Bearer ${adminToken}`);
    assert.equal(spoofed.status, 429);
  });
});
