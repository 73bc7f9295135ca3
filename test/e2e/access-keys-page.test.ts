import assert from 'node:assert/strict';
import { after, before, describe, test, type TestContext } from 'node:test';
import type { Page } from 'playwright-core';
import { artifactsDir, launchBrowser, requireChromium, saveScreenshot, type TestBrowser } from '../helpers/browser.js';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream/index.js';
import { basic, defineStandardEntitlements, startTestRepogate, testActor, type TestRepogate } from '../helpers/repogate.js';

const adminToken = 'operator-token-for-the-page-0123456789';
const account = 'MAG424242';
const otherAccount = 'MAG515151';
const password = 'correct horse battery staple';

function daysFromToday(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

void describe('the Access Keys page in headless Chromium', () => {
  let upstream: MockUpstream;
  let repogate: TestRepogate;

  before(async () => {
    upstream = await startMockUpstream({ layout: 'composer2' });
    repogate = await startTestRepogate({
      upstream,
      env: { REPOGATE_ADMIN_TOKEN: adminToken },
    });
    const { registry } = repogate;
    await defineStandardEntitlements(registry);
    await registry.accounts.create({ id: account, name: 'Example Commerce Ltd', email: 'ops@example.com' }, testActor);
    await registry.accounts.setPassword(account, password, testActor);
    await registry.entitlements.grant(account, 'open-source', null, testActor);
    await registry.entitlements.grant(account, 'marketplace', daysFromToday(20), testActor);
    const ci = await registry.keys.create(account, 'CI deploy job', {}, testActor);
    await (await fetch(`${repogate.url}/packages.json`, { headers: { authorization: basic(ci.key.publicKey, ci.privateKey) } })).arrayBuffer();
    await repogate.flushUsage();
    await registry.accounts.create({ id: otherAccount, name: 'Other Agency GmbH' }, testActor);
    await registry.entitlements.grant(otherAccount, 'commerce', daysFromToday(-3), testActor);
  });
  after(async () => {
    await repogate.stop();
    await upstream.close();
  });

  const packagesJson = (publicKey: string, privateKey: string): Promise<Response> =>
    fetch(`${repogate.url}/packages.json`, { headers: { authorization: basic(publicKey, privateKey) } });

  async function signIn(page: Page): Promise<void> {
    await page.goto(repogate.adminUrl);
    assert.match(page.url(), /\/sign-in$/);
    await page.getByLabel('MAGEID').fill(account);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL(`**/accounts/${account}/access-keys`);
  }

  async function open(t: TestContext, options: Parameters<typeof launchBrowser>[0] = {}): Promise<TestBrowser> {
    const browser = await launchBrowser(options);
    t.after(() => browser.close());
    return browser;
  }

  void test('sign in, create a key that works, reload, disable, enable, generate a token twice, delete with confirmation', async (t) => {
    if (!requireChromium(t)) return;
    const browser = await open(t);
    await browser.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: repogate.adminUrl });
    const { page, problems } = await browser.newPage();

    await signIn(page);
    assert.equal(await page.locator('.topbar .mageid').textContent(), account, 'the MAGEID at the top left');
    assert.equal(await page.getByRole('link', { name: 'Access Keys' }).getAttribute('aria-current'), 'page');
    const warning = await page.locator('.alert-warning').textContent();
    assert.match(warning ?? '', /“marketplace” expires on \d{4}-\d{2}-\d{2}, in 20 days/);

    // Create a New Access Key → Name → OK: the pair, shown once, with the auth.json snippet.
    await page.getByRole('button', { name: 'Create a New Access Key' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Alice laptop');
    await page.getByRole('button', { name: 'OK', exact: true }).click();
    await page.locator('#issued-key').waitFor();
    const publicKey = await page.getByLabel('Public key', { exact: true }).inputValue();
    const privateKey = await page.getByLabel('Private key', { exact: true }).inputValue();
    assert.match(publicKey, /^[0-9a-f]{32}$/);
    assert.match(privateKey, /^[0-9a-f]{32}$/);
    assert.match((await page.locator('#issued-key').textContent()) ?? '', /shown only this once/);
    const authJson = JSON.parse((await page.locator('#auth-json').textContent()) ?? '') as { 'http-basic': Record<string, unknown> };
    assert.deepEqual(Object.values(authJson['http-basic']), [{ username: publicKey, password: privateKey }]);
    assert.ok(page.url().endsWith(`/accounts/${account}/access-keys`), 'the address bar shows the page, not the form it posted');

    await page.getByRole('button', { name: 'Copy private key' }).click();
    assert.equal(await page.evaluate('navigator.clipboard.readText()'), privateKey);
    await page.locator('[data-copy="issued-private-key"]', { hasText: 'Copied' }).waitFor();

    await saveScreenshot(page, 'access-keys-page');
    await page.setViewportSize({ width: 390, height: 844 });
    await saveScreenshot(page, 'access-keys-page-phone');
    await page.setViewportSize({ width: 1280, height: 900 });

    // The pair works against the proxy.
    assert.equal((await packagesJson(publicKey, privateKey)).status, 200);

    // Reload: the private key is gone for good; the key is listed by name and public key.
    await page.reload();
    assert.equal(await page.locator('#issued-key').count(), 0);
    assert.ok(!(await page.content()).includes(privateKey), 'the private key is never shown again');
    const row = page.locator('tr', { has: page.getByText(publicKey) });
    assert.equal(await row.locator('td.key-name').textContent(), 'Alice laptop');
    assert.match((await row.textContent()) ?? '', /Enabled/);

    // Disable: the proxy refuses the key. Enable: it works again.
    await row.getByRole('button', { name: 'Disable key Alice laptop' }).click();
    await page.getByText('Key “Alice laptop” is disabled').waitFor();
    const refused = await packagesJson(publicKey, privateKey);
    assert.equal(refused.status, 401);
    assert.equal(((await refused.json()) as { code: string }).code, 'KEY_DISABLED');
    await row.getByRole('button', { name: 'Enable key Alice laptop' }).click();
    await page.getByText('Key “Alice laptop” is enabled again').waitFor();
    assert.equal((await packagesJson(publicKey, privateKey)).status, 200);

    // Generate new token, twice: each shown once, and the first stops working.
    await page.getByRole('button', { name: 'Generate new token' }).click();
    const first = await page.getByLabel('Token', { exact: true }).inputValue();
    assert.equal(await page.getByLabel('MAGEID:TOKEN').inputValue(), `${account}:${first}`);
    await page.getByRole('button', { name: 'Generate new token' }).click();
    const second = await page.getByLabel('Token', { exact: true }).inputValue();
    assert.notEqual(first, second);
    assert.equal(await repogate.registry.tokens.verify(account, first), false);
    assert.equal(await repogate.registry.tokens.verify(account, second), true);
    await page.reload();
    assert.ok(!(await page.content()).includes(second), 'the token is never shown again');

    // Delete asks first: Cancel keeps the key, Delete removes it.
    await row.getByRole('button', { name: 'Delete key Alice laptop' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.waitFor();
    assert.match((await dialog.textContent()) ?? '', /Delete key “Alice laptop”\?/);
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.screenshot({ path: `${artifactsDir}/access-keys-delete-dialog.png` });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden' });
    assert.equal(await row.count(), 1);
    await row.getByRole('button', { name: 'Delete key Alice laptop' }).click();
    await dialog.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByText('Key “Alice laptop” is deleted').waitFor();
    assert.equal(await row.count(), 0);
    assert.equal((await packagesJson(publicKey, privateKey)).status, 401);

    const actions = (await repogate.registry.audit.list({ accountId: account, publicKey }))
      .filter((e) => e.actor.type === 'account')
      .map((e) => `${e.actor.id} ${e.action}`);
    assert.deepEqual(actions.reverse(), [`${account} key.created`, `${account} key.disabled`, `${account} key.enabled`, `${account} key.deleted`]);
    assert.deepEqual(problems, [], 'no console errors, no uncaught exceptions, no CSP violations');
  });

  void test('without JavaScript the forms still work: create, rename, regenerate and delete on a confirmation page', async (t) => {
    if (!requireChromium(t)) return;
    const browser = await open(t, { javaScriptEnabled: false });
    const { page } = await browser.newPage();
    await signIn(page);

    await page.getByRole('button', { name: 'Create a New Access Key' }).click();
    await page.getByLabel('Name', { exact: true }).fill('Bob desktop');
    await page.getByRole('button', { name: 'OK', exact: true }).click();
    const publicKey = await page.getByLabel('Public key', { exact: true }).inputValue();
    const privateKey = await page.getByLabel('Private key', { exact: true }).inputValue();
    assert.equal((await packagesJson(publicKey, privateKey)).status, 200);

    // Reloading the answer that showed the key sends the form again: it issues nothing new.
    const keysBefore = (await repogate.registry.keys.list(account)).length;
    await page.reload();
    await page.getByText('That form had already been sent').waitFor();
    assert.equal((await repogate.registry.keys.list(account)).length, keysBefore);
    assert.ok(!(await page.content()).includes(privateKey));

    const row = page.locator('tr', { has: page.getByText(publicKey) });
    await row.getByText('Rename').click();
    await row.getByLabel('New name for key Bob desktop').fill('Bob workstation');
    await row.getByRole('button', { name: 'Save' }).click();
    await page.getByText('The key is now called “Bob workstation”').waitFor();

    await row.getByRole('button', { name: 'Regenerate key Bob workstation' }).click();
    await page.getByRole('heading', { name: 'Regenerate key “Bob workstation”?' }).waitFor();
    await page.getByRole('button', { name: 'Regenerate', exact: true }).click();
    const newPublic = await page.getByLabel('Public key', { exact: true }).inputValue();
    const newPrivate = await page.getByLabel('Private key', { exact: true }).inputValue();
    assert.notEqual(newPublic, publicKey);
    assert.equal((await packagesJson(publicKey, privateKey)).status, 401, 'the old pair stops working');
    assert.equal((await packagesJson(newPublic, newPrivate)).status, 200);

    await page.goto(`${repogate.adminUrl}/accounts/${account}/access-keys`);
    const newRow = page.locator('tr', { has: page.getByText(newPublic) });
    await newRow.getByRole('button', { name: 'Delete key Bob workstation' }).click();
    await page.getByRole('heading', { name: 'Delete key “Bob workstation”?' }).waitFor();
    await page.getByRole('link', { name: 'Cancel' }).click();
    assert.equal(await newRow.count(), 1);
    await newRow.getByRole('button', { name: 'Delete key Bob workstation' }).click();
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await page.getByText('Key “Bob workstation” is deleted').waitFor();
    assert.equal((await packagesJson(newPublic, newPrivate)).status, 401);
  });

  void test('the operator signs in with the admin token and switches between accounts', async (t) => {
    if (!requireChromium(t)) return;
    const browser = await open(t);
    const { page, problems } = await browser.newPage();
    await page.goto(`${repogate.adminUrl}/sign-in`);
    await page.getByLabel('Admin token').fill(adminToken);
    await page.getByRole('button', { name: 'Sign in with the admin token' }).click();
    await page.waitForURL('**/accounts');
    await page.getByRole('link', { name: account, exact: true }).waitFor();

    await page.getByLabel('Account', { exact: true }).selectOption(otherAccount);
    await page.waitForURL(`**/accounts/${otherAccount}/access-keys`);
    assert.equal(await page.locator('.topbar .mageid').textContent(), otherAccount);
    assert.match((await page.locator('.alert-warning').first().textContent()) ?? '', /Every entitlement of this account has expired/);

    await page.getByRole('button', { name: 'Create a New Access Key' }).click();
    await page.getByLabel('Name', { exact: true }).fill('agency build server');
    await page.getByRole('button', { name: 'OK', exact: true }).click();
    const publicKey = await page.getByLabel('Public key', { exact: true }).inputValue();
    const key = await repogate.registry.keys.get(publicKey);
    assert.equal(key.accountId, otherAccount);
    const created = (await repogate.registry.audit.list({ publicKey })).find((e) => e.action === 'key.created');
    assert.deepEqual(created?.actor, { type: 'operator', id: 'admin-token' });

    await page.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'Activity' }).click();
    await page.getByText('Created key “agency build server”').waitFor();
    await page.setViewportSize({ width: 1280, height: 700 });
    await saveScreenshot(page, 'access-keys-activity');

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/sign-in?signed-out=1');
    await saveScreenshot(page, 'access-keys-sign-in');
    await page.goto(`${repogate.adminUrl}/accounts/${otherAccount}/access-keys`);
    assert.match(page.url(), /\/sign-in\?next=/);
    assert.deepEqual(problems, []);
  });
});
