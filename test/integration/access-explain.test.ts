import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import request from 'supertest';
import { accessExplanationResponse } from '../../src/admin/api/schemas.js';
import { expectFailure, runCli, runJson, runOk, type CliOptions } from '../helpers/cli.js';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream/index.js';
import { createTestKey, defineStandardEntitlements, startTestRepogate, testActor, type TestKey, type TestRepogate } from '../helpers/repogate.js';

const adminToken = 'operator-token-for-explain-tests-0123456789';
type Explanation = ReturnType<typeof accessExplanationResponse.parse>;

const daysFromToday = (days: number): string => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

void describe('access explain: why a key can or cannot install a package (CLI and admin API)', { concurrency: true }, () => {
  let upstream: MockUpstream;
  let repogate: TestRepogate;
  let cli: CliOptions;
  const keys: Record<'plain' | 'noGrant' | 'expiredGrant' | 'scoped' | 'suspended' | 'disabled' | 'expiredKey' | 'networks', TestKey> = {} as never;

  before(async () => {
    upstream = await startMockUpstream({ layout: 'composer2' });
    repogate = await startTestRepogate({ upstream, env: { REPOGATE_ADMIN_TOKEN: adminToken } });
    cli = { dataDir: repogate.dataDir };
    const registry = repogate.registry;
    await defineStandardEntitlements(registry);
    keys.plain = await createTestKey(registry, { accountId: 'MAG810001', grants: ['open-source', 'marketplace'], keyName: 'laptop' });
    keys.scoped = await createTestKey(registry, { accountId: 'MAG810001', keyName: 'cms job', scope: ['magento/module-cms'] });
    keys.networks = await createTestKey(registry, { accountId: 'MAG810001', keyName: 'office', cidrs: ['10.0.0.0/8'] });
    keys.disabled = await createTestKey(registry, { accountId: 'MAG810001', keyName: 'old laptop' });
    await registry.keys.disable(keys.disabled.publicKey, testActor);
    // A key can't be made with a past expiry: this one's last day is moved back behind the registry's back.
    keys.expiredKey = await createTestKey(registry, { accountId: 'MAG810001', keyName: 'contractor', expiresOn: daysFromToday(0) });
    await registry.context.db.updateTable('access_keys').set({ expires_on: daysFromToday(-2) }).where('public_key', '=', keys.expiredKey.publicKey).execute();
    keys.noGrant = await createTestKey(registry, { accountId: 'MAG810002', grants: [] });
    await registry.accounts.create({ id: 'MAG810003', name: 'Lapsed' }, testActor);
    await registry.entitlements.grant('MAG810003', 'commerce', daysFromToday(-1), testActor);
    keys.expiredGrant = await createTestKey(registry, { accountId: 'MAG810003' });
    keys.suspended = await createTestKey(registry, { accountId: 'MAG810004', grants: ['everything'] });
    await registry.accounts.suspend('MAG810004', 'invoice 2024-117 is outstanding', testActor);
  });
  after(async () => {
    await repogate.stop();
    await upstream.close();
  });

  const explainCli = async (key: TestKey, pkg: string, ...extra: string[]): Promise<Explanation> =>
    accessExplanationResponse.parse(await runJson(['access', 'explain', key.publicKey, pkg, ...extra], cli));
  const explainApi = (query: string, token = adminToken): request.Test =>
    request(repogate.adminUrl).get(`/api/v1/access/explain?${query}`).set('Authorization', `Bearer ${token}`);
  /** What the proxy itself answers this key for the package's metadata: the status and the code. */
  const proxyAnswer = async (key: TestKey, pkg: string): Promise<[number, string | null]> => {
    const response = await fetch(`${repogate.url}/p2/${pkg}.json`, { headers: { authorization: key.authorization } });
    const body = (await response.json()) as { code?: string };
    return [response.status, response.ok ? null : (body.code ?? null)];
  };
  const check = (e: Explanation, name: string) => e.checks.find((c) => c.check === name);

  void test('allowed: the entitlement and its rule that allow it, every check passed; the proxy serves it', async () => {
    const e = await explainCli(keys.plain, 'magento/module-catalog');
    assert.equal(e.allowed, true);
    assert.equal(e.denial, null);
    const openSource = e.grants.find((g) => g.entitlement === 'open-source')!;
    assert.deepEqual(openSource.match, { rule: 'magento/*', position: 1, effect: 'allow' });
    assert.equal(openSource.allows, true);
    assert.equal(e.grants.find((g) => g.entitlement === 'marketplace')!.match, null);
    assert.ok(e.checks.every((c) => c.ok === true), JSON.stringify(e.checks));
    assert.equal(e.knownUpstream, null, 'the CLI does not ask the upstream');
    assert.deepEqual(await proxyAnswer(keys.plain, 'magento/module-catalog'), [200, null]);

    const human = await runOk(['access', 'explain', keys.plain.publicKey, 'magento/module-catalog'], cli);
    assert.match(human, /^magento\/module-catalog for key "laptop" \([0-9a-f]{32}\) of account MAG810001: ALLOWED$/m);
    assert.match(human, /open-source \(no expiry\): rule 1 magento\/\* → allow/);
  });

  void test('denied by a rule: the `!` rule of the entitlement that takes the package away; the proxy says the same', async () => {
    const e = await explainCli(keys.plain, 'magento/product-enterprise-edition');
    assert.equal(e.allowed, false);
    assert.equal(e.denial?.code, 'NOT_ENTITLED');
    const openSource = e.grants.find((g) => g.entitlement === 'open-source')!;
    assert.equal(openSource.match?.rule, '!magento/product-enterprise-edition');
    assert.equal(openSource.match?.effect, 'deny');
    assert.equal(openSource.match?.position, openSource.rules.indexOf('!magento/product-enterprise-edition') + 1);
    assert.equal(check(e, 'grants')?.ok, false);
    assert.deepEqual(await proxyAnswer(keys.plain, 'magento/product-enterprise-edition'), [404, 'NOT_ENTITLED']);

    const human = await runOk(['access', 'explain', keys.plain.publicKey, 'magento/product-enterprise-edition'], cli);
    assert.match(human, /: REFUSED$/m);
    assert.match(human, /NOT_ENTITLED: account MAG810001 is not entitled to magento\/product-enterprise-edition/);
    assert.match(human, /could not be found/);
    assert.match(human, /NO +grants +.*takes away magento\/product-enterprise-edition/);
  });

  void test('no grant, and a grant past its expiry: NO_ACTIVE_GRANT naming it', async () => {
    const none = await explainCli(keys.noGrant, 'magento/module-catalog');
    assert.equal(none.denial?.code, 'NO_ACTIVE_GRANT');
    assert.deepEqual(none.grants, []);
    assert.match(check(none, 'grants')!.detail, /no entitlement granted/);
    assert.deepEqual(await proxyAnswer(keys.noGrant, 'magento/module-catalog'), [403, 'NO_ACTIVE_GRANT']);

    const lapsed = await explainCli(keys.expiredGrant, 'magento/module-catalog');
    assert.equal(lapsed.denial?.code, 'NO_ACTIVE_GRANT');
    assert.match(lapsed.denial!.reason, new RegExp(`grant 'commerce' of account MAG810003 expired on ${daysFromToday(-1)}`));
    assert.deepEqual(
      lapsed.grants.map((g) => [g.entitlement, g.active, g.expiresOn, g.match?.rule]),
      [['commerce', false, daysFromToday(-1), 'magento/*']],
      'the expired grant would allow it: its rule still shows',
    );
    assert.deepEqual(await proxyAnswer(keys.expiredGrant, 'magento/module-catalog'), [403, 'NO_ACTIVE_GRANT']);
    assert.match(await runOk(['access', 'explain', keys.expiredGrant.publicKey, 'magento/module-catalog'], cli), /commerce \(EXPIRED \d{4}-\d\d-\d\d\)/);
  });

  void test("outside the key's scope: the grant allows it, the scope does not", async () => {
    const e = await explainCli(keys.scoped, 'magento/module-catalog');
    assert.equal(e.denial?.code, 'NOT_ENTITLED');
    assert.match(e.denial!.reason, /scoped to magento\/module-cms/);
    assert.equal(check(e, 'grants')?.ok, true);
    assert.deepEqual(e.scope, { rules: ['magento/module-cms'], match: null, allows: false });
    assert.equal((await explainCli(keys.scoped, 'magento/module-cms')).allowed, true);
    assert.deepEqual(await proxyAnswer(keys.scoped, 'magento/module-catalog'), [404, 'NOT_ENTITLED']);
  });

  void test('a suspended account, with its reason; a disabled key; a key past its expiry', async () => {
    const suspended = await explainCli(keys.suspended, 'magento/module-catalog');
    assert.equal(suspended.denial?.code, 'ACCOUNT_SUSPENDED');
    assert.deepEqual(suspended.account, { id: 'MAG810004', status: 'suspended', suspensionReason: 'invoice 2024-117 is outstanding' });
    assert.match(check(suspended, 'account-status')!.detail, /invoice 2024-117 is outstanding/);
    assert.equal(check(suspended, 'grants')?.ok, true, 'the trail still shows that the grant would allow it');
    assert.deepEqual(await proxyAnswer(keys.suspended, 'magento/module-catalog'), [403, 'ACCOUNT_SUSPENDED']);

    const disabled = await explainCli(keys.disabled, 'magento/module-catalog');
    assert.equal(disabled.denial?.code, 'KEY_DISABLED');
    assert.equal(check(disabled, 'key-status')?.ok, false);
    assert.deepEqual(await proxyAnswer(keys.disabled, 'magento/module-catalog'), [401, 'KEY_DISABLED']);

    const expired = await explainCli(keys.expiredKey, 'magento/module-catalog');
    assert.equal(expired.denial?.code, 'KEY_EXPIRED');
    assert.equal(check(expired, 'key-expiry')?.detail, `the key expired on ${daysFromToday(-2)}`);
    assert.deepEqual(await proxyAnswer(keys.expiredKey, 'magento/module-catalog'), [401, 'KEY_EXPIRED']);
  });

  void test("the key's networks: not checked without an address, refused from one outside them", async () => {
    const anywhere = await explainCli(keys.networks, 'magento/module-catalog');
    assert.equal(anywhere.allowed, true);
    assert.equal(check(anywhere, 'key-address')?.ok, null);
    assert.match(check(anywhere, 'key-address')!.detail, /only from 10\.0\.0\.0\/8/);
    const outside = await explainCli(keys.networks, 'magento/module-catalog', '--from', '192.0.2.7');
    assert.equal(outside.denial?.code, 'ADDRESS_NOT_ALLOWED');
    assert.equal((await explainCli(keys.networks, 'magento/module-catalog', '--from', '10.1.2.3')).allowed, true);
  });

  void test('CLI refusals: an unknown key (exit 1), a malformed key, package or address (exit 2)', async () => {
    await expectFailure(['access', 'explain', '0123456789abcdef0123456789abcdef', 'magento/module-catalog'], cli, 1, '0123456789abcdef0123456789abcdef');
    await expectFailure(['access', 'explain', 'nokey', 'magento/module-catalog'], cli, 2, '"nokey"');
    await expectFailure(['access', 'explain', keys.plain.publicKey, 'Magento Catalog'], cli, 2, '"Magento Catalog"');
    await expectFailure(['access', 'explain', keys.plain.publicKey, 'magento/module-catalog', '--from', 'office'], cli, 2, '"office"');
    const json = await runCli(['access', 'explain', '0123456789abcdef0123456789abcdef', 'magento/module-catalog', '--json'], cli);
    assert.equal((JSON.parse(json.stderr) as { error: { code: string } }).error.code, 'NOT_FOUND');
  });

  void test('admin API: the same document as the CLI, plus whether the upstream lists the package; operator only', async () => {
    const cases: Array<[TestKey, string]> = [
      [keys.plain, 'magento/module-catalog'],
      [keys.plain, 'magento/product-enterprise-edition'],
      [keys.noGrant, 'magento/module-catalog'],
      [keys.expiredGrant, 'magento/module-catalog'],
      [keys.scoped, 'magento/module-catalog'],
      [keys.suspended, 'magento/module-catalog'],
      [keys.disabled, 'magento/module-catalog'],
    ];
    for (const [key, pkg] of cases) {
      const res = await explainApi(`key=${key.publicKey}&package=${encodeURIComponent(pkg)}`);
      assert.equal(res.status, 200, res.text);
      const api = accessExplanationResponse.parse(res.body);
      const fromCli = await explainCli(key, pkg);
      assert.equal(api.knownUpstream, true, `${pkg} is on the mock upstream`);
      assert.equal(api.knownSource, 'default');
      assert.deepEqual(
        { ...api, knownUpstream: null, knownSource: null, checks: api.checks.filter((c) => c.check !== 'upstream') },
        fromCli,
        `${key.publicKey} ${pkg}`,
      );
    }
    const typo = accessExplanationResponse.parse((await explainApi(`key=${keys.plain.publicKey}&package=magento/module-catalgo`)).body);
    assert.equal(typo.knownUpstream, false);
    assert.equal(typo.knownSource, null);
    assert.match(typo.checks.at(-1)?.detail ?? '', /^the upstream does not list magento\/module-catalgo/);
    assert.equal(typo.checks.at(-1)?.check, 'upstream');
    assert.equal(typo.checks.at(-1)?.ok, false);

    const from = accessExplanationResponse.parse((await explainApi(`key=${keys.networks.publicKey}&package=magento/module-catalog&from=192.0.2.7`)).body);
    assert.equal(from.denial?.code, 'ADDRESS_NOT_ALLOWED');

    const codeOf = (res: request.Response): string => (res.body as { code: string }).code;
    assert.equal(codeOf(await explainApi('package=magento/module-catalog')), 'VALIDATION');
    assert.equal(codeOf(await explainApi(`key=${keys.plain.publicKey}&package=Not A Package`)), 'VALIDATION');
    assert.equal(codeOf(await explainApi('key=0123456789abcdef0123456789abcdef&package=magento/module-catalog')), 'NOT_FOUND');

    await repogate.registry.accounts.setPassword('MAG810001', 'owner password 810001', testActor);
    const session = await request(repogate.adminUrl).post('/api/v1/session').send({ mageId: 'MAG810001', password: 'owner password 810001' });
    const ownerToken = (session.body as { token: string }).token;
    const owner = await explainApi(`key=${keys.plain.publicKey}&package=magento/module-catalog`, ownerToken);
    assert.equal(owner.status, 403);
    assert.equal(codeOf(owner), 'FORBIDDEN');
  });
});
