import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { openRegistryDatabase } from '../../src/registry/database.js';
import { createRegistry } from '../../src/registry/registry.js';
import { accountDetailShape, cliShapes, expectFailure, runCli, runJson, runOk, suiteDataDir } from '../helpers/cli.js';

void describe('repogate accounts', { concurrency: true }, () => {
  const options = suiteDataDir(async () => {
    // Creates and migrates the registry once, before the tests below use it concurrently.
    await runOk(['accounts', 'list'], options);
  });

  void test('create, then list and show it (human and --json)', async () => {
    const created = await runOk(['accounts', 'create', 'MAG100001', '--name', 'Acme Ltd', '--email', 'ops@acme.test'], options);
    assert.match(created, /MAG100001/);
    const account = cliShapes.account.parse(await runJson(['accounts', 'create', 'MAG100002', '--name', 'Beta'], options));
    assert.deepEqual({ ...account, createdAt: '' }, {
      id: 'MAG100002',
      name: 'Beta',
      email: null,
      status: 'active',
      suspensionReason: null,
      hasPassword: false,
      createdAt: '',
      sources: ['default'],
    });

    const [table, list, shown, detail] = await Promise.all([
      runOk(['accounts', 'list'], options),
      runJson(['accounts', 'list'], options),
      runOk(['accounts', 'show', 'MAG100001'], options),
      runJson(['accounts', 'show', 'MAG100001'], options),
    ]);
    assert.match(table, /MAG100001.*Acme Ltd.*ops@acme\.test.*active/);
    const ids = cliShapes.account.array().parse(list).map((a) => a.id);
    assert.ok(ids.includes('MAG100001') && ids.includes('MAG100002'), ids.join());
    assert.match(shown, /^MAGEID: +MAG100001$/m);
    assert.match(shown, /^name: +Acme Ltd$/m);
    assert.match(shown, /^status: +active$/m);
    assert.match(shown, /^grants: +none$/m);
    assert.match(shown, /^downloads token: +none$/m);
    const parsed = accountDetailShape.parse(detail);
    assert.deepEqual([parsed.grants, parsed.keys, parsed.downloadsToken], [[], 0, null]);
  });

  void test('--json is accepted before the subcommand too', async () => {
    await runOk(['accounts', 'create', 'MAG100003', '--name', 'Gamma'], options);
    const detail = accountDetailShape.parse(JSON.parse(await runOk(['--json', 'accounts', 'show', 'MAG100003'], options)));
    assert.equal(detail.id, 'MAG100003');
  });

  void test('a duplicate account is refused with exit 1', async () => {
    await runOk(['accounts', 'create', 'MAG100004', '--name', 'Delta'], options);
    await expectFailure(['accounts', 'create', 'MAG100004', '--name', 'Again'], options, 1, 'MAG100004', 'already exists');
  });

  void test('a malformed MAGEID is a usage error (exit 2) naming it, for every command', async () => {
    await Promise.all([
      expectFailure(['accounts', 'create', 'mag1', '--name', 'x'], options, 2, '"mag1"'),
      expectFailure(['accounts', 'show', 'MAG'], options, 2, '"MAG"'),
      expectFailure(['accounts', 'suspend', 'MAG12x', '--reason', 'r'], options, 2, '"MAG12x"'),
      expectFailure(['accounts', 'resume', 'ACME'], options, 2, '"ACME"'),
      expectFailure(['accounts', 'delete', '123'], options, 2, '"123"'),
      expectFailure(['accounts', 'set-password', 'MAG-1'], options, 2, '"MAG-1"'),
    ]);
  });

  void test('an unknown MAGEID is refused with exit 1 naming it, for every command', async () => {
    await Promise.all([
      expectFailure(['accounts', 'show', 'MAG999001'], options, 1, 'MAG999001'),
      expectFailure(['accounts', 'suspend', 'MAG999002', '--reason', 'unpaid'], options, 1, 'MAG999002'),
      expectFailure(['accounts', 'resume', 'MAG999003'], options, 1, 'MAG999003'),
      expectFailure(['accounts', 'delete', 'MAG999004'], options, 1, 'MAG999004'),
      expectFailure(['accounts', 'set-password', 'MAG999005'], { ...options, input: 'long enough password' }, 1, 'MAG999005'),
    ]);
  });

  void test('missing or invalid options are usage errors', async () => {
    await Promise.all([
      expectFailure(['accounts', 'create', 'MAG100005'], options, 2, '--name'),
      expectFailure(['accounts', 'create', 'MAG100006', '--name', 'x', '--email', 'not-an-email'], options, 2, 'not-an-email'),
      expectFailure(['accounts', 'suspend', 'MAG100005'], options, 2, '--reason'),
      expectFailure(['accounts', 'show'], options, 2, 'MAGEID'),
    ]);
  });

  void test('suspend with a reason, then resume', async () => {
    await runOk(['accounts', 'create', 'MAG100007', '--name', 'Epsilon'], options);
    const suspended = cliShapes.account.parse(
      await runJson(['accounts', 'suspend', 'MAG100007', '--reason', 'outstanding invoice 42'], options),
    );
    assert.deepEqual([suspended.status, suspended.suspensionReason], ['suspended', 'outstanding invoice 42']);
    assert.match(await runOk(['accounts', 'show', 'MAG100007'], options), /^status: +suspended: outstanding invoice 42$/m);
    const resumed = await runOk(['accounts', 'resume', 'MAG100007'], options);
    assert.match(resumed, /MAG100007/);
    const detail = accountDetailShape.parse(await runJson(['accounts', 'show', 'MAG100007'], options));
    assert.deepEqual([detail.status, detail.suspensionReason], ['active', null]);
  });

  void test('set-password reads the password from stdin', async () => {
    await runOk(['accounts', 'create', 'MAG100008', '--name', 'Zeta'], options);
    await expectFailure(['accounts', 'set-password', 'MAG100008'], { ...options, input: 'short\n' }, 2, 'too short');
    await expectFailure(['accounts', 'set-password', 'MAG100008'], options, 2, 'too short');
    const json = await runJson(['accounts', 'set-password', 'MAG100008'], { ...options, input: 'correct horse battery\n' });
    assert.deepEqual(json, { account: 'MAG100008', passwordSet: true });
    assert.match(await runOk(['accounts', 'show', 'MAG100008'], options), /^password: +set$/m);

    const registry = createRegistry(await openRegistryDatabase(`sqlite:${options.dataDir}/registry.sqlite`));
    try {
      assert.equal(await registry.accounts.checkPassword('MAG100008', 'correct horse battery'), true);
      assert.equal(await registry.accounts.checkPassword('MAG100008', 'correct horse battery\n'), false);
    } finally {
      await registry.close();
    }
  });

  void test('delete removes the account with its keys', async () => {
    await runOk(['accounts', 'create', 'MAG100009', '--name', 'Eta'], options);
    const [first, second] = await Promise.all([
      runJson(['keys', 'create', '--account', 'MAG100009', '--name', 'ci'], options),
      runJson(['keys', 'create', '--account', 'MAG100009', '--name', 'dev'], options),
    ]);
    const keys = [cliShapes.issuedKey.parse(first), cliShapes.issuedKey.parse(second)];
    const deleted = await runOk(['accounts', 'delete', 'MAG100009'], options);
    assert.match(deleted, /MAG100009.*2 key/);
    const [show, list, ...keyShows] = await Promise.all([
      runCli(['accounts', 'show', 'MAG100009'], options),
      runJson(['keys', 'list'], options),
      ...keys.map((k) => runCli(['keys', 'show', k.publicKey], options)),
    ]);
    assert.equal(show.code, 1);
    const remaining = cliShapes.key.array().parse(list).map((k) => k.publicKey);
    for (const key of keys) assert.ok(!remaining.includes(key.publicKey));
    for (const result of keyShows) assert.equal(result.code, 1, result.stderr);
  });
});
