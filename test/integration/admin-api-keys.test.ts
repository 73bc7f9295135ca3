import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { cliShapes } from '../helpers/cli.js';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream/index.js';
import { basic, createTestKey, defineStandardEntitlements, startTestRepogate, testActor, type TestKey, type TestRepogate } from '../helpers/repogate.js';

const adminToken = 'operator-token-for-key-tests-0123456789';
const alice = 'MAG710001';
const bob = 'MAG710002';
const unknownKey = '0123456789abcdef0123456789abcdef';

interface IssuedKey {
  readonly publicKey: string;
  readonly privateKey: string;
  readonly name: string;
  readonly account: string;
  readonly key: unknown;
}

const codeOf = (res: request.Response): string => (res.body as { code: string }).code;

void describe('admin API: access keys and the downloads access token', () => {
  let upstream: MockUpstream;
  let repogate: TestRepogate;
  let aliceToken: string;
  let bobKey: TestKey;

  before(async () => {
    upstream = await startMockUpstream({ layout: 'composer2' });
    repogate = await startTestRepogate({ upstream, env: { REPOGATE_ADMIN_TOKEN: adminToken } });
    const { registry } = repogate;
    await defineStandardEntitlements(registry);
    for (const [id, name] of [[alice, 'Alice Agency'], [bob, 'Bob Builders']] as const) {
      await registry.accounts.create({ id, name }, testActor);
      await registry.accounts.setPassword(id, `${id} password`, testActor);
      await registry.entitlements.grant(id, 'open-source', null, testActor);
    }
    bobKey = await createTestKey(registry, { accountId: bob, keyName: 'bob laptop' });
    const session = await request(repogate.adminUrl).post('/api/v1/session').send({ mageId: alice, password: `${alice} password` });
    aliceToken = (session.body as { token: string }).token;
  });
  after(async () => {
    await repogate.stop();
    await upstream.close();
  });

  const asAlice = () => ({
    get: (path: string) => request(repogate.adminUrl).get(`/api/v1${path}`).set('Authorization', `Bearer ${aliceToken}`),
    post: (path: string, body: object = {}) => request(repogate.adminUrl).post(`/api/v1${path}`).set('Authorization', `Bearer ${aliceToken}`).send(body),
    patch: (path: string, body: object) => request(repogate.adminUrl).patch(`/api/v1${path}`).set('Authorization', `Bearer ${aliceToken}`).send(body),
    delete: (path: string) => request(repogate.adminUrl).delete(`/api/v1${path}`).set('Authorization', `Bearer ${aliceToken}`),
  });
  const asOperator = () => ({
    get: (path: string) => request(repogate.adminUrl).get(`/api/v1${path}`).set('Authorization', `Bearer ${adminToken}`),
    post: (path: string, body: object = {}) => request(repogate.adminUrl).post(`/api/v1${path}`).set('Authorization', `Bearer ${adminToken}`).send(body),
  });
  const proxyStatus = async (publicKey: string, privateKey: string): Promise<number> =>
    (await fetch(`${repogate.url}/packages.json`, { headers: { authorization: basic(publicKey, privateKey) } })).status;

  void test('an owner creates, lists, shows, renames, disables, enables, regenerates and deletes a key; the proxy follows each step', async () => {
    const api = asAlice();
    const created = await api.post(`/accounts/${alice}/keys`, { name: 'alice laptop' });
    assert.equal(created.status, 201);
    assert.equal(created.headers['cache-control'], 'no-store');
    const issued = created.body as IssuedKey;
    assert.deepEqual([issued.name, issued.account], ['alice laptop', alice]);
    cliShapes.issuedKey.parse({ publicKey: issued.publicKey, privateKey: issued.privateKey, name: issued.name, account: issued.account });
    cliShapes.key.parse(issued.key);
    assert.equal(await proxyStatus(issued.publicKey, issued.privateKey), 200);

    const list = await api.get(`/accounts/${alice}/keys`);
    assert.equal(list.status, 200);
    const keys = cliShapes.key.array().parse(list.body);
    assert.deepEqual(keys.map((k) => k.name), ['alice laptop']);
    assert.ok(!list.text.includes(issued.privateKey), 'the private key is never listed');
    assert.deepEqual(cliShapes.key.array().parse((await api.get('/keys')).body).map((k) => k.accountId), [alice], 'GET /keys: only her own');
    assert.equal(cliShapes.key.parse((await api.get(`/keys/${issued.publicKey}`)).body).status, 'enabled');

    const renamed = await api.patch(`/keys/${issued.publicKey}`, { name: 'alice desktop' });
    assert.equal(cliShapes.key.parse(renamed.body).name, 'alice desktop');

    const disabled = await api.post(`/keys/${issued.publicKey}/disable`);
    assert.equal(cliShapes.key.parse(disabled.body).status, 'disabled');
    assert.equal(await proxyStatus(issued.publicKey, issued.privateKey), 401);
    assert.equal(cliShapes.key.parse((await api.post(`/keys/${issued.publicKey}/enable`)).body).status, 'enabled');
    assert.equal(await proxyStatus(issued.publicKey, issued.privateKey), 200);

    const regenerated = await api.post(`/keys/${issued.publicKey}/regenerate`);
    assert.equal(regenerated.status, 200);
    const fresh = regenerated.body as IssuedKey;
    assert.equal(fresh.name, 'alice desktop');
    assert.notEqual(fresh.publicKey, issued.publicKey);
    assert.equal(await proxyStatus(issued.publicKey, issued.privateKey), 401, 'the old pair stops working at once');
    assert.equal(await proxyStatus(fresh.publicKey, fresh.privateKey), 200);

    const deleted = await api.delete(`/keys/${fresh.publicKey}`);
    assert.deepEqual(deleted.body, { publicKey: fresh.publicKey, deleted: true });
    assert.equal(await proxyStatus(fresh.publicKey, fresh.privateKey), 401);
    assert.equal((await api.get(`/keys/${fresh.publicKey}`)).status, 404);

    const trail = (await repogate.registry.audit.list({ accountId: alice })).filter((e) => e.publicKey === issued.publicKey || e.publicKey === fresh.publicKey);
    assert.deepEqual(
      trail.reverse().map((e) => `${e.actor.type}:${e.actor.id} ${e.action}`),
      ['created', 'renamed', 'disabled', 'enabled', 'regenerated', 'deleted'].map((a) => `account:${alice} key.${a}`),
    );
  });

  void test('another account’s key is NOT_FOUND for every route, exactly like a key that does not exist', async () => {
    const api = asAlice();
    const answers = await Promise.all([
      api.get(`/keys/${bobKey.publicKey}`),
      api.patch(`/keys/${bobKey.publicKey}`, { name: 'stolen' }),
      api.post(`/keys/${bobKey.publicKey}/disable`),
      api.post(`/keys/${bobKey.publicKey}/enable`),
      api.post(`/keys/${bobKey.publicKey}/regenerate`),
      api.delete(`/keys/${bobKey.publicKey}`),
      api.get(`/accounts/${bob}/keys`),
      api.post(`/accounts/${bob}/keys`, { name: 'planted' }),
      api.get(`/keys?account=${bob}`),
      api.get(`/accounts/${bob}/downloads-token`),
      api.post(`/accounts/${bob}/downloads-token`),
    ]);
    answers.forEach((res, i) => {
      assert.equal(res.status, 404, `request ${i}: ${res.text}`);
      assert.equal(codeOf(res), 'NOT_FOUND');
    });
    const missing = await api.get(`/keys/${unknownKey}`);
    assert.equal(answers[0]!.text, missing.text.replaceAll(unknownKey, bobKey.publicKey), 'same answer as for a key that does not exist');

    const key = await repogate.registry.keys.get(bobKey.publicKey);
    assert.deepEqual([key.name, key.status], ['bob laptop', 'enabled'], 'nothing changed');
    assert.equal(await proxyStatus(bobKey.publicKey, bobKey.privateKey), 200);
    assert.equal((await repogate.registry.keys.list(bob)).length, 1);
  });

  void test('the operator manages any account’s keys, recorded as operator/admin-token', async () => {
    const api = asOperator();
    const all = cliShapes.key.array().parse((await api.get('/keys')).body);
    assert.ok(all.some((k) => k.accountId === bob));
    assert.ok(cliShapes.key.array().parse((await api.get(`/keys?account=${bob}`)).body).every((k) => k.accountId === bob));
    const created = await api.post(`/accounts/${bob}/keys`, { name: 'bob ci', scope: ['magento/module-*'], expiresOn: '2099-12-31', cidrs: ['127.0.0.1'] });
    assert.equal(created.status, 201);
    const issued = created.body as IssuedKey;
    const key = cliShapes.key.parse(issued.key);
    assert.deepEqual([key.scope, key.expiresOn, key.cidrs], [['magento/module-*'], '2099-12-31', ['127.0.0.1/32']]);
    assert.equal(await proxyStatus(issued.publicKey, issued.privateKey), 200);
    await api.post(`/keys/${issued.publicKey}/disable`);
    const events = await repogate.registry.audit.list({ publicKey: issued.publicKey });
    assert.deepEqual(events.map((e) => [e.action, e.actor]), [
      ['key.disabled', { type: 'operator', id: 'admin-token' }],
      ['key.created', { type: 'operator', id: 'admin-token' }],
    ]);
  });

  void test('bad input gets the CLI’s codes: VALIDATION for names, keys, dates, rules and unknown fields; BAD_REQUEST for broken JSON', async () => {
    const api = asAlice();
    const cases: Array<[request.Test, string]> = [
      [api.post(`/accounts/${alice}/keys`, { name: '   ' }), 'VALIDATION'],
      [api.post(`/accounts/${alice}/keys`, {}), 'VALIDATION'],
      [api.post(`/accounts/${alice}/keys`, { name: 'x', admin: true }), 'VALIDATION'],
      [api.post(`/accounts/${alice}/keys`, { name: 'x', expiresOn: '2024-02-30' }), 'VALIDATION'],
      [api.post(`/accounts/${alice}/keys`, { name: 'x', scope: ['not a rule'] }), 'VALIDATION'],
      [api.post(`/accounts/${alice}/keys`, { name: 'x', cidrs: ['10.0.0.0/33'] }), 'VALIDATION'],
      [api.get('/keys/NOT-A-KEY'), 'VALIDATION'],
      [api.patch(`/keys/${unknownKey}`, { name: 'x' }), 'NOT_FOUND'],
      [request(repogate.adminUrl).post(`/api/v1/accounts/${alice}/keys`).set('Authorization', `Bearer ${aliceToken}`).set('Content-Type', 'application/json').send('{"name": '), 'BAD_REQUEST'],
    ];
    for (const [i, [pending, code]] of cases.entries()) {
      const res = await pending;
      assert.equal(codeOf(res), code, `case ${i}: ${res.text}`);
      assert.equal(res.status, code === 'NOT_FOUND' ? 404 : 400);
    }
    assert.equal((await repogate.registry.keys.list(alice)).length, 0, 'nothing was created');
  });

  void test('a key expiring on a day already past is refused with VALIDATION, like the CLI; today is accepted', async () => {
    const api = asAlice();
    const today = new Date().toISOString().slice(0, 10);
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const refused = await api.post(`/accounts/${alice}/keys`, { name: 'expired already', expiresOn: yesterday });
    assert.equal(refused.status, 400);
    assert.equal(codeOf(refused), 'VALIDATION');
    assert.match((refused.body as { warning: string }).warning, new RegExp(`^expiry date ${yesterday} is in the past`));
    assert.ok(!(await repogate.registry.keys.list(alice)).some((k) => k.name === 'expired already'), 'nothing was created');
    const created = await api.post(`/accounts/${alice}/keys`, { name: 'last day today', expiresOn: today });
    assert.equal(created.status, 201);
    await api.delete(`/keys/${(created.body as IssuedKey).publicKey}`);
  });

  void test('disabling a disabled key (or enabling an enabled one) is 200 with the key unchanged, and records nothing', async () => {
    const api = asAlice();
    const issued = (await api.post(`/accounts/${alice}/keys`, { name: 'twice' })).body as IssuedKey;
    const enabledAgain = await api.post(`/keys/${issued.publicKey}/enable`);
    assert.equal(enabledAgain.status, 200);
    assert.equal(cliShapes.key.parse(enabledAgain.body).status, 'enabled');
    const first = await api.post(`/keys/${issued.publicKey}/disable`);
    const second = await api.post(`/keys/${issued.publicKey}/disable`);
    assert.equal(second.status, 200);
    assert.deepEqual(second.body, first.body, 'the key as it is');
    const trail = await repogate.registry.audit.list({ publicKey: issued.publicKey });
    assert.deepEqual(trail.map((e) => e.action), ['key.disabled', 'key.created']);
    await api.delete(`/keys/${issued.publicKey}`);
  });

  void test('the downloads access token: generated, shown once, replaced by the next one', async () => {
    const api = asAlice();
    assert.deepEqual((await api.get(`/accounts/${alice}/downloads-token`)).body, { account: alice, exists: false, createdAt: null });
    const first = await api.post(`/accounts/${alice}/downloads-token`);
    assert.equal(first.status, 201);
    assert.equal(first.headers['cache-control'], 'no-store');
    const one = first.body as { account: string; token: string; credentials: string };
    assert.equal(one.credentials, `${alice}:${one.token}`);
    const two = (await api.post(`/accounts/${alice}/downloads-token`)).body as { token: string };
    assert.notEqual(one.token, two.token);
    assert.equal(await repogate.registry.tokens.verify(alice, one.token), false, 'the previous token stops working');
    assert.equal(await repogate.registry.tokens.verify(alice, two.token), true);
    const state = (await api.get(`/accounts/${alice}/downloads-token`)).body as { exists: boolean; createdAt: string };
    assert.equal(state.exists, true);
    assert.ok(!JSON.stringify(state).includes(two.token));
    const generated = (await repogate.registry.audit.list({ accountId: alice })).filter((e) => e.action === 'token.generated');
    assert.equal(generated.length, 2);
    assert.deepEqual(generated[0]?.actor, { type: 'account', id: alice });
  });
});
