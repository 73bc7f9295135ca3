import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { parseRules, rulesAllow } from '../../src/registry/rules.js';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream/index.js';
import { basic, createTestKey, defineStandardEntitlements, startTestRepogate, testActor, type TestRepogate } from '../helpers/repogate.js';

const adminToken = 'operator-token-for-console-tests-0123456789';
const owner = 'MAG740001';
const ownerPassword = 'owner password 740001';

type Agent = ReturnType<typeof request.agent>;

const csrfOf = (html: string): string => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
const onceOf = (html: string): string => /name="once" value="([^"]+)"/.exec(html)?.[1] ?? '';
const codeOf = (html: string): string | undefined => /data-code="([A-Z_]+)"/.exec(html)?.[1];
const decoded = (html: string): string => html.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

function daysFromToday(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

void describe('the operator’s console over HTTP: every flow as form posts, without JavaScript', () => {
  let upstream: MockUpstream;
  let repogate: TestRepogate;

  before(async () => {
    upstream = await startMockUpstream({ layout: 'composer2' });
    repogate = await startTestRepogate({ upstream, env: { REPOGATE_ADMIN_TOKEN: adminToken } });
    await defineStandardEntitlements(repogate.registry);
    await repogate.registry.accounts.create({ id: owner, name: 'Owner Ltd' }, testActor);
    await repogate.registry.accounts.setPassword(owner, ownerPassword, testActor);
    await repogate.registry.entitlements.grant(owner, 'open-source', null, testActor);
  });
  after(async () => {
    await repogate.stop();
    await upstream.close();
  });

  /** A browser-like client signed in with the admin token, and the CSRF token of its session. */
  async function operator(): Promise<{ agent: Agent; csrf: string }> {
    const agent = request.agent(repogate.adminUrl);
    const form = await agent.get('/sign-in');
    const res = await agent.post('/sign-in/operator').type('form').send({ _csrf: csrfOf(form.text), token: adminToken });
    assert.equal(res.headers['location'], '/accounts');
    return { agent, csrf: csrfOf((await agent.get('/accounts')).text) };
  }

  async function ownerAgent(id = owner, password = ownerPassword): Promise<{ agent: Agent; csrf: string; status: number }> {
    const agent = request.agent(repogate.adminUrl);
    const form = await agent.get('/sign-in');
    const res = await agent.post('/sign-in').type('form').send({ _csrf: csrfOf(form.text), mageid: id, password });
    const page = await agent.get(`/accounts/${id}/access-keys`);
    return { agent, csrf: csrfOf(page.text), status: res.status };
  }

  void test('an owner never sees the operator’s sections and is refused them (403 FORBIDDEN), changing nothing', async () => {
    const { agent, csrf } = await ownerAgent();
    const page = await agent.get(`/accounts/${owner}/access-keys`);
    assert.ok(!page.text.includes('class="opsnav"'), 'no operator menu');
    assert.ok(!page.text.includes(`/accounts/${owner}/manage`), 'no Account tab');
    assert.equal((await agent.get('/accounts')).headers['location'], `/accounts/${owner}/access-keys`);
    for (const path of ['/entitlements', '/entitlements/new', '/keys', '/sources', '/activity', `/accounts/${owner}/manage`, `/accounts/${owner}/confirm-delete`]) {
      const res = await agent.get(path);
      assert.equal(res.status, 403, path);
      assert.equal(codeOf(res.text), 'FORBIDDEN', path);
    }
    const posts: Array<[string, Record<string, string>]> = [
      ['/accounts', { id: 'MAG740099', name: 'Sneaky' }],
      [`/accounts/${owner}/grants`, { entitlement: 'everything' }],
      [`/accounts/${owner}/resume`, {}],
      [`/accounts/${owner}/password`, { password: 'a new password 123' }],
      [`/accounts/${owner}/delete`, { confirm: 'yes' }],
      ['/entitlements', { mode: 'new', name: 'mine', rules: '*/*', intent: 'save', previewed: '*/*' }],
      ['/entitlements/everything/delete', {}],
    ];
    for (const [path, body] of posts) {
      const res = await agent.post(path).type('form').send({ _csrf: csrf, ...body });
      assert.equal(res.status, 403, path);
      assert.equal(codeOf(res.text), 'FORBIDDEN', path);
    }
    assert.equal(await repogate.registry.accounts.find('MAG740099'), undefined);
    assert.deepEqual((await repogate.registry.entitlements.grantsOf(owner)).map((g) => g.entitlement), ['open-source']);
    assert.ok(await repogate.registry.entitlements.find('everything'));
    assert.equal(await repogate.registry.entitlements.find('mine'), undefined);
  });

  void test('signed out, an operator page leads to sign-in and back to it for the operator; an owner lands on their own page', async () => {
    const deep = await request(repogate.adminUrl).get('/entitlements');
    assert.equal(deep.headers['location'], '/sign-in?next=%2Fentitlements');
    const operatorAgent = request.agent(repogate.adminUrl);
    const form = await operatorAgent.get('/sign-in');
    const signedIn = await operatorAgent.post('/sign-in/operator?next=%2Fentitlements').type('form').send({ _csrf: csrfOf(form.text), token: adminToken });
    assert.equal(signedIn.headers['location'], '/entitlements');
    const ownerClient = request.agent(repogate.adminUrl);
    const ownerForm = await ownerClient.get('/sign-in');
    const ownerIn = await ownerClient.post('/sign-in?next=%2Fentitlements').type('form').send({ _csrf: csrfOf(ownerForm.text), mageid: owner, password: ownerPassword });
    assert.equal(ownerIn.headers['location'], `/accounts/${owner}/access-keys`);
  });

  void test('accounts: create (refusals shown on the form with the API’s codes), search, set and generate the owner’s password', async () => {
    const { agent, csrf } = await operator();
    const forged = await agent.post('/accounts').type('form').send({ id: 'MAG740010', name: 'No token' });
    assert.equal(forged.status, 403);
    assert.equal(codeOf(forged.text), 'CSRF_INVALID');

    const bad = await agent.post('/accounts').type('form').send({ _csrf: csrf, id: 'ACME1', name: 'Acme' });
    assert.equal(bad.status, 400);
    assert.equal(codeOf(bad.text), 'VALIDATION');
    assert.match(decoded(bad.text), /Invalid MAGEID "ACME1": expected MAG followed by digits/);
    assert.match(bad.text, /value="Acme"/, 'the form keeps what was typed');

    const created = await agent.post('/accounts').type('form').send({ _csrf: csrf, id: 'mag740010', name: 'Agency <One>', email: 'lead@agency.example' });
    assert.equal(created.status, 303);
    assert.equal(created.headers['location'], '/accounts/MAG740010/manage?done=account-created&name=MAG740010');
    const manage = await agent.get(created.headers['location'] as string);
    assert.match(manage.text, /Account MAG740010 is created/);
    assert.match(manage.text, /No password is set yet/);
    assert.ok(manage.text.includes('Agency &lt;One&gt;'));

    const again = await agent.post('/accounts').type('form').send({ _csrf: csrf, id: 'MAG740010', name: 'Again' });
    assert.equal(again.status, 409);
    assert.equal(codeOf(again.text), 'ALREADY_EXISTS');
    assert.match(again.text, /Account MAG740010 already exists/);

    const list = await agent.get('/accounts?q=agency');
    assert.match(list.text, /data-account="MAG740010"/);
    assert.ok(!list.text.includes(`data-account="${owner}"`), 'the search leaves out what does not match');
    assert.match(list.text, /No account matches|1 of \d+/);

    const short = await agent.post('/accounts/MAG740010/password').type('form').send({ _csrf: csrf, password: 'short' });
    assert.equal(short.status, 400);
    assert.match(short.text, /Password too short: use at least 10 characters/);
    const set = await agent.post('/accounts/MAG740010/password').type('form').send({ _csrf: csrf, password: 'chosen by the operator 1' });
    assert.equal(set.headers['location'], '/accounts/MAG740010/manage?done=password-set');
    assert.equal((await ownerAgent('MAG740010', 'chosen by the operator 1')).status, 303, 'the owner signs in with it');

    const page = await agent.get('/accounts/MAG740010/manage');
    const generated = await agent.post('/accounts/MAG740010/password/generate').type('form').send({ _csrf: csrf, once: onceOf(page.text) });
    assert.equal(generated.status, 200);
    const password = /id="issued-password-value" value="([^"]+)"/.exec(generated.text)?.[1] ?? '';
    assert.ok(password.length >= 16, 'the generated password is shown');
    assert.equal((await ownerAgent('MAG740010', password)).status, 303);
    assert.equal((await ownerAgent('MAG740010', 'chosen by the operator 1')).status, 401, 'the old password no longer works');
    assert.ok(!(await agent.get('/accounts/MAG740010/manage')).text.includes(password), 'shown only once');
    const replay = await agent.post('/accounts/MAG740010/password/generate').type('form').send({ _csrf: csrf, once: onceOf(page.text) });
    assert.equal(replay.headers['location'], '/accounts/MAG740010/manage?done=already');
    assert.ok(!repogate.logs.some((line) => line.includes(password)), 'never logged');

    const trail = await repogate.registry.audit.list({ accountId: 'MAG740010' });
    assert.deepEqual(
      trail.filter((e) => e.actor.type === 'operator').map((e) => `${e.actor.type}:${e.action}`),
      ['operator:account.password_set', 'operator:account.password_set', 'operator:account.created'],
    );
  });

  void test('entitlements: a preview counts the upstream’s packages the rules allow before saving; edit; delete only when unused', async () => {
    const { agent, csrf } = await operator();
    const rules = ['mageplaza/*', 'amasty/*', '!amasty/module-a*'];
    const names = upstream.packages.names();
    const expected = names.filter((n) => rulesAllow(parseRules(rules), n));
    assert.ok(expected.length > 0 && expected.length < names.length);

    const form = await agent.get('/entitlements/new');
    assert.match(form.text, /<textarea id="entitlement-rules" name="rules"/);
    assert.ok(!form.text.includes('value="save"'), 'no Save before a preview');

    const preview = await agent.post('/entitlements').type('form').send({ _csrf: csrf, mode: 'new', name: 'vendors', rules: rules.join('\r\n'), intent: 'preview' });
    assert.equal(preview.status, 200);
    assert.ok(decoded(preview.text).includes(`These rules allow ${expected.length} of the upstream’s ${names.length} packages.`), preview.text);
    assert.ok(preview.text.includes(`<code>${expected[0]}</code>`), 'the first matches are listed');
    assert.match(preview.text, /value="save"/);
    assert.equal(await repogate.registry.entitlements.find('vendors'), undefined, 'a preview saves nothing');

    const changed = await agent.post('/entitlements').type('form').send({ _csrf: csrf, mode: 'new', name: 'vendors', rules: 'mageplaza/*', intent: 'save', previewed: rules.join('\n') });
    assert.equal(changed.status, 200);
    assert.match(changed.text, /The rules changed since the preview/);
    assert.equal(await repogate.registry.entitlements.find('vendors'), undefined, 'rules not previewed are not saved');

    const saved = await agent.post('/entitlements').type('form').send({ _csrf: csrf, mode: 'new', name: 'vendors', rules: rules.join('\r\n'), intent: 'save', previewed: rules.join('\n') });
    assert.equal(saved.headers['location'], '/entitlements?done=entitlement-saved&name=vendors');
    assert.deepEqual((await repogate.registry.entitlements.get('vendors')).rules, rules);
    const list = await agent.get('/entitlements');
    assert.match(list.text, /<ol class="rules"><li><code>mageplaza\/\*<\/code><\/li><li><code>amasty\/\*<\/code><\/li><li><code class="takes-away">!amasty\/module-a\*<\/code><\/li><\/ol>/);

    const invalid = await agent.post('/entitlements').type('form').send({ _csrf: csrf, mode: 'edit', name: 'vendors', rules: 'amasty/*\nnot a rule', intent: 'preview' });
    assert.equal(invalid.status, 400);
    assert.equal(codeOf(invalid.text), 'VALIDATION');
    assert.match(decoded(invalid.text), /Invalid package rule "not": expected vendor\/name/);
    const duplicate = await agent.post('/entitlements').type('form').send({ _csrf: csrf, mode: 'new', name: 'vendors', rules: '*/*', intent: 'preview' });
    assert.equal(duplicate.status, 409);
    assert.equal(codeOf(duplicate.text), 'ALREADY_EXISTS');

    const edit = await agent.get('/entitlements/vendors/edit');
    assert.ok(edit.text.includes(rules.join('\n')), 'the rules, one a line');
    const edited = await agent.post('/entitlements').type('form').send({ _csrf: csrf, mode: 'edit', name: 'vendors', rules: 'amasty/*', intent: 'save', previewed: 'amasty/*' });
    assert.equal(edited.status, 303);
    assert.deepEqual((await repogate.registry.entitlements.get('vendors')).rules, ['amasty/*']);

    await repogate.registry.entitlements.grant(owner, 'vendors', null, testActor);
    const inUse = await agent.post('/entitlements/vendors/delete').type('form').send({ _csrf: csrf });
    assert.equal(inUse.status, 409);
    assert.equal(codeOf(inUse.text), 'CONFLICT');
    assert.match(decoded(inUse.text), new RegExp(`Entitlement "vendors" is still granted to ${owner}: revoke that grant first`));
    const api = await request(repogate.adminUrl).delete('/api/v1/entitlements/vendors').set('Authorization', `Bearer ${adminToken}`);
    assert.equal(api.status, 409, 'the API refuses with the same code');
    const warning = (api.body as { warning: string; code: string }).warning;
    assert.equal((api.body as { code: string }).code, 'CONFLICT');
    assert.ok(decoded(inUse.text).includes(warning.charAt(0).toUpperCase() + warning.slice(1) + '.'), 'and the same words');
    await repogate.registry.entitlements.revoke(owner, 'vendors', testActor);
    const deleted = await agent.post('/entitlements/vendors/delete').type('form').send({ _csrf: csrf });
    assert.equal(deleted.headers['location'], '/entitlements?done=entitlement-deleted&name=vendors');
    assert.equal(await repogate.registry.entitlements.find('vendors'), undefined);
    const events = (await repogate.registry.audit.list({ action: 'entitlement.*', limit: 10 })).filter((e) => e.actor.type === 'operator');
    assert.deepEqual(events.map((e) => e.action), ['entitlement.deleted', 'entitlement.updated', 'entitlement.defined']);
  });

  void test('grants with a last day (highlighted on the list within 30 days), revoke; suspend with a reason the proxy shows, resume', async () => {
    const { agent, csrf } = await operator();
    const key = await createTestKey(repogate.registry, { accountId: 'MAG740020', grants: [], keyName: 'ci' });
    const get = (): Promise<Response> => fetch(`${repogate.url}/packages.json`, { headers: { authorization: key.authorization } });
    assert.equal((await get()).status, 403, 'no grant yet');

    const lastDay = daysFromToday(12);
    const granted = await agent.post('/accounts/MAG740020/grants').type('form').send({ _csrf: csrf, entitlement: 'open-source', expires: lastDay });
    assert.equal(granted.headers['location'], '/accounts/MAG740020/manage?done=granted&name=open-source');
    assert.equal((await get()).status, 200);
    const manage = await agent.get('/accounts/MAG740020/manage');
    assert.match(manage.text, new RegExp(`<td data-label="Last day">${lastDay}</td><td data-label="State"><span class="badge badge-expiring">12 days left`));
    const list = await agent.get('/accounts');
    assert.match(list.text, /<tr class="attention" data-account="MAG740020">/);
    assert.match(list.text, /open-source ends in 12 days/);
    assert.ok(!list.text.includes(`<tr class="attention" data-account="${owner}">`));

    const past = await agent.post('/accounts/MAG740020/grants').type('form').send({ _csrf: csrf, entitlement: 'open-source', expires: '2024-02-30' });
    assert.equal(past.status, 400);
    assert.equal(codeOf(past.text), 'VALIDATION');

    const empty = await agent.post('/accounts/MAG740020/suspend').type('form').send({ _csrf: csrf, reason: '  ' });
    assert.equal(empty.status, 400);
    assert.match(empty.text, /Suspension reason must not be empty/);
    const reason = 'Invoice 2025-031 is overdue: contact billing@example.com';
    const suspended = await agent.post('/accounts/MAG740020/suspend').type('form').send({ _csrf: csrf, reason });
    assert.equal(suspended.headers['location'], '/accounts/MAG740020/manage?done=suspended');
    const refused = await get();
    assert.equal(refused.status, 403);
    const body = (await refused.json()) as { code: string; warning: string };
    assert.equal(body.code, 'ACCOUNT_SUSPENDED');
    assert.ok(body.warning.includes(reason), 'Composer shows the reason');
    assert.ok((await agent.get('/accounts')).text.includes(reason), 'the list shows the reason');
    const resumed = await agent.post('/accounts/MAG740020/resume').type('form').send({ _csrf: csrf });
    assert.equal(resumed.headers['location'], '/accounts/MAG740020/manage?done=resumed');
    assert.equal((await get()).status, 200);

    const revoked = await agent.post('/accounts/MAG740020/grants/open-source/revoke').type('form').send({ _csrf: csrf });
    assert.equal(revoked.headers['location'], '/accounts/MAG740020/manage?done=revoked&name=open-source');
    assert.equal((await get()).status, 403);
    const missing = await agent.post('/accounts/MAG740020/grants/open-source/revoke').type('form').send({ _csrf: csrf });
    assert.equal(missing.status, 404);
    assert.equal(codeOf(missing.text), 'NOT_FOUND');

    // The operator's actions show in the account's own Activity tab.
    const activity = await agent.get('/accounts/MAG740020/activity');
    const text = decoded(activity.text);
    for (const line of [`Granted “open-source” until ${lastDay}`, `Suspended the account: ${reason}`, 'Resumed the account', 'Revoked “open-source”']) {
      assert.ok(text.includes(line), line);
    }
    assert.match(activity.text, /<td data-label="Who">Operator<\/td>/);
  });

  void test('keys across accounts: unused for 90 days, expiring soon, narrower scope, each disabled in place', async () => {
    const { agent, csrf } = await operator();
    const unused = await createTestKey(repogate.registry, { accountId: 'MAG740030', keyName: 'left in March' });
    await repogate.registry.keys.recordUsage([{ publicKey: unused.publicKey, at: new Date(Date.now() - 100 * 86_400_000).toISOString(), address: '10.0.0.9' }]);
    const expiring = await createTestKey(repogate.registry, { accountId: 'MAG740030', keyName: 'contractor', expiresOn: daysFromToday(5) });
    const scoped = await createTestKey(repogate.registry, { accountId: 'MAG740031', keyName: 'theme only', scope: ['magento/theme-*'] });
    const fresh = await createTestKey(repogate.registry, { accountId: 'MAG740031', keyName: 'fresh' });

    const page = await agent.get('/keys');
    const section = (id: string): string => page.text.slice(page.text.indexOf(`id="${id}"`), page.text.indexOf('</section>', page.text.indexOf(`id="${id}"`)));
    assert.ok(section('unused').includes(unused.publicKey) && !section('unused').includes(fresh.publicKey));
    assert.ok(section('expiring').includes(expiring.publicKey) && section('expiring').includes(daysFromToday(5)));
    assert.ok(section('scoped').includes(scoped.publicKey) && section('scoped').includes('<code>magento/theme-*</code>'));
    assert.ok(!page.text.includes(fresh.publicKey));

    const disabled = await agent.post(`/accounts/MAG740030/keys/${unused.publicKey}/disable`).type('form').send({ _csrf: csrf, back: 'keys' });
    assert.equal(disabled.headers['location'], '/keys?done=disabled&name=left+in+March');
    assert.equal((await repogate.registry.keys.get(unused.publicKey)).status, 'disabled');
    const after = await agent.get(disabled.headers['location'] as string);
    assert.match(decoded(after.text), /Key “left in March” is disabled/);
    assert.ok(!after.text.includes(unused.publicKey), 'a disabled key needs no more attention');
    const event = (await repogate.registry.audit.list({ publicKey: unused.publicKey, action: 'key.disabled' }))[0];
    assert.deepEqual(event?.actor, { type: 'operator', id: 'admin-token' });
  });

  void test('activity across accounts: filters by account, key, action and time, pages, and a key’s downloads by package', async () => {
    const { agent } = await operator();
    const key = await createTestKey(repogate.registry, { accountId: 'MAG740040', keyName: 'busy' });
    for (let i = 0; i < 60; i++) await repogate.registry.keys.rename(key.publicKey, `busy ${i}`, testActor);
    await repogate.registry.usage.addDownloads(repogate.registry.context.today(), 'MAG740040', [
      { publicKey: key.publicKey, package: 'magento/module-catalog', count: 3 },
      { publicKey: key.publicKey, package: 'magento/framework', count: 5 },
    ]);

    const first = await agent.get('/activity?account=mag740040&action=key.*');
    assert.equal(first.status, 200);
    const rows = (html: string): number => (html.match(/<tr data-action=/g) ?? []).length;
    assert.equal(rows(first.text), 50, 'one page');
    assert.ok(!first.text.includes('data-action="account.created"'), 'the action filter holds');
    const next = /href="(\/activity\?[^"]*before=\d+)"/.exec(first.text)?.[1]?.replace(/&amp;/g, '&') ?? '';
    assert.match(next, /account=MAG740040/);
    const second = await agent.get(next);
    assert.equal(rows(second.text), 11, '60 renames and the creation: 61 key events');
    assert.match(second.text, />Newest</);

    const byKey = await agent.get(`/activity?key=${key.publicKey}`);
    assert.match(byKey.text, /id="key-downloads"/);
    assert.match(byKey.text, /<code>magento\/framework<\/code><\/td><td class="count" data-label="Downloads">5</);
    assert.ok(byKey.text.indexOf('magento/framework') < byKey.text.indexOf('magento/module-catalog'), 'most downloaded first');
    assert.match(byKey.text, /8 downloads since/);

    const tomorrow = daysFromToday(1);
    assert.equal(rows((await agent.get(`/activity?account=MAG740040&from=${tomorrow}`)).text), 0, 'nothing from tomorrow on');
    assert.ok(rows((await agent.get(`/activity?account=MAG740040&to=${daysFromToday(0)}`)).text) > 0, 'today is included in “to”');
    const bad = await agent.get('/activity?account=ACME');
    assert.equal(bad.status, 200);
    assert.match(decoded(bad.text), /The account filter “ACME” is not a MAGEID/);
  });

  void test('deleting an account names what goes with it, needs the confirmation, and the proxy refuses its keys afterwards', async () => {
    const { agent, csrf } = await operator();
    const key = await createTestKey(repogate.registry, { accountId: 'MAG740050', keyName: 'to be deleted' });
    await repogate.registry.tokens.generate('MAG740050', testActor);
    const manage = await agent.get('/accounts/MAG740050/manage');
    assert.match(manage.text, /action="\/accounts\/MAG740050\/confirm-delete"/);

    const unconfirmed = await agent.post('/accounts/MAG740050/delete').type('form').send({ _csrf: csrf });
    assert.equal(unconfirmed.headers['location'], '/accounts/MAG740050/confirm-delete');
    assert.ok(await repogate.registry.accounts.find('MAG740050'));
    const confirm = await agent.get('/accounts/MAG740050/confirm-delete');
    const text = decoded(confirm.text);
    assert.match(text, /1 access key: “to be deleted”/);
    assert.match(text, /2 grants: <code>marketplace<\/code>, <code>open-source<\/code>/);
    assert.match(text, /Its downloads access token/);

    const deleted = await agent.post('/accounts/MAG740050/delete').type('form').send({ _csrf: csrf, confirm: 'yes' });
    assert.equal(deleted.headers['location'], '/accounts?done=account-deleted&name=MAG740050');
    assert.equal(await repogate.registry.accounts.find('MAG740050'), undefined);
    assert.equal((await fetch(`${repogate.url}/packages.json`, { headers: { authorization: basic(key.publicKey, key.privateKey) } })).status, 401);
    const trail = await agent.get('/activity?account=MAG740050&action=account.*');
    assert.match(trail.text, /Deleted the account/);
  });
});
