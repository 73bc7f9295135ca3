import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { z } from 'zod';
import { cliShapes, readAllFiles } from '../helpers/cli.js';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream/index.js';
import { startTestRepogate, testActor, type TestRepogate } from '../helpers/repogate.js';

const adminToken = 'operator-token-for-source-tests-0123456789';
const owner = 'MAG730001';
const password = 'Api-Source-Passw0rd-Hidden';
const githubToken = 'ghp_ApiSourceTokenHidden0123456789';

const codeOf = (res: request.Response): string => (res.body as { code: string }).code;

void describe('admin API: sources', () => {
  let upstream: MockUpstream;
  let repogate: TestRepogate;
  let ownerToken: string;

  before(async () => {
    upstream = await startMockUpstream({ layout: 'composer2' });
    repogate = await startTestRepogate({
      upstream,
      env: { REPOGATE_ADMIN_TOKEN: adminToken, REPOGATE_SECRETS_KEY: 'api-test-secrets-key-of-at-least-32-chars' },
    });
    await repogate.registry.accounts.create({ id: owner, name: 'Owner GmbH' }, testActor);
    await repogate.registry.accounts.setPassword(owner, 'owner password 730001', testActor);
    const session = await request(repogate.adminUrl).post('/api/v1/session').send({ mageId: owner, password: 'owner password 730001' });
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

  void test('the operator adds, lists, shows and removes sources; secrets are never answered', async () => {
    const api = as(adminToken);
    const before = await repogate.registry.version();
    const added = await api.post('/sources', { name: 'private', url: 'https://private.example/composer/', username: 'alice', password, githubToken });
    assert.equal(added.status, 201, added.text);
    const source = cliShapes.source.parse(added.body);
    assert.deepEqual([source.url, source.username, source.hasPassword, source.hasGithubToken], ['https://private.example/composer', 'alice', true, true]);
    assert.ok((await repogate.registry.version()) > before);
    assert.equal((await api.post('/sources', { name: 'mirror', url: 'http://mirror.example' })).status, 201);

    const list = await api.get('/sources');
    assert.equal(list.status, 200);
    const listed = z.array(cliShapes.sourceListed).parse(list.body);
    assert.deepEqual(listed.map((s) => [s.name, s.origin]), [['default', 'environment'], ['mirror', 'registry'], ['private', 'registry']]);
    assert.equal(listed[0]!.url, upstream.url.replace(/\/$/, ''));
    assert.deepEqual(listed[0]!.accounts, [owner]);
    assert.equal(cliShapes.sourceListed.parse((await api.get('/sources/default')).body).origin, 'environment');
    assert.equal(cliShapes.sourceListed.parse((await api.get('/sources/private')).body).username, 'alice');
    assert.equal(codeOf(await api.get('/sources/nowhere')), 'NOT_FOUND');

    const set = await api.put(`/accounts/${owner}/sources`, { sources: ['private', 'default'] });
    assert.equal(set.status, 200, set.text);
    assert.deepEqual(cliShapes.account.parse(set.body).sources, ['private', 'default']);
    const accounts = cliShapes.account.array().parse((await api.get('/accounts')).body);
    assert.deepEqual(accounts.find((a) => a.id === owner)?.sources, ['private', 'default']);
    assert.deepEqual(((await api.get(`/accounts/${owner}`)).body as { sources: string[] }).sources, ['private', 'default']);
    assert.deepEqual(cliShapes.sourceListed.parse((await api.get('/sources/private')).body).accounts, [owner]);

    const refused = await api.delete('/sources/private');
    assert.equal(refused.status, 409);
    assert.equal(codeOf(refused), 'CONFLICT');
    assert.match((refused.body as { warning: string }).warning, new RegExp(owner));
    await api.put(`/accounts/${owner}/sources`, { sources: ['default'] });
    const removed = await api.delete('/sources/private');
    assert.equal(removed.status, 204);
    assert.equal(removed.text, '');
    assert.equal(codeOf(await api.get('/sources/private')), 'NOT_FOUND');

    for (const res of [list, added]) {
      for (const secret of [password, githubToken]) assert.ok(!res.text.includes(secret), `${secret} answered`);
    }
    const audit = await api.get('/audit?limit=50');
    assert.ok(!audit.text.includes(password) && !audit.text.includes(githubToken));
    for (const [path, bytes] of await readAllFiles(repogate.dataDir)) {
      assert.ok(!bytes.includes(Buffer.from(password)) && !bytes.includes(Buffer.from(githubToken)), `secret in ${path}`);
    }
  });

  void test('validation: 400s with a code, 409 for a repeat, and default is refused', async () => {
    const api = as(adminToken);
    const cases: Array<[object, string]> = [
      [{}, 'VALIDATION'],
      [{ name: 'x', url: 'https://x.example', extra: true }, 'VALIDATION'],
      [{ name: 'Not_Valid', url: 'https://x.example' }, 'VALIDATION'],
      [{ name: 'x', url: 'ftp://x.example' }, 'BAD_REQUEST'],
      [{ name: 'x', url: 'https://u:p@x.example' }, 'BAD_REQUEST'],
      [{ name: 'x', url: 'https://x.example/?q=1' }, 'BAD_REQUEST'],
      [{ name: 'x', url: 'https://x.example', password: 'no user' }, 'BAD_REQUEST'],
      [{ name: 'default', url: 'https://x.example' }, 'BAD_REQUEST'],
    ];
    for (const [body, code] of cases) {
      const res = await api.post('/sources', body);
      assert.equal(res.status, 400, `${JSON.stringify(body)}: ${res.text}`);
      assert.equal(codeOf(res), code, JSON.stringify(body));
    }
    assert.equal((await api.post('/sources', { name: 'twice', url: 'https://twice.example' })).status, 201);
    const again = await api.post('/sources', { name: 'twice', url: 'https://twice.example' });
    assert.deepEqual([again.status, codeOf(again)], [409, 'ALREADY_EXISTS']);
    assert.deepEqual([(await api.delete('/sources/default')).status, codeOf(await api.delete('/sources/default'))], [400, 'BAD_REQUEST']);

    for (const [body, code] of [
      [{ sources: [] }, 'VALIDATION'],
      [{ sources: ['default', 'default'] }, 'VALIDATION'],
      [{ sources: 'default' }, 'VALIDATION'],
      [{ sources: ['default', 'unknown-one'] }, 'NOT_FOUND'],
    ] as const) {
      assert.equal(codeOf(await api.put(`/accounts/${owner}/sources`, body)), code, JSON.stringify(body));
    }
    assert.equal(codeOf(await api.put('/accounts/MAG739999/sources', { sources: ['default'] })), 'NOT_FOUND');
  });

  void test('owners get 403 on every source route (another account: 404)', async () => {
    const api = as(ownerToken);
    const forbidden = await Promise.all([
      api.get('/sources'),
      api.post('/sources', { name: 'mine', url: 'https://mine.example' }),
      api.get('/sources/default'),
      api.delete('/sources/twice'),
      api.put(`/accounts/${owner}/sources`, { sources: ['default'] }),
    ]);
    forbidden.forEach((res, i) => {
      assert.equal(res.status, 403, `request ${i}: ${res.text}`);
      assert.equal(codeOf(res), 'FORBIDDEN');
    });
    assert.equal((await api.put('/accounts/MAG730002/sources', { sources: ['default'] })).status, 404);
    // The owner still sees the account's own sources.
    assert.deepEqual(((await api.get(`/accounts/${owner}`)).body as { sources: string[] }).sources, ['default']);
  });
});
