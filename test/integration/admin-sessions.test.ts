import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { runCli } from '../helpers/cli.js';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream/index.js';
import { defineStandardEntitlements, startTestRepogate, testActor, type TestRepogate } from '../helpers/repogate.js';

const adminToken = 'operator-token-for-session-tests-0123456789';

type Agent = ReturnType<typeof request.agent>;

const csrfOf = (html: string): string => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

/** Both kinds of session an owner can hold: a bearer token from POST /session and the page's cookie. */
interface Sessions {
  readonly token: string;
  readonly agent: Agent;
  /** The CSRF token of the signed-in page. */
  readonly csrf: string;
}

/**
 * An owner's sessions end when something about the account says they must: a new password, a
 * suspension, the account's deletion, or "sign out everywhere".
 */
void describe('sessions of an account end with its password, suspension, deletion, or sign out everywhere', () => {
  let upstream: MockUpstream;
  let repogate: TestRepogate;
  let accountNumber = 750_000;

  before(async () => {
    upstream = await startMockUpstream({ layout: 'composer2' });
    repogate = await startTestRepogate({ upstream, env: { REPOGATE_ADMIN_TOKEN: adminToken } });
    await defineStandardEntitlements(repogate.registry);
  });
  after(async () => {
    await repogate.stop();
    await upstream.close();
  });

  const operator = () => ({
    post: (path: string, body: object = {}) => request(repogate.adminUrl).post(`/api/v1${path}`).set('Authorization', `Bearer ${adminToken}`).send(body),
    put: (path: string, body: object) => request(repogate.adminUrl).put(`/api/v1${path}`).set('Authorization', `Bearer ${adminToken}`).send(body),
    delete: (path: string) => request(repogate.adminUrl).delete(`/api/v1${path}`).set('Authorization', `Bearer ${adminToken}`),
  });

  const newAccount = async (password: string): Promise<string> => {
    accountNumber += 1;
    const id = `MAG${accountNumber}`;
    await repogate.registry.accounts.create({ id, name: `Owner ${id}` }, testActor);
    await repogate.registry.accounts.setPassword(id, password, testActor);
    return id;
  };

  const signIn = async (id: string, password: string): Promise<Sessions> => {
    const api = await request(repogate.adminUrl).post('/api/v1/session').send({ mageId: id, password });
    assert.equal(api.status, 201, api.text);
    const agent = request.agent(repogate.adminUrl);
    const form = await agent.get('/sign-in');
    const signedIn = await agent.post('/sign-in').type('form').send({ _csrf: csrfOf(form.text), mageid: id, password });
    assert.equal(signedIn.status, 303, signedIn.text);
    const page = await agent.get(`/accounts/${id}/access-keys`);
    assert.equal(page.status, 200);
    return { token: (api.body as { token: string }).token, agent, csrf: csrfOf(page.text) };
  };

  /** "token cookie": the status of GET /api/v1/me with the token, and of the Access Keys page with the cookie. */
  const state = async (id: string, sessions: Sessions): Promise<string> => {
    const [api, page] = await Promise.all([
      request(repogate.adminUrl).get('/api/v1/me').set('Authorization', `Bearer ${sessions.token}`),
      sessions.agent.get(`/accounts/${id}/access-keys`),
    ]);
    return `${api.status} ${page.status}`;
  };
  const working = '200 200';
  // 401 for the token; the page sends a visitor without a session to the sign-in form.
  const ended = '401 303';

  void test('a new password set by `repogate accounts set-password` (another process) ends the account’s sessions at once, and no other account’s', async () => {
    const owner = await newAccount('first password 1');
    const bystander = await newAccount('bystander password');
    const [mine, theirs] = await Promise.all([signIn(owner, 'first password 1'), signIn(bystander, 'bystander password')]);
    assert.equal(await state(owner, mine), working);

    const cli = await runCli(['accounts', 'set-password', owner], { dataDir: repogate.dataDir, input: 'second password 2\n' });
    assert.equal(cli.code, 0, cli.stderr);

    assert.equal(await state(owner, mine), ended);
    assert.match(cli.stdout, /every session of its owner has ended/);
    assert.equal(await state(bystander, theirs), working, 'other accounts keep their sessions');
    const again = await signIn(owner, 'second password 2');
    assert.equal(await state(owner, again), working, 'the new password opens a new session');
  });

  void test('the operator setting the password through the API ends the sessions too', async () => {
    const owner = await newAccount('api password 11');
    const sessions = await signIn(owner, 'api password 11');
    assert.equal((await operator().put(`/accounts/${owner}/password`, { password: 'api password 22' })).status, 200);
    assert.equal(await state(owner, sessions), ended);
  });

  void test('suspending the account ends its sessions (its owner may sign in again and see why); deleting it ends them too', async () => {
    const owner = await newAccount('suspended password');
    const before = await signIn(owner, 'suspended password');
    assert.equal((await operator().post(`/accounts/${owner}/suspend`, { reason: 'outstanding invoice' })).status, 200);
    assert.equal(await state(owner, before), ended);

    const during = await signIn(owner, 'suspended password');
    assert.match((await during.agent.get(`/accounts/${owner}/access-keys`)).text, /This account is suspended: outstanding invoice/);
    assert.equal((await operator().post(`/accounts/${owner}/resume`)).status, 200);
    assert.equal(await state(owner, during), working, 'resuming does not end sessions');

    assert.equal((await operator().delete(`/accounts/${owner}`)).status, 200);
    assert.equal((await request(repogate.adminUrl).get('/api/v1/me').set('Authorization', `Bearer ${during.token}`)).status, 401);
    const page = await during.agent.get(`/accounts/${owner}/access-keys`);
    assert.equal(page.status, 303);
    assert.match(page.headers['location'] as string, /^\/sign-in/);
  });

  void test('a session from before a deletion does not come back when the MAGEID is created again', async () => {
    const owner = await newAccount('recycled password');
    const old = await signIn(owner, 'recycled password');
    await repogate.registry.accounts.delete(owner, testActor);
    await repogate.registry.accounts.create({ id: owner, name: 'Someone else' }, testActor);
    await repogate.registry.accounts.setPassword(owner, 'recycled password', testActor);
    assert.equal(await state(owner, old), ended);
  });

  void test('“Sign out everywhere” on the Access Keys page: needs its CSRF token, ends every session of the account, is audited', async () => {
    const owner = await newAccount('everywhere password');
    const [laptop, phone] = [await signIn(owner, 'everywhere password'), await signIn(owner, 'everywhere password')];
    const page = await laptop.agent.get(`/accounts/${owner}/access-keys`);
    assert.match(page.text, /<form method="post" action="\/accounts\/MAG\d+\/sign-out-everywhere"><input type="hidden" name="_csrf" value="[^"]+">\s*<button class="button" type="submit">Sign out everywhere<\/button>/);

    const forged = await laptop.agent.post(`/accounts/${owner}/sign-out-everywhere`).type('form').send({});
    assert.equal(forged.status, 403);
    const foreign = await laptop.agent.post(`/accounts/${owner}/sign-out-everywhere`).type('form').send({ _csrf: phone.csrf });
    assert.equal(foreign.status, 403, 'another session’s token does not do');
    assert.equal(await state(owner, phone), working, 'nothing ended without the right token');

    const out = await laptop.agent.post(`/accounts/${owner}/sign-out-everywhere`).type('form').send({ _csrf: laptop.csrf });
    assert.equal(out.status, 303);
    assert.equal(out.headers['location'], '/sign-in?signed-out=everywhere');
    assert.match(String(out.headers['set-cookie']), /repogate_session=; Max-Age=0/);
    assert.match((await request(repogate.adminUrl).get('/sign-in?signed-out=everywhere')).text, /You are signed out everywhere/);
    assert.equal(await state(owner, laptop), ended);
    assert.equal(await state(owner, phone), ended, 'the other device’s cookie and token end too');

    const events = await repogate.registry.audit.list({ accountId: owner });
    const event = events.find((e) => e.action === 'session.signed_out_everywhere');
    assert.deepEqual(event?.actor, { type: 'account', id: owner });
    assert.equal(event?.detail?.['via'], 'page');
  });

  void test('the operator signs an owner out everywhere from the page, and stays signed in', async () => {
    const owner = await newAccount('operator ends it');
    const sessions = await signIn(owner, 'operator ends it');
    const agent = request.agent(repogate.adminUrl);
    const csrf = csrfOf((await agent.get('/sign-in')).text);
    assert.equal((await agent.post('/sign-in/operator').type('form').send({ _csrf: csrf, token: adminToken })).status, 303);
    const page = await agent.get(`/accounts/${owner}/access-keys`);
    assert.match(page.text, /Ends every session of this account’s owner/);
    const out = await agent.post(`/accounts/${owner}/sign-out-everywhere`).type('form').send({ _csrf: csrfOf(page.text) });
    assert.equal(out.status, 303);
    assert.equal(out.headers['location'], `/accounts/${owner}/access-keys?done=signed-out-everywhere`);
    assert.match((await agent.get(out.headers['location'] as string)).text, /Every session of this account’s owner has ended/);
    assert.equal(await state(owner, sessions), ended);
  });

  void test('DELETE /api/v1/accounts/{id}/sessions: the owner ends its own sessions, the operator anyone’s, another owner gets NOT_FOUND', async () => {
    const owner = await newAccount('api everywhere 1');
    const neighbour = await newAccount('api everywhere 2');
    const [mine, theirs] = await Promise.all([signIn(owner, 'api everywhere 1'), signIn(neighbour, 'api everywhere 2')]);

    const probe = await request(repogate.adminUrl).delete(`/api/v1/accounts/${owner}/sessions`).set('Authorization', `Bearer ${theirs.token}`);
    assert.equal(probe.status, 404);
    assert.equal((probe.body as { code: string }).code, 'NOT_FOUND');
    assert.equal(await state(owner, mine), working);

    const own = await request(repogate.adminUrl).delete(`/api/v1/accounts/${owner}/sessions`).set('Authorization', `Bearer ${mine.token}`);
    assert.equal(own.status, 200);
    assert.deepEqual(own.body, { account: owner, sessionsEnded: true });
    assert.equal(await state(owner, mine), ended);

    const byOperator = await operator().delete(`/accounts/${neighbour}/sessions`);
    assert.deepEqual(byOperator.body, { account: neighbour, sessionsEnded: true });
    assert.equal(await state(neighbour, theirs), ended);
    const events = await repogate.registry.audit.list({ accountId: neighbour });
    const event = events.find((e) => e.action === 'session.signed_out_everywhere');
    assert.deepEqual([event?.actor, event?.detail?.['via']], [{ type: 'operator', id: 'admin-token' }, 'api']);
  });
});
