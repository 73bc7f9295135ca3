import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream/index.js';
import { startTestRepogate, testActor, type TestRepogate } from '../helpers/repogate.js';

const adminToken = 'operator-token-for-sources-page-0123456789';
const secretsKey = 'page-test-secrets-key-of-at-least-32-chars';
const owner = 'MAG750001';
const password = 'Page-Source-Passw0rd-Hidden';
const githubToken = 'ghp_PageSourceTokenHidden0123456789';

const csrfOf = (html: string): string => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';

void describe('the operator’s Sources section (read-only)', () => {
  let upstream: MockUpstream;
  let repogate: TestRepogate;

  before(async () => {
    upstream = await startMockUpstream({ layout: 'composer2', username: 'upstream-user', password: 'upstream-password-hidden' });
    repogate = await startTestRepogate({ upstream, env: { REPOGATE_ADMIN_TOKEN: adminToken, REPOGATE_SECRETS_KEY: secretsKey } });
    await repogate.registry.accounts.create({ id: owner, name: 'Reads Sources Ltd' }, testActor);
    await repogate.registry.accounts.create({ id: 'MAG750002', name: 'Default Only' }, testActor);
    await repogate.registry.sources.add({ name: 'private', url: 'https://private.example/repo', username: 'alice', password, githubToken }, testActor, secretsKey);
    await repogate.registry.sources.add({ name: 'mirror', url: 'http://mirror.example' }, testActor, secretsKey);
    await repogate.registry.accounts.setSources(owner, ['private', 'default', 'mirror'], testActor);
  });
  after(async () => {
    await repogate.stop();
    await upstream.close();
  });

  async function operator(): Promise<request.Agent> {
    const agent = request.agent(repogate.adminUrl);
    const form = await agent.get('/sign-in');
    await agent.post('/sign-in/operator').type('form').send({ _csrf: csrfOf(form.text), token: adminToken });
    return agent;
  }

  const rowOf = (html: string, name: string): string => new RegExp(`<tr id="source-${name}"[\\s\\S]*?</tr>`).exec(html)?.[0] ?? '';

  void test('lists default and the added sources with what is set and who reads them, never a secret', async () => {
    const agent = await operator();
    const menu = await agent.get('/accounts');
    assert.match(menu.text, /<nav class="opsnav"[\s\S]*<a href="\/sources">Sources<\/a>/);
    const page = await agent.get('/sources');
    assert.equal(page.status, 200);
    assert.match(page.text, /<a href="\/sources" aria-current="page">Sources<\/a>/);
    assert.deepEqual([...page.text.matchAll(/<tr id="source-([a-z0-9-]+)"/g)].map((m) => m[1]), ['default', 'mirror', 'private']);

    const defaultRow = rowOf(page.text, 'default');
    assert.ok(defaultRow.includes(upstream.url.replace(/\/$/, '')), defaultRow);
    assert.match(defaultRow, /environment/);
    assert.match(defaultRow, /upstream-user/);
    assert.ok(defaultRow.includes(`>${owner}</a>`) && defaultRow.includes(">MAG750002</a>"), defaultRow);

    const privateRow = rowOf(page.text, 'private');
    assert.match(privateRow, /https:\/\/private\.example\/repo/);
    assert.match(privateRow, /alice/);
    assert.match(privateRow, /data-label="Password"><span class="badge">set<\/span>/);
    assert.match(privateRow, /data-label="GitHub token"><span class="badge">set<\/span>/);
    assert.ok(privateRow.includes(`>${owner}</a>`) && !privateRow.includes('MAG750002'), privateRow);
    assert.doesNotMatch(rowOf(page.text, 'mirror'), /class="badge">set/);

    for (const secret of [password, githubToken, 'upstream-password-hidden']) assert.ok(!page.text.includes(secret), `${secret} on the page`);
    assert.ok(!/<form[^>]*method="post"[^>]*action="\/sources/.test(page.text), 'no forms that change sources');
  });

  void test('Activity names source changes, and filters them', async () => {
    const agent = await operator();
    const page = await agent.get('/activity?action=source.*');
    assert.equal(page.status, 200);
    assert.ok(page.text.includes('Added source “private”'), page.text);
    assert.ok(page.text.includes('Added source “mirror”'));
    assert.ok(!page.text.includes(password));
    const account = await agent.get(`/activity?account=${owner}`);
    assert.ok(account.text.includes('Set the sources: private, default, mirror'));
  });

  void test('the Account tab lists the account’s sources in order', async () => {
    const agent = await operator();
    const page = await agent.get(`/accounts/${owner}/manage`);
    assert.equal(page.status, 200);
    const section = /<ol class="account-sources">([\s\S]*?)<\/ol>/.exec(page.text)?.[1] ?? '';
    assert.deepEqual([...section.matchAll(/<code>([a-z0-9-]+)<\/code>/g)].map((m) => m[1]), ['private', 'default', 'mirror']);
    const other = await agent.get('/accounts/MAG750002/manage');
    const otherSection = /<ol class="account-sources">([\s\S]*?)<\/ol>/.exec(other.text)?.[1] ?? '';
    assert.deepEqual([...otherSection.matchAll(/<code>([a-z0-9-]+)<\/code>/g)].map((m) => m[1]), ['default']);
  });
});
