import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { accountCaller, operatorCaller } from '../../src/admin/caller.js';
import { SessionCodec, sessionLifetimeMs } from '../../src/admin/web/session.js';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream/index.js';
import { defineStandardEntitlements, startTestRepogate, testActor, type TestRepogate } from '../helpers/repogate.js';

const adminToken = 'operator-token-for-api-tests-0123456789';
const owner = 'MAG700001';
const password = 'owner password 700001';

interface ErrorBody {
  readonly warning: string;
  readonly code: string;
}

const errorOf = (res: request.Response): ErrorBody => res.body as ErrorBody;

void describe('admin API: who may call it', () => {
  let upstream: MockUpstream;
  let repogate: TestRepogate;
  let api: () => ReturnType<typeof request>;

  before(async () => {
    upstream = await startMockUpstream({ layout: 'composer2' });
    repogate = await startTestRepogate({ upstream, env: { REPOGATE_ADMIN_TOKEN: adminToken } });
    await defineStandardEntitlements(repogate.registry);
    await repogate.registry.accounts.create({ id: owner, name: 'Owner Ltd' }, testActor);
    await repogate.registry.accounts.setPassword(owner, password, testActor);
    await repogate.registry.accounts.create({ id: 'MAG700002', name: 'No Password Ltd' }, testActor);
    api = () => request(repogate.adminUrl);
  });
  after(async () => {
    await repogate.stop();
    await upstream.close();
  });

  const signIn = async (mageId: string, pass: string): Promise<request.Response> =>
    api().post('/api/v1/session').send({ mageId, password: pass });

  void test('no token is 401 AUTH_REQUIRED with a Bearer challenge; a wrong or non-Bearer token is 401 AUTH_INVALID', async () => {
    const none = await api().get('/api/v1/keys');
    assert.equal(none.status, 401);
    assert.equal(errorOf(none).code, 'AUTH_REQUIRED');
    assert.equal(none.headers['www-authenticate'], 'Bearer realm="repogate-admin"');
    assert.equal(none.headers['content-type'], 'application/json');

    for (const authorization of [`Bearer ${adminToken}x`, `Basic ${Buffer.from(`admin:${adminToken}`).toString('base64')}`, 'Bearer']) {
      const res = await api().get('/api/v1/keys').set('Authorization', authorization);
      assert.equal(res.status, 401, authorization);
      assert.equal(errorOf(res).code, 'AUTH_INVALID');
      assert.ok(!JSON.stringify(res.body).includes(adminToken), 'the token is never echoed');
    }
    // Unknown routes are not revealed to callers without a token either.
    assert.equal((await api().get('/api/v1/nothing-here')).status, 401);
  });

  void test('the admin token is the operator; an owner gets a session token from POST /session', async () => {
    const me = await api().get('/api/v1/me').set('Authorization', `Bearer ${adminToken}`);
    assert.equal(me.status, 200);
    assert.deepEqual(me.body, { actor: { type: 'operator', id: 'admin-token' }, account: null, via: 'admin-token' });
    assert.equal(me.headers['cache-control'], 'no-store');

    const session = await signIn(owner.toLowerCase(), password);
    assert.equal(session.status, 201);
    const body = session.body as { token: string; account: string; expiresAt: string };
    assert.equal(body.account, owner);
    assert.ok(Date.parse(body.expiresAt) - Date.now() > sessionLifetimeMs - 60_000);
    const asOwner = await api().get('/api/v1/me').set('Authorization', `Bearer ${body.token}`);
    assert.deepEqual(asOwner.body, { actor: { type: 'account', id: owner }, account: owner, via: 'bearer-session' });

    const events = await repogate.registry.audit.list({ accountId: owner });
    const signedIn = events.find((e) => e.action === 'session.signed_in');
    assert.deepEqual(signedIn?.actor, { type: 'account', id: owner });
    assert.equal(signedIn?.detail?.['via'], 'api');
  });

  void test('a wrong password, an unknown MAGEID and an account without a password all say only "wrong MAGEID or password"', async () => {
    const answers = await Promise.all([signIn('MAG700001', 'not the password'), signIn('MAG799999', password), signIn('MAG700002', password), signIn('nonsense', 'x')]);
    for (const res of answers) {
      assert.equal(res.status, 401);
      assert.deepEqual(res.body, { warning: 'wrong MAGEID or password', code: 'AUTH_INVALID' });
    }
    const malformed = await api().post('/api/v1/session').send({ mageId: owner });
    assert.equal(malformed.status, 400);
    assert.equal(errorOf(malformed).code, 'VALIDATION');
  });

  void test('forged, altered and expired session tokens are refused, and so are sessions of a deleted account', async () => {
    const other = new SessionCodec(randomBytes(32), adminToken);
    const forged = other.issue(operatorCaller).token;
    const [payload, signature] = (await signIn(owner, password)).body.token.split('.') as [string, string];
    const altered = `${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), sub: { type: 'account', id: 'MAG700002' } })).toString('base64url')}.${signature}`;
    for (const token of [forged, altered, `${payload}.`, 'a.b.c']) {
      const res = await api().get('/api/v1/me').set('Authorization', `Bearer ${token}`);
      assert.equal(res.status, 401, token);
      assert.equal(errorOf(res).code, 'AUTH_INVALID');
    }

    const codec = new SessionCodec(randomBytes(32), adminToken);
    const { token } = codec.issue(accountCaller(owner), { securityStamp: 'stamp', nowMs: Date.now() - sessionLifetimeMs - 1000 });
    assert.equal(codec.read(token), undefined, 'an expired session does not verify');
    assert.ok(codec.read(codec.issue(accountCaller(owner), { securityStamp: 'stamp' }).token), 'a fresh one does');
    assert.equal(new SessionCodec(randomBytes(32), 'another-admin-token-0123456789').read(codec.issue(operatorCaller).token), undefined);

    await repogate.registry.accounts.create({ id: 'MAG700003', name: 'Short Lived' }, testActor);
    await repogate.registry.accounts.setPassword('MAG700003', 'short lived password', testActor);
    const short = (await signIn('MAG700003', 'short lived password')).body.token as string;
    assert.equal((await api().get('/api/v1/me').set('Authorization', `Bearer ${short}`)).status, 200);
    await repogate.registry.accounts.delete('MAG700003', testActor);
    assert.equal((await api().get('/api/v1/me').set('Authorization', `Bearer ${short}`)).status, 401);
  });

  void test('with the session cookie, reads work but changes need the X-CSRF-Token header', async () => {
    const agent = request.agent(repogate.adminUrl);
    const signInPage = await agent.get('/sign-in');
    const formToken = /name="_csrf" value="([^"]+)"/.exec(signInPage.text)?.[1] ?? '';
    const signedIn = await agent.post('/sign-in').type('form').send({ _csrf: formToken, mageid: owner, password });
    assert.equal(signedIn.status, 303);
    const page = await agent.get(`/accounts/${owner}/access-keys`);
    assert.equal(page.status, 200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)?.[1] ?? '';

    const read = await agent.get('/api/v1/me');
    assert.equal(read.status, 200);
    assert.equal((read.body as { via: string }).via, 'cookie-session');

    const missing = await agent.post(`/api/v1/accounts/${owner}/keys`).send({ name: 'from the cookie' });
    assert.equal(missing.status, 403);
    assert.equal(errorOf(missing).code, 'CSRF_INVALID');
    const wrong = await agent.post(`/api/v1/accounts/${owner}/keys`).set('X-CSRF-Token', `${csrf}x`).send({ name: 'from the cookie' });
    assert.equal(errorOf(wrong).code, 'CSRF_INVALID');
    assert.equal((await repogate.registry.keys.list(owner)).length, 0, 'nothing was created');

    const made = await agent.post(`/api/v1/accounts/${owner}/keys`).set('X-CSRF-Token', csrf).send({ name: 'from the cookie' });
    assert.equal(made.status, 201);
  });

  void test('failed sign-ins are limited per MAGEID (429 with Retry-After), without locking out other accounts', async () => {
    await repogate.registry.accounts.create({ id: 'MAG700010', name: 'Target' }, testActor);
    await repogate.registry.accounts.setPassword('MAG700010', 'target password 10', testActor);
    for (let i = 0; i < 5; i++) assert.equal((await signIn('MAG700010', `guess ${i}`)).status, 401);
    const blocked = await signIn('MAG700010', 'target password 10');
    assert.equal(blocked.status, 429, 'even the right password waits until the window has passed');
    assert.equal(errorOf(blocked).code, 'RATE_LIMITED');
    const retryAfter = Number(blocked.headers['retry-after']);
    assert.ok(retryAfter > 0 && retryAfter <= 900, `Retry-After: ${blocked.headers['retry-after']}`);
    assert.equal((await signIn(owner, password)).status, 201, 'another MAGEID still signs in');
  });

  void test('refused bearer tokens are limited per address: after 20, even the admin token waits', async () => {
    const fresh = await startTestRepogate({ upstreamUrl: upstream.url, env: { REPOGATE_ADMIN_TOKEN: adminToken } });
    try {
      for (let i = 0; i < 20; i++) {
        assert.equal((await request(fresh.adminUrl).get('/api/v1/me').set('Authorization', `Bearer guess-${i}`)).status, 401);
      }
      const blocked = await request(fresh.adminUrl).get('/api/v1/me').set('Authorization', `Bearer ${adminToken}`);
      assert.equal(blocked.status, 429);
      assert.equal(errorOf(blocked).code, 'RATE_LIMITED');
      assert.ok(Number(blocked.headers['retry-after']) > 0);
      assert.ok(fresh.logs.some((line) => line.includes('bearer token refused')));
      assert.ok(!fresh.logs.some((line) => line.includes('guess-')), 'refused tokens are not logged');
    } finally {
      await fresh.stop();
    }
  });
});
