import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { apiOperations } from '../../src/admin/openapi.js';
import { accountDetailShape, cliShapes, runCli } from '../helpers/cli.js';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream/index.js';
import { createTestKey, defineStandardEntitlements, startTestRepogate, testActor, type TestRepogate } from '../helpers/repogate.js';

const adminToken = 'operator-token-for-account-tests-0123456789';
const owner = 'MAG720001';

const codeOf = (res: request.Response): string => (res.body as { code: string }).code;

function daysFromToday(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

void describe('admin API: accounts, entitlements, grants and the OpenAPI document', () => {
  let upstream: MockUpstream;
  let repogate: TestRepogate;
  let ownerToken: string;

  before(async () => {
    upstream = await startMockUpstream({ layout: 'composer2' });
    repogate = await startTestRepogate({ upstream, env: { REPOGATE_ADMIN_TOKEN: adminToken } });
    await defineStandardEntitlements(repogate.registry);
    await repogate.registry.accounts.create({ id: owner, name: 'Owner GmbH' }, testActor);
    await repogate.registry.accounts.setPassword(owner, 'owner password 720001', testActor);
    await repogate.registry.entitlements.grant(owner, 'open-source', null, testActor);
    const session = await request(repogate.adminUrl).post('/api/v1/session').send({ mageId: owner, password: 'owner password 720001' });
    ownerToken = (session.body as { token: string }).token;
  });
  after(async () => {
    await repogate.stop();
    await upstream.close();
  });

  const as = (token: string) => {
    const auth = `Bearer ${token}`;
    const base = repogate.adminUrl;
    return {
      get: (path: string) => request(base).get(`/api/v1${path}`).set('Authorization', auth),
      post: (path: string, body: object = {}) => request(base).post(`/api/v1${path}`).set('Authorization', auth).send(body),
      put: (path: string, body: object = {}) => request(base).put(`/api/v1${path}`).set('Authorization', auth).send(body),
      delete: (path: string) => request(base).delete(`/api/v1${path}`).set('Authorization', auth),
    };
  };

  void test('the operator creates, shows, suspends, resumes and deletes an account; the proxy follows', async () => {
    const api = as(adminToken);
    const created = await api.post('/accounts', { id: 'MAG720100', name: 'New Client Ltd', email: 'it@client.example' });
    assert.equal(created.status, 201);
    assert.equal(cliShapes.account.parse(created.body).status, 'active');
    assert.equal(codeOf(await api.post('/accounts', { id: 'MAG720100', name: 'Again' })), 'ALREADY_EXISTS');
    assert.equal((await api.post('/accounts', { id: 'MAG720100', name: 'Again' })).status, 409);
    assert.equal(codeOf(await api.post('/accounts', { id: 'mag-1', name: 'Bad' })), 'VALIDATION');
    assert.ok(cliShapes.account.array().parse((await api.get('/accounts')).body).some((a) => a.id === 'MAG720100'));

    await api.put('/accounts/MAG720100/grants/open-source', {});
    const key = await createTestKey(repogate.registry, { accountId: 'MAG720100' });
    await api.post('/accounts/MAG720100/downloads-token');
    const detail = accountDetailShape.parse((await api.get('/accounts/MAG720100')).body);
    assert.equal(detail.keys, 1);
    assert.ok(detail.downloadsToken !== null);

    const suspended = await api.post('/accounts/MAG720100/suspend', { reason: 'outstanding invoice' });
    assert.deepEqual([cliShapes.account.parse(suspended.body).status, cliShapes.account.parse(suspended.body).suspensionReason], ['suspended', 'outstanding invoice']);
    const refused = await fetch(`${repogate.url}/packages.json`, { headers: { authorization: key.authorization } });
    assert.equal(refused.status, 403);
    assert.equal(((await refused.json()) as { code: string }).code, 'ACCOUNT_SUSPENDED');
    assert.equal(cliShapes.account.parse((await api.post('/accounts/MAG720100/resume')).body).status, 'active');
    assert.equal((await fetch(`${repogate.url}/packages.json`, { headers: { authorization: key.authorization } })).status, 200);

    assert.equal(codeOf(await api.put('/accounts/MAG720100/password', { password: 'short' })), 'VALIDATION');
    assert.deepEqual((await api.put('/accounts/MAG720100/password', { password: 'a long enough password' })).body, { account: 'MAG720100', passwordSet: true });
    assert.equal((await request(repogate.adminUrl).post('/api/v1/session').send({ mageId: 'MAG720100', password: 'a long enough password' })).status, 201);

    assert.deepEqual((await api.delete('/accounts/MAG720100')).body, { account: 'MAG720100', deleted: true, keysDeleted: 1 });
    assert.equal((await fetch(`${repogate.url}/packages.json`, { headers: { authorization: key.authorization } })).status, 401);
    assert.equal(codeOf(await api.get('/accounts/MAG720100')), 'NOT_FOUND');
    const actors = (await repogate.registry.audit.list({ accountId: 'MAG720100' })).filter((e) => e.action.startsWith('account.')).map((e) => e.actor);
    assert.ok(actors.length >= 5 && actors.every((a) => a.type === 'operator' && a.id === 'admin-token'));
  });

  void test('entitlements and grants: define, list, grant with an expiry (state and days left), revoke', async () => {
    const api = as(adminToken);
    const defined = await api.put('/entitlements/hyva', { rules: ['hyva-themes/*', '!hyva-themes/internal'] });
    assert.deepEqual(cliShapes.entitlement.parse(defined.body).rules, ['hyva-themes/*', '!hyva-themes/internal']);
    assert.ok(cliShapes.entitlement.array().parse((await api.get('/entitlements')).body).some((e) => e.name === 'hyva'));
    assert.equal(codeOf(await api.put('/entitlements/hyva', { rules: [] })), 'VALIDATION');
    assert.equal(codeOf(await api.put('/entitlements/hyva', { rules: ['no spaces allowed'] })), 'VALIDATION');

    const soon = await api.put(`/accounts/${owner}/grants/hyva`, { expiresOn: daysFromToday(10) });
    assert.equal(soon.status, 200);
    assert.deepEqual([(soon.body as { state: string }).state, (soon.body as { daysLeft: number }).daysLeft], ['expiring', 10]);
    const past = await api.put(`/accounts/${owner}/grants/marketplace`, { expiresOn: daysFromToday(-1) });
    assert.equal((past.body as { state: string }).state, 'expired');
    const grants = (await as(ownerToken).get(`/accounts/${owner}/grants`)).body as Array<{ entitlement: string; state: string }>;
    assert.deepEqual(grants.map((g) => `${g.entitlement}:${g.state}`), ['hyva:expiring', 'marketplace:expired', 'open-source:active']);

    assert.deepEqual((await api.delete(`/accounts/${owner}/grants/hyva`)).body, { account: owner, entitlement: 'hyva', revoked: true });
    assert.equal(codeOf(await api.delete(`/accounts/${owner}/grants/hyva`)), 'NOT_FOUND');
    assert.equal(codeOf(await api.put(`/accounts/${owner}/grants/nothing-like-this`, {})), 'NOT_FOUND');
    assert.equal(codeOf(await api.put(`/accounts/${owner}/grants/open-source`, { expiresOn: 'tomorrow' })), 'VALIDATION');
  });

  void test('an owner reads their own account; operator-only changes are FORBIDDEN, other accounts NOT_FOUND', async () => {
    const api = as(ownerToken);
    assert.deepEqual(cliShapes.account.array().parse((await api.get('/accounts')).body).map((a) => a.id), [owner]);
    const detail = accountDetailShape.parse((await api.get(`/accounts/${owner}`)).body);
    assert.equal(detail.id, owner);
    assert.ok(Array.isArray((await api.get(`/accounts/${owner}/audit`)).body));

    const forbidden = await Promise.all([
      api.post('/accounts', { id: 'MAG720999', name: 'Mine now' }),
      api.post(`/accounts/${owner}/suspend`, { reason: 'self' }),
      api.post(`/accounts/${owner}/resume`),
      api.put(`/accounts/${owner}/password`, { password: 'a new long password' }),
      api.delete(`/accounts/${owner}`),
      api.get('/entitlements'),
      api.put('/entitlements/everything-for-me', { rules: ['*/*'] }),
      api.put(`/accounts/${owner}/grants/everything`, {}),
      api.delete(`/accounts/${owner}/grants/open-source`),
    ]);
    forbidden.forEach((res, i) => {
      assert.equal(res.status, 403, `request ${i}: ${res.text}`);
      assert.equal(codeOf(res), 'FORBIDDEN');
    });
    await repogate.registry.accounts.create({ id: 'MAG720002', name: 'Neighbour' }, testActor);
    const hidden = await Promise.all([
      api.get('/accounts/MAG720002'),
      api.get('/accounts/MAG720002/grants'),
      api.get('/accounts/MAG720002/audit'),
      api.post('/accounts/MAG720002/suspend', { reason: 'x' }),
      api.delete('/accounts/MAG720002'),
    ]);
    hidden.forEach((res, i) => {
      assert.equal(res.status, 404, `request ${i}: ${res.text}`);
      assert.equal(codeOf(res), 'NOT_FOUND');
    });
    assert.ok(await repogate.registry.accounts.find('MAG720002'));
  });

  void test('the same refusal as the CLI: codes match for a malformed MAGEID and an unknown key', async () => {
    const api = as(adminToken);
    const cases: Array<[string[], () => request.Test]> = [
      [['accounts', 'show', 'MAGXYZ'], () => api.get('/accounts/MAGXYZ')],
      [['keys', 'disable', '0123456789abcdef0123456789abcdef'], () => api.post('/keys/0123456789abcdef0123456789abcdef/disable')],
      [['accounts', 'suspend', 'MAG999999', '--reason', 'x'], () => api.post('/accounts/MAG999999/suspend', { reason: 'x' })],
    ];
    for (const [args, call] of cases) {
      const cli = await runCli([...args, '--json'], { dataDir: repogate.dataDir });
      const cliCode = cliShapes.error.parse(JSON.parse(cli.stderr)).error.code;
      assert.equal(codeOf(await call()), cliCode, args.join(' '));
    }
  });

  void test('GET /api/v1/openapi.json describes every route, and every described route exists', async () => {
    const res = await request(repogate.adminUrl).get('/api/v1/openapi.json');
    assert.equal(res.status, 200);
    const document = JSON.parse(res.text) as {
      openapi: string;
      paths: Record<string, Record<string, { operationId: string; responses: Record<string, unknown>; requestBody?: unknown }>>;
      components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown> };
    };
    assert.equal(document.openapi, '3.1.0');
    assert.deepEqual(Object.keys(document.components.securitySchemes).sort(), ['bearer', 'sessionCookie']);
    const operations = Object.entries(document.paths).flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ path, method, op })));
    assert.equal(operations.length, apiOperations.length);
    assert.equal(new Set(operations.map((o) => o.op.operationId)).size, operations.length, 'operation ids are unique');
    for (const { path, method, op } of operations) {
      for (const status of Object.keys(op.responses)) assert.match(status, /^[1-5]\d\d$/, `${method} ${path}`);
      const body = op.requestBody as { content: { 'application/json': { schema: { $ref: string } } } } | undefined;
      if (body) assert.ok(document.components.schemas[body.content['application/json'].schema.$ref.split('/').pop()!], `${method} ${path} body schema`);
    }
    assert.deepEqual(document.components.schemas['CreateKey'], {
      type: 'object',
      properties: {
        name: { type: 'string', maxLength: 200 },
        scope: { type: 'array', items: { type: 'string', maxLength: 200 }, maxItems: 100 },
        expiresOn: { type: 'string', maxLength: 10 },
        cidrs: { type: 'array', items: { type: 'string', maxLength: 64 }, maxItems: 100 },
      },
      required: ['name'],
      additionalProperties: false,
    });

    // Each documented route is served (placeholders name things that don't exist: the answer comes from the route, not "no such API route").
    const placeholders: Record<string, string> = { id: 'MAG799999999', publicKey: '0123456789abcdef0123456789abcdef', name: 'placeholder-entitlement', entitlement: 'placeholder-entitlement' };
    for (const { path, method } of operations) {
      if (method === 'put' && path === '/entitlements/{name}') continue; // would define one
      const url = `/api/v1${path.replace(/\{(\w+)\}/g, (_m, name: string) => placeholders[name] ?? name)}`;
      const res = await request(repogate.adminUrl)[method as 'get' | 'post' | 'put' | 'patch' | 'delete'](url).set('Authorization', `Bearer ${adminToken}`).send({});
      assert.ok(!res.text.includes('no such API route'), `${method.toUpperCase()} ${path} is served: ${res.text}`);
    }
  });
});
