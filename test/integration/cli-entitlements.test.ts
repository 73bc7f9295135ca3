import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { accountDetailShape, cliShapes, expectFailure, runJson, runOk, suiteDataDir } from '../helpers/cli.js';

void describe('repogate entitlements, grant and revoke', { concurrency: true }, () => {
  const options = suiteDataDir(async () => {
    await runOk(['entitlements', 'define', 'magento-ce', '--rule', 'magento/*', '--rule', '!magento/module-b2b*'], options);
    await Promise.all([
      runOk(['entitlements', 'define', 'everything', '--rule', '*/*'], options),
      runOk(['accounts', 'create', 'MAG400001', '--name', 'Grants Test'], options),
      runOk(['accounts', 'create', 'MAG400002', '--name', 'Revoke Test'], options),
    ]);
  });

  void test('define and list (human and --json); define again replaces the rules', async () => {
    const created = cliShapes.entitlement.parse(
      await runJson(['entitlements', 'define', 'amasty', '--rule', 'amasty/*', 'amasty/module-*', '--rule', '!amasty/base'], options),
    );
    assert.deepEqual([created.name, created.rules], ['amasty', ['amasty/*', 'amasty/module-*', '!amasty/base']]);
    assert.match(await runOk(['entitlements', 'define', 'amasty', '--rule', 'amasty/*'], options), /Updated entitlement "amasty": amasty\/\*$/m);
    const [table, list] = await Promise.all([runOk(['entitlements', 'list'], options), runJson(['entitlements', 'list'], options)]);
    assert.match(table, /magento-ce.*magento\/\*/);
    assert.match(table, /!magento\/module-b2b\*/);
    const parsed = cliShapes.entitlement.array().parse(list);
    assert.deepEqual(parsed.find((e) => e.name === 'amasty')?.rules, ['amasty/*']);
    assert.deepEqual(parsed.find((e) => e.name === 'magento-ce')?.rules, ['magento/*', '!magento/module-b2b*']);
  });

  void test('invalid rules and names are usage errors naming them', async () => {
    await Promise.all([
      expectFailure(['entitlements', 'define', 'bad', '--rule', 'Magento/*'], options, 2, '"Magento/*"'),
      expectFailure(['entitlements', 'define', 'bad', '--rule', 'magento'], options, 2, '"magento"'),
      expectFailure(['entitlements', 'define', 'bad', '--rule', 'magento/ module'], options, 2, '"magento/ module"'),
      expectFailure(['entitlements', 'define', 'bad', '--rule', 'magento/*', '--rule', ''], options, 2, 'rule'),
      expectFailure(['entitlements', 'define', 'Bad Name', '--rule', 'magento/*'], options, 2, '"Bad Name"'),
      expectFailure(['entitlements', 'define', 'bad'], options, 2, '--rule'),
    ]);
  });

  void test('grant with an expiry shows in accounts show; grant again changes it', async () => {
    const grant = cliShapes.grant.parse(await runJson(['grant', 'MAG400001', 'magento-ce', '--expires', '2099-12-31'], options));
    assert.deepEqual([grant.accountId, grant.entitlement, grant.expiresOn], ['MAG400001', 'magento-ce', '2099-12-31']);
    assert.match(await runOk(['grant', 'MAG400001', 'everything', '--expires', '2000-01-31'], options), /until 2000-01-31/);
    const [human, detail] = await Promise.all([
      runOk(['accounts', 'show', 'MAG400001'], options),
      runJson(['accounts', 'show', 'MAG400001'], options),
    ]);
    assert.match(human, /^grants: +everything \(expired 2000-01-31\), magento-ce \(until 2099-12-31\)$/m);
    assert.deepEqual(accountDetailShape.parse(detail).grants, [
      { entitlement: 'everything', expiresOn: '2000-01-31', expired: true },
      { entitlement: 'magento-ce', expiresOn: '2099-12-31', expired: false },
    ]);
    await runOk(['grant', 'MAG400001', 'everything'], options);
    assert.match(await runOk(['accounts', 'show', 'MAG400001'], options), /everything \(no expiry\)/);
  });

  void test('revoke removes the grant; revoking it again is refused', async () => {
    await runOk(['grant', 'MAG400002', 'magento-ce'], options);
    assert.deepEqual(await runJson(['revoke', 'MAG400002', 'magento-ce'], options), {
      account: 'MAG400002',
      entitlement: 'magento-ce',
      revoked: true,
    });
    assert.deepEqual(accountDetailShape.parse(await runJson(['accounts', 'show', 'MAG400002'], options)).grants, []);
    await expectFailure(['revoke', 'MAG400002', 'magento-ce'], options, 1, 'MAG400002', 'magento-ce');
  });

  void test('refusals: unknown account or entitlement (1), malformed MAGEID or date (2)', async () => {
    await Promise.all([
      expectFailure(['grant', 'MAG499999', 'magento-ce'], options, 1, 'MAG499999'),
      expectFailure(['grant', 'MAG400001', 'no-such-thing'], options, 1, 'no-such-thing'),
      expectFailure(['revoke', 'MAG499998', 'magento-ce'], options, 1, 'MAG499998'),
      expectFailure(['grant', 'MAGX', 'magento-ce'], options, 2, '"MAGX"'),
      expectFailure(['revoke', 'mag400001', 'magento-ce'], options, 2, '"mag400001"'),
      expectFailure(['grant', 'MAG400001', 'magento-ce', '--expires', '2099-02-30'], options, 2, '2099-02-30'),
      expectFailure(['grant', 'MAG400001', 'magento-ce', '--expires', '12/31/2099'], options, 2, '12/31/2099'),
      expectFailure(['grant', 'MAG400001'], options, 2, 'entitlement'),
      expectFailure(['grant', 'MAG400001', 'Not Valid'], options, 2, '"Not Valid"'),
    ]);
  });
});
