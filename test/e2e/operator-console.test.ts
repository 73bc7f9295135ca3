import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Page } from 'playwright-core';
import { parseRules, rulesAllow } from '../../src/registry/rules.js';
import { artifactsDir, launchBrowser, requireChromium, saveScreenshot } from '../helpers/browser.js';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream/index.js';
import { basic, createTestKey, defineStandardEntitlements, startTestRepogate, testActor, type TestRepogate } from '../helpers/repogate.js';

const adminToken = 'operator-token-for-the-console-0123456789';
const mageId = 'MAG880001';
const reason = 'Invoice 2025-031 is overdue: contact billing@example.com';

function daysFromToday(days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

/** A full-page screenshot at desktop width, then at phone width (390 × 844), then back. */
async function screenshots(page: Page, name: string): Promise<void> {
  await page.setViewportSize({ width: 1280, height: 800 });
  await saveScreenshot(page, name);
  await page.setViewportSize({ width: 390, height: 844 });
  await saveScreenshot(page, `${name}-phone`);
  const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
  assert.equal(overflow, 0, `${name}: nothing wider than a phone`);
  await page.setViewportSize({ width: 1280, height: 800 });
}

void describe('the operator’s day on the web page, in headless Chromium', () => {
  let upstream: MockUpstream;
  let repogate: TestRepogate;

  before(async () => {
    upstream = await startMockUpstream({ layout: 'composer2' });
    repogate = await startTestRepogate({ upstream, env: { REPOGATE_ADMIN_TOKEN: adminToken } });
    const { registry } = repogate;
    await defineStandardEntitlements(registry);
    await registry.accounts.create({ id: 'MAG100200', name: 'Example Agency Ltd', email: 'ops@agency.example' }, testActor);
    await registry.entitlements.grant('MAG100200', 'commerce', null, testActor);
    await registry.accounts.create({ id: 'MAG100300', name: 'Former Client GmbH' }, testActor);
    await registry.entitlements.grant('MAG100300', 'open-source', null, testActor);
    // Other accounts, so that the lists look like an organisation's: one grant ends soon, one account is suspended.
    await createTestKey(registry, { accountId: 'MAG100200', grants: ['commerce'], keyName: 'jenkins' });
    await registry.entitlements.grant('MAG100200', 'marketplace', daysFromToday(9), testActor);
    const old = await createTestKey(registry, { accountId: 'MAG100300', grants: ['open-source'], keyName: 'former intern laptop' });
    await registry.keys.recordUsage([{ publicKey: old.publicKey, at: new Date(Date.now() - 120 * 86_400_000).toISOString(), address: '192.0.2.7' }]);
    await registry.accounts.suspend('MAG100300', 'Contract ended on 31 March', testActor);
    await createTestKey(registry, { accountId: 'MAG100200', keyName: 'theme builder', scope: ['magento/theme-*'], expiresOn: daysFromToday(6) });
  });
  after(async () => {
    await repogate.stop();
    await upstream.close();
  });

  const proxy = (path: string, authorization: string): Promise<Response> => fetch(`${repogate.url}${path}`, { headers: { authorization } });

  void test('sign in with the token, create an account, set its password, define and grant an entitlement, key, suspend, resume, activity, delete', async (t) => {
    if (!requireChromium(t)) return;
    const browser = await launchBrowser();
    t.after(() => browser.close());
    const { page, problems } = await browser.newPage();
    const operatorMenu = page.getByRole('navigation', { name: 'Operator' });
    const accountTabs = page.getByRole('navigation', { name: 'Account' });

    // Sign in with the admin token: the operator lands on Accounts.
    await page.goto(`${repogate.adminUrl}/sign-in`);
    await page.getByLabel('Admin token').fill(adminToken);
    await page.getByRole('button', { name: 'Sign in with the admin token' }).click();
    await page.waitForURL('**/accounts');
    assert.equal(await operatorMenu.getByRole('link', { name: 'Accounts' }).getAttribute('aria-current'), 'page');

    // Create an account.
    await page.getByLabel('MAGEID').fill(mageId);
    await page.getByLabel('Name', { exact: true }).fill('Night Shift Agency');
    await page.getByLabel('Email (optional)').fill('lead@nightshift.example');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByText(`Account ${mageId} is created`).waitFor();
    assert.ok(page.url().endsWith(`/accounts/${mageId}/manage`), page.url());
    assert.equal(await page.locator('.topbar .mageid').textContent(), mageId);

    // Set the owner's password.
    await page.getByLabel('New password').fill('night shift password 1');
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.getByText('The owner’s password is set').waitFor();
    assert.equal(await repogate.registry.accounts.checkPassword(mageId, 'night shift password 1'), true);

    // Define an entitlement, with a preview of what its rules allow before saving.
    await operatorMenu.getByRole('link', { name: 'Entitlements' }).click();
    await page.getByRole('button', { name: 'Define an entitlement' }).click();
    const rules = ['magento/module-*', '!magento/module-b2b*', 'mageplaza/*'];
    await page.getByLabel('Name', { exact: true }).fill('agency-modules');
    await page.getByLabel('Rules').fill(rules.join('\n'));
    assert.equal(await page.getByRole('button', { name: 'Save entitlement' }).count(), 0, 'Save comes after a preview');
    await page.getByRole('button', { name: 'Preview' }).click();
    const names = upstream.packages.names();
    const allowed = names.filter((n) => rulesAllow(parseRules(rules), n));
    assert.equal(
      (await page.locator('.preview-count').textContent())?.trim(),
      `These rules allow ${allowed.length} of the upstream’s ${names.length} packages.`,
    );
    assert.equal(await page.locator('ul.matches li').first().textContent(), allowed[0]);
    await screenshots(page, 'operator-entitlement-preview');
    await page.getByRole('button', { name: 'Save entitlement' }).click();
    await page.getByText('Entitlement “agency-modules” is saved').waitFor();
    const row = page.locator('tr[data-entitlement="agency-modules"]');
    assert.deepEqual(await row.locator('ol.rules li').allTextContents(), rules, 'the rules in order');
    await screenshots(page, 'operator-entitlements');

    // Grant it with a last day.
    await operatorMenu.getByRole('link', { name: 'Accounts' }).click();
    await page.getByRole('link', { name: mageId, exact: true }).click();
    await accountTabs.getByRole('link', { name: 'Account' }).click();
    await page.getByLabel('Entitlement', { exact: true }).selectOption('agency-modules');
    await page.getByLabel('Last day (optional)').fill(daysFromToday(20));
    await page.getByRole('button', { name: 'Grant', exact: true }).click();
    await page.getByText('Granted “agency-modules”').waitFor();
    assert.match((await page.locator('tr[data-grant="agency-modules"]').textContent()) ?? '', /20 days left/);

    // Create a key for the account and check it against the proxy.
    await accountTabs.getByRole('link', { name: 'Access Keys' }).click();
    await page.getByRole('button', { name: 'Create a New Access Key' }).click();
    await page.getByLabel('Name', { exact: true }).fill('night CI');
    await page.getByRole('button', { name: 'OK', exact: true }).click();
    const publicKey = await page.getByLabel('Public key', { exact: true }).inputValue();
    const privateKey = await page.getByLabel('Private key', { exact: true }).inputValue();
    const authorization = basic(publicKey, privateKey);
    const root = await proxy('/packages.json', authorization);
    assert.equal(root.status, 200);
    const available = ((await root.json()) as { 'available-packages'?: string[] })['available-packages'] ?? [];
    assert.deepEqual([...available].sort(), [...allowed].sort(), 'the key sees exactly what the preview said');
    assert.equal((await proxy(`/p2/${allowed[0]}.json`, authorization)).status, 200);
    const notAllowed = names.find((n) => !allowed.includes(n)) ?? '';
    assert.equal((await proxy(`/p2/${notAllowed}.json`, authorization)).status, 404);

    // Suspend with a reason: the proxy refuses the key with it. Resume: it works again.
    await accountTabs.getByRole('link', { name: 'Account' }).click();
    await page.getByLabel('Reason').fill(reason);
    await page.getByRole('button', { name: 'Suspend account' }).click();
    await page.getByText('The account is suspended').waitFor();
    const refused = await proxy('/packages.json', authorization);
    assert.equal(refused.status, 403);
    const refusal = (await refused.json()) as { code: string; warning: string };
    assert.equal(refusal.code, 'ACCOUNT_SUSPENDED');
    assert.ok(refusal.warning.includes(reason), refusal.warning);
    await screenshots(page, 'operator-account');
    await page.getByRole('button', { name: 'Resume account' }).click();
    await page.getByText('The account is active again').waitFor();
    assert.equal((await proxy('/packages.json', authorization)).status, 200);

    // The accounts list: state, keys, last use; a grant ending within 30 days is highlighted.
    await operatorMenu.getByRole('link', { name: 'Accounts' }).click();
    const listed = page.locator(`tr[data-account="${mageId}"]`);
    assert.equal(await listed.getAttribute('class'), 'attention');
    assert.match((await listed.textContent()) ?? '', /agency-modules ends in 20 days/);
    assert.match((await page.locator('tr[data-account="MAG100300"]').textContent()) ?? '', /Suspended\s*Contract ended on 31 March/);
    await page.getByLabel('Search accounts').fill('night');
    await page.getByRole('button', { name: 'Search' }).click();
    assert.equal(await page.locator('tbody tr').count(), 1);
    await page.getByRole('link', { name: 'Clear' }).click();
    await screenshots(page, 'operator-accounts');
    // The picture in docs/admin.md: the top of the accounts list, at a small desktop size.
    await page.setViewportSize({ width: 1120, height: 600 });
    await page.screenshot({ path: join(artifactsDir, 'operator-console.png') });
    await page.setViewportSize({ width: 1280, height: 800 });

    // Keys across accounts.
    await operatorMenu.getByRole('link', { name: 'Keys' }).click();
    await page.locator('#unused td.key-name', { hasText: 'former intern laptop' }).waitFor();
    await page.locator('#scoped td.key-name', { hasText: 'theme builder' }).waitFor();
    await screenshots(page, 'operator-keys');
    await page.locator('#unused').getByRole('button', { name: 'Disable key former intern laptop' }).click();
    await page.getByText('Key “former intern laptop” is disabled').waitFor();

    // The sources, read-only: default at least, and nothing wider than a phone.
    await operatorMenu.getByRole('link', { name: 'Sources' }).click();
    await page.locator('#source-default').waitFor();
    await screenshots(page, 'operator-sources');

    // Find the day's events in Activity.
    await operatorMenu.getByRole('link', { name: 'Activity' }).click();
    await page.getByLabel('Account', { exact: true }).fill(mageId);
    await page.getByRole('button', { name: 'Filter' }).click();
    const what = await page.locator('td[data-label="What"]').allTextContents();
    for (const line of [
      'Created the account',
      'Set the password',
      `Granted “agency-modules” until ${daysFromToday(20)}`,
      'Created key “night CI”',
      `Suspended the account: ${reason}`,
      'Resumed the account',
    ]) {
      assert.ok(what.includes(line), `${line} in ${JSON.stringify(what)}`);
    }
    assert.ok(what.includes(`Fetched the metadata of ${allowed[0]}`), 'what the key fetched is there too');
    assert.deepEqual([...new Set(await page.locator('td[data-label="Who"]').allTextContents())].sort(), ['Key', 'Operator']);
    await page.getByLabel('Action').selectOption('account.*');
    await page.getByRole('button', { name: 'Filter' }).click();
    assert.deepEqual(await page.locator('td[data-label="What"]').allTextContents(), [
      'Resumed the account',
      `Suspended the account: ${reason}`,
      'Set the password',
      'Created the account',
    ]);
    await page.getByLabel('Action').selectOption('');
    await page.getByRole('button', { name: 'Filter' }).click();
    await screenshots(page, 'operator-activity');

    // Delete the account: the confirmation names what goes with it.
    await page.goto(`${repogate.adminUrl}/accounts/${mageId}/manage`);
    await page.getByRole('button', { name: 'Delete account…' }).click();
    await page.getByRole('heading', { name: `Delete account ${mageId}?` }).waitFor();
    const goes = (await page.locator('ul.goes').textContent()) ?? '';
    assert.match(goes, /1 access key: “night CI”/);
    assert.match(goes, /1 grant: agency-modules/);
    await screenshots(page, 'operator-delete-account');
    await page.getByRole('button', { name: `Delete account ${mageId}` }).click();
    await page.getByText(`Account ${mageId} is deleted`).waitFor();
    assert.equal(await page.locator(`tr[data-account="${mageId}"]`).count(), 0);
    assert.equal((await proxy('/packages.json', authorization)).status, 401);

    assert.deepEqual(problems, [], 'no console errors, no uncaught exceptions, no CSP violations');
  });

  void test('an account owner signed in on the same page sees none of the operator’s sections', async (t) => {
    if (!requireChromium(t)) return;
    await repogate.registry.accounts.setPassword('MAG100200', 'owner password 100200', testActor);
    const browser = await launchBrowser({ viewport: { width: 390, height: 844 } });
    t.after(() => browser.close());
    const { page } = await browser.newPage();
    await page.goto(`${repogate.adminUrl}/sign-in`);
    await page.getByLabel('MAGEID').fill('MAG100200');
    await page.getByLabel('Password').fill('owner password 100200');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL('**/accounts/MAG100200/access-keys');
    assert.equal(await page.getByRole('navigation', { name: 'Operator' }).count(), 0);
    assert.deepEqual(await page.getByRole('navigation', { name: 'Account' }).getByRole('link').allTextContents(), ['Access Keys', 'Activity']);
    const response = await page.goto(`${repogate.adminUrl}/entitlements`);
    assert.equal(response?.status(), 403);
    await page.getByText('only the operator may list entitlements').waitFor();
  });
});
