import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { z } from 'zod';
import { cliShapes, expectFailure, runCli, runJson, runOk, suiteDataDir } from '../helpers/cli.js';

const account = 'MAG200001';
const unknownKey = '0123456789abcdef0123456789abcdef';

void describe('repogate keys', { concurrency: true }, () => {
  const options = suiteDataDir(async () => {
    await runOk(['accounts', 'create', account, '--name', 'Keys Test'], options);
  });

  const createKey = async (name: string, ...extra: string[]) =>
    cliShapes.issuedKey.parse(await runJson(['keys', 'create', '--account', account, '--name', name, ...extra], options));
  const showKey = async (publicKey: string) => cliShapes.key.parse(await runJson(['keys', 'show', publicKey], options));

  void test('create --json prints exactly the pair, the name and the account', async () => {
    const [a, b] = await Promise.all([createKey('alice'), createKey('bob')]);
    assert.deepEqual(Object.keys(a), ['publicKey', 'privateKey', 'name', 'account']);
    assert.deepEqual([a.name, a.account], ['alice', account]);
    assert.equal(new Set([a.publicKey, a.privateKey, b.publicKey, b.privateKey]).size, 4);
  });

  void test('create prints the pair once, the auth.json snippet and the composer config line', async () => {
    const [local, behindProxy, otherPort] = await Promise.all([
      runOk(['keys', 'create', '--account', account, '--name', 'ci job'], options),
      runOk(['keys', 'create', '--account', account, '--name', 'ci public'], {
        ...options,
        env: { REPOGATE_PUBLIC_URL: 'https://composer.example.test:8443/' },
      }),
      runOk(['keys', 'create', '--account', account, '--name', 'ci port'], { ...options, env: { PORT: '9090' } }),
    ]);
    for (const [output, host] of [
      [local, 'localhost:8080'],
      [behindProxy, 'composer.example.test:8443'],
      [otherPort, 'localhost:9090'],
    ] as const) {
      const publicKey = /Public key: +([0-9a-f]{32})/.exec(output)?.[1];
      const privateKey = /Private key: +([0-9a-f]{32})/.exec(output)?.[1];
      assert.ok(publicKey !== undefined && privateKey !== undefined, output);
      assert.match(output, /shown only this once/);
      const snippet = /^\{\n[\s\S]*?\n\}$/m.exec(output)?.[0];
      assert.ok(snippet !== undefined, output);
      assert.deepEqual(JSON.parse(snippet), { 'http-basic': { [host]: { username: publicKey, password: privateKey } } });
      assert.ok(output.includes(`composer config --global http-basic.${host} ${publicKey} ${privateKey}\n`), output);
    }
  });

  void test('list and show give name, public key, account, status, created, last used, and never a secret', async () => {
    const key = await createKey('carol', '--scope', 'magento/*', '!magento/module-b2b*', '--cidr', '10.0.0.0/8', '--cidr', '192.0.2.7', '--expires', '2099-12-31');
    const [table, list, filtered, shown, detail] = await Promise.all([
      runOk(['keys', 'list'], options),
      runJson(['keys', 'list'], options),
      runJson(['keys', 'list', '--account', account], options),
      runOk(['keys', 'show', key.publicKey], options),
      showKey(key.publicKey),
    ]);
    assert.match(table, /Name.*Public key.*Account.*Status.*Created.*Last used/);
    assert.match(table, new RegExp(`carol.*${key.publicKey}.*${account}.*enabled.*\\d{4}-\\d{2}-\\d{2}.*never`));
    for (const output of [table, JSON.stringify(list), JSON.stringify(filtered), shown, JSON.stringify(detail)]) {
      assert.ok(!output.includes(key.privateKey), 'the private key must never be listed');
      assert.ok(!/hash/i.test(output), 'no hash in the output');
    }
    assert.ok(cliShapes.key.array().parse(list).some((k) => k.publicKey === key.publicKey));
    assert.ok(cliShapes.key.array().parse(filtered).every((k) => k.accountId === account));
    assert.deepEqual(
      [detail.name, detail.accountId, detail.status, detail.scope, detail.cidrs, detail.expiresOn, detail.lastUsedAt],
      ['carol', account, 'enabled', ['magento/*', '!magento/module-b2b*'], ['10.0.0.0/8', '192.0.2.7/32'], '2099-12-31', null],
    );
    assert.match(shown, new RegExp(`^public key: +${key.publicKey}$`, 'm'));
    assert.match(shown, /^scope: +magento\/\* !magento\/module-b2b\*$/m);
    assert.match(shown, /^networks: +10\.0\.0\.0\/8 192\.0\.2\.7\/32$/m);
    assert.match(shown, /^last used: +never$/m);
  });

  void test('disable, enable and rename are reflected in show and list', async () => {
    const key = await createKey('dave');
    assert.equal(cliShapes.key.parse(await runJson(['keys', 'disable', key.publicKey], options)).status, 'disabled');
    const [listed, shown] = await Promise.all([runOk(['keys', 'list', '--account', account], options), runOk(['keys', 'show', key.publicKey], options)]);
    assert.match(listed, new RegExp(`dave.*${key.publicKey}.*disabled`));
    assert.match(shown, /^status: +disabled$/m);
    assert.match(await runOk(['keys', 'enable', key.publicKey], options), /Enabled/);
    assert.match(await runOk(['keys', 'rename', key.publicKey, 'dave laptop'], options), /dave laptop/);
    const after = await showKey(key.publicKey);
    assert.deepEqual([after.status, after.name], ['enabled', 'dave laptop']);
  });

  void test('disabling a disabled key (or enabling an enabled one) changes nothing, records nothing, and says so', async () => {
    const key = await createKey('gina');
    const actionsOf = async (): Promise<string[]> =>
      z.array(z.object({ action: z.string() })).parse(await runJson(['audit', '--key', key.publicKey], options)).map((e) => e.action);

    assert.match(await runOk(['keys', 'enable', key.publicKey], options), new RegExp(`^Key "gina" \\(${key.publicKey}\\) is already enabled: nothing changed\\.$`, 'm'));
    assert.match(await runOk(['keys', 'disable', key.publicKey], options), /^Disabled key "gina"/m);
    const again = await runCli(['keys', 'disable', key.publicKey], options);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, new RegExp(`^Key "gina" \\(${key.publicKey}\\) is already disabled: nothing changed\\.$`, 'm'));
    const json = cliShapes.key.parse(await runJson(['keys', 'disable', key.publicKey], options));
    assert.equal(json.status, 'disabled', '--json prints the key as it is');
    assert.deepEqual(await actionsOf(), ['key.disabled', 'key.created'], 'one audit event for the one change');
  });

  void test('create --expires with a day already past is refused (exit 2, VALIDATION) naming --expires; today is accepted', async () => {
    const today = new Date().toISOString().slice(0, 10);
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    const create = ['keys', 'create', '--account', account, '--name', 'already expired'];
    const human = await expectFailure([...create, '--expires', yesterday], options, 2, '--expires', yesterday);
    assert.match(human.stderr, /in the past/);
    const result = await runCli([...create, '--expires', '2020-01-31', '--json'], options);
    assert.equal(result.code, 2);
    const error = cliShapes.error.parse(JSON.parse(result.stderr));
    assert.equal(error.error.code, 'VALIDATION');
    assert.match(error.error.message, /^--expires 2020-01-31 is in the past/);
    const listed = cliShapes.key.array().parse(await runJson(['keys', 'list', '--account', account], options));
    assert.ok(!listed.some((k) => k.name === 'already expired'), 'nothing was created');

    const lastDay = await createKey('last day today', '--expires', today);
    assert.equal((await showKey(lastDay.publicKey)).expiresOn, today);
  });

  void test('delete removes the key', async () => {
    const key = await createKey('erin');
    assert.deepEqual(await runJson(['keys', 'delete', key.publicKey], options), { publicKey: key.publicKey, deleted: true });
    const [list] = await Promise.all([
      runJson(['keys', 'list'], options),
      expectFailure(['keys', 'show', key.publicKey], options, 1, key.publicKey),
    ]);
    assert.ok(!cliShapes.key.array().parse(list).some((k) => k.publicKey === key.publicKey));
    await expectFailure(['keys', 'delete', key.publicKey], options, 1, key.publicKey);
  });

  void test('regenerate gives a new pair with the same settings; the old public key is gone', async () => {
    const old = await createKey('frank', '--scope', 'magento/*', '--cidr', '10.0.0.0/8', '--expires', '2099-01-31');
    const fresh = cliShapes.issuedKey.parse(await runJson(['keys', 'regenerate', old.publicKey], options));
    assert.deepEqual([fresh.name, fresh.account], ['frank', account]);
    assert.notEqual(fresh.publicKey, old.publicKey);
    assert.notEqual(fresh.privateKey, old.privateKey);
    const [detail] = await Promise.all([
      showKey(fresh.publicKey),
      expectFailure(['keys', 'show', old.publicKey], options, 1, old.publicKey),
      expectFailure(['keys', 'regenerate', old.publicKey], options, 1, old.publicKey),
    ]);
    assert.deepEqual([detail.scope, detail.cidrs, detail.expiresOn], [['magento/*'], ['10.0.0.0/8'], '2099-01-31']);
    const human = await runOk(['keys', 'regenerate', fresh.publicKey], options);
    assert.match(human, /Regenerated access key "frank"/);
    assert.match(human, /shown only this once/);
    assert.match(human, /"http-basic"/);
    assert.match(human, /composer config --global http-basic\.localhost:8080 [0-9a-f]{32} [0-9a-f]{32}/);
  });

  void test('a malformed public key is a usage error (exit 2) naming it, for every command', async () => {
    await Promise.all([
      expectFailure(['keys', 'show', 'abc'], options, 2, '"abc"'),
      expectFailure(['keys', 'disable', unknownKey.toUpperCase()], options, 2, unknownKey.toUpperCase()),
      expectFailure(['keys', 'enable', `${unknownKey}0`], options, 2, `${unknownKey}0`),
      expectFailure(['keys', 'delete', 'not-a-key'], options, 2, 'not-a-key'),
      expectFailure(['keys', 'regenerate', 'zz'], options, 2, '"zz"'),
      expectFailure(['keys', 'rename', 'xyz', 'new name'], options, 2, '"xyz"'),
    ]);
  });

  void test('an unknown public key or account is refused with exit 1 naming it', async () => {
    await Promise.all([
      expectFailure(['keys', 'show', unknownKey], options, 1, unknownKey),
      expectFailure(['keys', 'disable', unknownKey], options, 1, unknownKey),
      expectFailure(['keys', 'regenerate', unknownKey], options, 1, unknownKey),
      expectFailure(['keys', 'rename', unknownKey, 'x'], options, 1, unknownKey),
      expectFailure(['keys', 'create', '--account', 'MAG299999', '--name', 'x'], options, 1, 'MAG299999'),
      expectFailure(['keys', 'list', '--account', 'MAG299998'], options, 1, 'MAG299998'),
    ]);
  });

  void test('malformed options of create are usage errors naming the value', async () => {
    const create = ['keys', 'create', '--account', account, '--name', 'x'];
    await Promise.all([
      expectFailure(['keys', 'create', '--account', 'MAGX', '--name', 'x'], options, 2, '"MAGX"'),
      expectFailure(['keys', 'create', '--account', account], options, 2, '--name'),
      expectFailure(['keys', 'create', '--name', 'x'], options, 2, '--account'),
      expectFailure([...create, '--expires', '2099-02-30'], options, 2, '2099-02-30'),
      expectFailure([...create, '--expires', '31.12.2099'], options, 2, '31.12.2099'),
      expectFailure([...create, '--scope', 'Magento/*'], options, 2, 'Magento/*'),
      expectFailure([...create, '--cidr', '10.0.0.0/33'], options, 2, '10.0.0.0/33'),
      expectFailure(['keys', 'list', '--account', 'mag1'], options, 2, '"mag1"'),
    ]);
    const result = await runCli([...create, '--expires', 'tomorrow', '--json'], options);
    assert.equal(result.code, 2);
    const error = cliShapes.error.parse(JSON.parse(result.stderr));
    assert.equal(error.error.code, 'VALIDATION');
    assert.match(error.error.message, /tomorrow/);
  });
});
