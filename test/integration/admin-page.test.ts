import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream/index.js';
import { basic, createTestKey, defineStandardEntitlements, startTestRepogate, testActor, type TestKey, type TestRepogate } from '../helpers/repogate.js';

const adminToken = 'operator-token-for-page-tests-0123456789';
const owner = 'MAG730001';
const neighbour = 'MAG730002';
const password = 'owner password 730001';

type Agent = ReturnType<typeof request.agent>;

const csrfOf = (html: string): string => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
const onceOf = (html: string): string => /name="once" value="([^"]+)"/.exec(html)?.[1] ?? '';
const cookiesOf = (res: request.Response): string[] => {
  const header = res.headers['set-cookie'] as string[] | string | undefined;
  return header === undefined ? [] : Array.isArray(header) ? header : [header];
};

void describe('the Access Keys page over HTTP (forms, sessions, CSRF, refusals)', () => {
  let upstream: MockUpstream;
  let repogate: TestRepogate;
  let neighbourKey: TestKey;

  before(async () => {
    upstream = await startMockUpstream({ layout: 'composer2' });
    repogate = await startTestRepogate({ upstream, env: { REPOGATE_ADMIN_TOKEN: adminToken } });
    await defineStandardEntitlements(repogate.registry);
    await repogate.registry.accounts.create({ id: owner, name: 'Page Owner Ltd' }, testActor);
    await repogate.registry.accounts.setPassword(owner, password, testActor);
    await repogate.registry.entitlements.grant(owner, 'open-source', null, testActor);
    neighbourKey = await createTestKey(repogate.registry, { accountId: neighbour, keyName: 'neighbour ci' });
  });
  after(async () => {
    await repogate.stop();
    await upstream.close();
  });

  /** A browser-like client signed in as the owner; returns it with the page's CSRF token. */
  async function signedIn(): Promise<{ agent: Agent; csrf: string; page: string }> {
    const agent = request.agent(repogate.adminUrl);
    const form = await agent.get('/sign-in');
    const res = await agent.post('/sign-in').type('form').send({ _csrf: csrfOf(form.text), mageid: owner, password });
    assert.equal(res.status, 303, res.text);
    const page = await agent.get(`/accounts/${owner}/access-keys`);
    assert.equal(page.status, 200);
    return { agent, csrf: csrfOf(page.text), page: page.text };
  }

  void test('signed out, every page leads to the sign-in form, which has a CSRF token and an HttpOnly SameSite cookie', async () => {
    const home = await request(repogate.adminUrl).get('/');
    assert.equal(home.status, 303);
    assert.equal(home.headers['location'], '/sign-in');
    const deep = await request(repogate.adminUrl).get(`/accounts/${owner}/access-keys`);
    assert.equal(deep.headers['location'], `/sign-in?next=${encodeURIComponent(`/accounts/${owner}/access-keys`)}`);

    const form = await request(repogate.adminUrl).get('/sign-in');
    assert.equal(form.status, 200);
    assert.match(form.headers['content-type'] as string, /^text\/html/);
    assert.match(form.text, /<label for="mageid">MAGEID<\/label>/);
    assert.match(form.text, /<label for="password">Password<\/label>/);
    assert.match(form.text, /<label for="admin-token">Admin token<\/label>/);
    assert.match(form.text, />Sign in<\/button>/);
    assert.ok(csrfOf(form.text).length > 20);
    const [seed] = cookiesOf(form);
    assert.match(seed ?? '', /^repogate_csrf=[\w-]+; Max-Age=86400; Path=\/; HttpOnly; SameSite=Lax$/);
    assert.equal(form.headers['cache-control'], 'no-store');
    assert.match(form.headers['content-security-policy'] as string, /script-src 'self'; style-src 'self'/);
    assert.equal(form.headers['x-frame-options'], 'DENY');

    const overTls = await request(repogate.adminUrl).get('/sign-in').set('X-Forwarded-Proto', 'https');
    assert.match(cookiesOf(overTls)[0] ?? '', /; Secure/);
  });

  void test('signing in: CSRF required, a wrong password says only "Wrong MAGEID or password", success sets the session cookie', async () => {
    const agent = request.agent(repogate.adminUrl);
    const csrf = csrfOf((await agent.get('/sign-in')).text);
    const forged = await agent.post('/sign-in').type('form').send({ mageid: owner, password });
    assert.equal(forged.status, 403, 'no CSRF token, no session');
    assert.ok(!cookiesOf(forged).some((c) => c.startsWith('repogate_session=')));

    for (const [mageid, pass] of [[owner, 'wrong password'], ['MAG739999', password]] as const) {
      const wrong = await agent.post('/sign-in').type('form').send({ _csrf: csrf, mageid, password: pass });
      assert.equal(wrong.status, 401);
      assert.match(wrong.text, /Wrong MAGEID or password\./);
      assert.ok(!cookiesOf(wrong).some((c) => c.startsWith('repogate_session=')));
      assert.ok(wrong.text.includes(`value="${mageid}"`), 'the MAGEID is kept in the form');
    }

    const ok = await agent.post('/sign-in').type('form').send({ _csrf: csrf, mageid: owner.toLowerCase(), password });
    assert.equal(ok.status, 303);
    assert.equal(ok.headers['location'], `/accounts/${owner}/access-keys`);
    const session = cookiesOf(ok).find((c) => c.startsWith('repogate_session='));
    assert.match(session ?? '', /; Max-Age=28800; Path=\/; HttpOnly; SameSite=Lax$/);
    assert.ok(!repogate.logs.some((line) => line.includes(password)), 'the password is never logged');
  });

  void test('sign-in attempts are rate-limited: the sixth try for one MAGEID is 429 with Retry-After', async () => {
    await repogate.registry.accounts.create({ id: 'MAG730050', name: 'Target' }, testActor);
    await repogate.registry.accounts.setPassword('MAG730050', 'target password 50', testActor);
    const agent = request.agent(repogate.adminUrl);
    const csrf = csrfOf((await agent.get('/sign-in')).text);
    for (let i = 0; i < 5; i++) {
      assert.equal((await agent.post('/sign-in').type('form').send({ _csrf: csrf, mageid: 'MAG730050', password: `guess ${i}` })).status, 401);
    }
    const blocked = await agent.post('/sign-in').type('form').send({ _csrf: csrf, mageid: 'MAG730050', password: 'target password 50' });
    assert.equal(blocked.status, 429);
    assert.ok(Number(blocked.headers['retry-after']) > 0);
    assert.match(blocked.text, /Too many failed sign-in attempts: try again in \d+ (seconds|minutes)/);
  });

  void test('the page shows the MAGEID, the keys, the grants; creating a key shows the private key once, and never again', async () => {
    const { agent, csrf, page } = await signedIn();
    assert.match(page, /<span class="mageid">MAG730001<\/span>/);
    assert.match(page, /aria-current="page">Access Keys</);
    assert.match(page, />Create a New Access Key</);
    assert.match(page, />Downloads Access Token</);
    assert.match(page, />Generate new token</);
    assert.match(page, /<code>open-source<\/code>/);

    const created = await agent.post(`/accounts/${owner}/keys`).type('form').send({ _csrf: csrf, once: onceOf(page), name: 'dev <b>one</b>' });
    assert.equal(created.status, 200);
    assert.equal(created.headers['cache-control'], 'no-store');
    const publicKey = /id="issued-public-key" value="([0-9a-f]{32})"/.exec(created.text)?.[1] ?? '';
    const privateKey = /id="issued-private-key" value="([0-9a-f]{32})"/.exec(created.text)?.[1] ?? '';
    assert.ok(publicKey && privateKey, 'the pair is shown');
    assert.ok(created.text.includes('dev &lt;b&gt;one&lt;/b&gt;') && !created.text.includes('<b>one</b>'), 'names are escaped');
    assert.match(created.text, /&quot;username&quot;: &quot;[0-9a-f]{32}&quot;/, 'the auth.json snippet');
    assert.equal((await fetch(`${repogate.url}/packages.json`, { headers: { authorization: basic(publicKey, privateKey) } })).status, 200);

    const again = await agent.get(`/accounts/${owner}/access-keys`);
    assert.ok(again.text.includes(publicKey));
    assert.ok(!again.text.includes(privateKey), 'the private key is shown only once');

    const replay = await agent.post(`/accounts/${owner}/keys`).type('form').send({ _csrf: csrf, once: onceOf(page), name: 'dev <b>one</b>' });
    assert.equal(replay.status, 303, 'sending the same form again issues nothing');
    assert.equal(replay.headers['location'], `/accounts/${owner}/access-keys?done=already`);
    assert.equal((await repogate.registry.keys.list(owner)).filter((k) => k.name === 'dev <b>one</b>').length, 1);

    const empty = await agent.post(`/accounts/${owner}/keys`).type('form').send({ _csrf: csrf, name: '   ' });
    assert.equal(empty.status, 400);
    assert.match(empty.text, /Key name must not be empty/);
  });

  void test('every form needs the CSRF token of this session: missing or foreign tokens change nothing', async () => {
    const { agent, page } = await signedIn();
    const other = await signedIn();
    const key = (await repogate.registry.keys.create(owner, 'csrf target', {}, testActor)).key;
    const attempts = [
      agent.post(`/accounts/${owner}/keys`).type('form').send({ name: 'planted' }),
      agent.post(`/accounts/${owner}/keys`).type('form').send({ _csrf: other.csrf, once: onceOf(page), name: 'planted' }),
      agent.post(`/accounts/${owner}/keys/${key.publicKey}/disable`).type('form').send({}),
      agent.post(`/accounts/${owner}/keys/${key.publicKey}/delete`).type('form').send({ confirm: 'yes' }),
      agent.post(`/accounts/${owner}/downloads-token`).type('form').send({}),
      agent.post('/sign-out').type('form').send({}),
    ];
    for (const [i, res] of (await Promise.all(attempts)).entries()) {
      assert.equal(res.status, 403, `attempt ${i}`);
      assert.match(res.text, /This form has expired/);
    }
    assert.ok(!(await repogate.registry.keys.list(owner)).some((k) => k.name === 'planted'));
    assert.equal((await repogate.registry.keys.get(key.publicKey)).status, 'enabled');
    assert.equal(await repogate.registry.tokens.find(owner), undefined);
    assert.equal((await agent.get(`/accounts/${owner}/access-keys`)).status, 200, 'still signed in');
  });

  void test('disable, enable, rename, then delete only after confirming; each redirects back with a notice', async () => {
    const { agent, csrf } = await signedIn();
    const { key } = await repogate.registry.keys.create(owner, 'to be deleted', {}, testActor);
    const base = `/accounts/${owner}/keys/${key.publicKey}`;

    const disabled = await agent.post(`${base}/disable`).type('form').send({ _csrf: csrf });
    assert.equal(disabled.status, 303);
    assert.equal(disabled.headers['location'], `/accounts/${owner}/access-keys?done=disabled&key=${key.publicKey}`);
    assert.match((await agent.get(disabled.headers['location'] as string)).text, /Key “to be deleted” is disabled/);
    assert.equal((await repogate.registry.keys.get(key.publicKey)).status, 'disabled');
    await agent.post(`${base}/enable`).type('form').send({ _csrf: csrf });
    assert.equal((await repogate.registry.keys.get(key.publicKey)).status, 'enabled');
    assert.equal((await agent.post(`${base}/rename`).type('form').send({ _csrf: csrf, name: 'renamed key' })).status, 303);
    assert.equal((await repogate.registry.keys.get(key.publicKey)).name, 'renamed key');

    const unconfirmed = await agent.post(`${base}/delete`).type('form').send({ _csrf: csrf });
    assert.equal(unconfirmed.status, 303);
    assert.equal(unconfirmed.headers['location'], `${base}/confirm-delete`);
    const confirmation = await agent.get(`${base}/confirm-delete`);
    assert.match(confirmation.text, /Delete key “renamed key”\?/);
    assert.ok(await repogate.registry.keys.find(key.publicKey), 'not deleted without confirmation');
    const deleted = await agent.post(`${base}/delete`).type('form').send({ _csrf: csrfOf(confirmation.text), confirm: 'yes' });
    assert.equal(deleted.status, 303);
    assert.equal(deleted.headers['location'], `/accounts/${owner}/access-keys?done=deleted&name=renamed+key`);
    assert.equal(await repogate.registry.keys.find(key.publicKey), undefined);
    const actors = (await repogate.registry.audit.list({ accountId: owner, publicKey: key.publicKey })).filter((e) => e.actor.type === 'account');
    assert.deepEqual(actors.map((e) => e.action).reverse(), ['key.disabled', 'key.enabled', 'key.renamed', 'key.deleted']);
  });

  void test('disabling a disabled key from a stale page changes nothing, records nothing, and says so', async () => {
    const { agent, csrf } = await signedIn();
    const { key } = await repogate.registry.keys.create(owner, 'stale tab', {}, testActor);
    const base = `/accounts/${owner}/keys/${key.publicKey}`;
    assert.equal((await agent.post(`${base}/disable`).type('form').send({ _csrf: csrf })).status, 303);
    const again = await agent.post(`${base}/disable`).type('form').send({ _csrf: csrf });
    assert.equal(again.headers['location'], `/accounts/${owner}/access-keys?done=already-disabled&key=${key.publicKey}`);
    assert.match((await agent.get(again.headers['location'] as string)).text, /Key “stale tab” is already disabled: nothing changed\./);
    await agent.post(`${base}/enable`).type('form').send({ _csrf: csrf });
    const enabledAgain = await agent.post(`${base}/enable`).type('form').send({ _csrf: csrf });
    assert.match((await agent.get(enabledAgain.headers['location'] as string)).text, /Key “stale tab” is already enabled: nothing changed\./);
    const trail = await repogate.registry.audit.list({ publicKey: key.publicKey });
    assert.deepEqual(trail.map((e) => e.action), ['key.enabled', 'key.disabled', 'key.created']);
  });

  void test('the create form takes an optional last day, and refuses one already past', async () => {
    const { agent, csrf, page } = await signedIn();
    assert.match(page, /<label for="key-expires">Last day \(optional\)<\/label><input type="date" id="key-expires" name="expires" min="\d{4}-\d{2}-\d{2}"/);
    const refused = await agent.post(`/accounts/${owner}/keys`).type('form').send({ _csrf: csrf, once: onceOf(page), name: 'yesterday’s key', expires: '2020-01-31' });
    assert.equal(refused.status, 400);
    assert.match(refused.text, /Expiry date 2020-01-31 is in the past/);
    assert.match(refused.text, /id="key-expires" name="expires" min="[^"]+" value="2020-01-31"/, 'the form keeps what was typed');
    assert.ok(!(await repogate.registry.keys.list(owner)).some((k) => k.name === 'yesterday’s key'), 'nothing was created');

    const later = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    const fresh = await agent.get(`/accounts/${owner}/access-keys`);
    const created = await agent.post(`/accounts/${owner}/keys`).type('form').send({ _csrf: csrf, once: onceOf(fresh.text), name: 'month key', expires: later });
    assert.equal(created.status, 200);
    assert.equal((await repogate.registry.keys.list(owner)).find((k) => k.name === 'month key')?.expiresOn, later);
  });

  void test('another account is not found: its page, its keys and its token, whatever the URL says', async () => {
    const { agent, csrf } = await signedIn();
    const attempts = [
      agent.get(`/accounts/${neighbour}/access-keys`),
      agent.get(`/accounts/${neighbour}/activity`),
      agent.get(`/accounts/${neighbour}/keys/${neighbourKey.publicKey}/confirm-delete`),
      agent.get(`/accounts/${owner}/keys/${neighbourKey.publicKey}/confirm-delete`),
      agent.post(`/accounts/${owner}/keys/${neighbourKey.publicKey}/disable`).type('form').send({ _csrf: csrf }),
      agent.post(`/accounts/${neighbour}/keys/${neighbourKey.publicKey}/delete`).type('form').send({ _csrf: csrf, confirm: 'yes' }),
      agent.post(`/accounts/${neighbour}/keys`).type('form').send({ _csrf: csrf, name: 'planted' }),
      agent.post(`/accounts/${neighbour}/downloads-token`).type('form').send({ _csrf: csrf }),
    ];
    for (const [i, res] of (await Promise.all(attempts)).entries()) {
      assert.equal(res.status, 404, `attempt ${i}: ${res.text.slice(0, 200)}`);
      assert.match(res.text, /Not found/);
    }
    const key = await repogate.registry.keys.get(neighbourKey.publicKey);
    assert.equal(key.status, 'enabled');
    assert.equal((await repogate.registry.keys.list(neighbour)).length, 1);
    assert.equal(await repogate.registry.tokens.find(neighbour), undefined);
  });

  void test('a suspended account still signs in and sees why; expired and expiring grants are warned about', async () => {
    await repogate.registry.accounts.create({ id: 'MAG730060', name: 'Late Payer' }, testActor);
    await repogate.registry.accounts.setPassword('MAG730060', 'late payer password', testActor);
    await repogate.registry.entitlements.grant('MAG730060', 'open-source', new Date(Date.now() + 5 * 86_400_000).toISOString().slice(0, 10), testActor);
    await repogate.registry.entitlements.grant('MAG730060', 'commerce', '2020-01-31', testActor);
    await repogate.registry.accounts.suspend('MAG730060', 'outstanding invoice <INV-42>', testActor);
    const agent = request.agent(repogate.adminUrl);
    const csrf = csrfOf((await agent.get('/sign-in')).text);
    assert.equal((await agent.post('/sign-in').type('form').send({ _csrf: csrf, mageid: 'MAG730060', password: 'late payer password' })).status, 303);
    const page = (await agent.get('/accounts/MAG730060/access-keys')).text;
    assert.match(page, /This account is suspended: outstanding invoice &lt;INV-42&gt;/);
    assert.match(page, /“commerce” expired on 2020-01-31/);
    assert.match(page, /“open-source” expires on \d{4}-\d{2}-\d{2}, in 5 days/);
  });

  void test('the downloads access token is shown once, in the answer to the form', async () => {
    const { agent, page } = await signedIn();
    const res = await agent.post(`/accounts/${owner}/downloads-token`).type('form').send({ _csrf: csrfOf(page), once: onceOf(page.slice(page.indexOf('downloads-token'))) });
    assert.equal(res.status, 200);
    const token = /id="issued-token-value" value="([0-9a-f]+)"/.exec(res.text)?.[1] ?? '';
    assert.ok(await repogate.registry.tokens.verify(owner, token));
    assert.ok(res.text.includes(`value="${owner}:${token}"`));
    assert.ok(!(await agent.get(`/accounts/${owner}/access-keys`)).text.includes(token));
  });

  void test('the operator signs in with the admin token, lists and switches accounts; signing out ends the session', async () => {
    const agent = request.agent(repogate.adminUrl);
    const csrf = csrfOf((await agent.get('/sign-in')).text);
    const wrong = await agent.post('/sign-in/operator').type('form').send({ _csrf: csrf, token: 'not the token at all' });
    assert.equal(wrong.status, 401);
    assert.match(wrong.text, /Wrong admin token\./);
    const ok = await agent.post('/sign-in/operator').type('form').send({ _csrf: csrf, token: adminToken });
    assert.equal(ok.headers['location'], '/accounts');
    const session = cookiesOf(ok).find((c) => c.startsWith('repogate_session='))?.split(';')[0] ?? '';

    const list = await agent.get('/accounts');
    assert.ok(list.text.includes(`href="/accounts/${owner}/access-keys"`) && list.text.includes(`href="/accounts/${neighbour}/access-keys"`));
    const switched = await agent.get(`/accounts/switch?account=${neighbour.toLowerCase()}`);
    assert.equal(switched.headers['location'], `/accounts/${neighbour}/access-keys`);
    const page = await agent.get(`/accounts/${neighbour}/access-keys`);
    assert.ok(page.text.includes(neighbourKey.publicKey));
    assert.match(page.text, /<option value="MAG730002" selected>/);

    const out = await agent.post('/sign-out').type('form').send({ _csrf: csrfOf(page.text) });
    assert.equal(out.headers['location'], '/sign-in?signed-out=1');
    assert.match(cookiesOf(out).join('\n'), /repogate_session=; Max-Age=0/);
    const reused = await request(repogate.adminUrl).get('/accounts').set('Cookie', session);
    assert.equal(reused.status, 303, 'the old cookie no longer works here');
    const trail = (await repogate.registry.audit.list({ limit: 50 })).filter((e) => e.actor.type === 'operator').map((e) => e.action);
    assert.ok(trail.includes('session.signed_in') && trail.includes('session.signed_out'));
  });

  void test('the stylesheet and the script are served from memory with long-lived caching', async () => {
    const page = (await request(repogate.adminUrl).get('/sign-in')).text;
    const css = /href="(\/static\/page\.[0-9a-f]{12}\.css)"/.exec(page)?.[1] ?? '';
    const js = /src="(\/static\/page\.[0-9a-f]{12}\.js)"/.exec(page)?.[1] ?? '';
    for (const [path, type] of [[css, 'text/css'], [js, 'text/javascript']] as const) {
      const res = await request(repogate.adminUrl).get(path);
      assert.equal(res.status, 200, path);
      assert.match(res.headers['content-type'] as string, new RegExp(`^${type}`));
      assert.equal(res.headers['cache-control'], 'public, max-age=31536000, immutable');
      const etag = res.headers['etag'] as string;
      assert.equal((await request(repogate.adminUrl).get(path).set('If-None-Match', etag)).status, 304);
    }
  });
});
