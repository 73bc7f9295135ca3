import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { z } from 'zod';
import { accountDetailShape, cliShapes, expectFailure, readAllFiles, runCli, runJson, runOk, suiteDataDir, type CliOptions } from '../helpers/cli.js';

const secretsKey = 'a-test-secrets-key-of-more-than-32-characters';
const password = 'Source-Passw0rd-Nobody-Sees';
const githubToken = 'ghp_SourceTokenNobodySees0123456789';
const upstream = { REPOGATE_UPSTREAM_URL: 'https://repo.magento.example/', REPOGATE_UPSTREAM_USERNAME: 'envuser', REPOGATE_UPSTREAM_PASSWORD: 'env-password-hidden' };

/** Files under the data directory whose bytes contain `needle`. */
async function filesContaining(dataDir: string, needle: string): Promise<string[]> {
  const found: string[] = [];
  for (const [path, bytes] of await readAllFiles(dataDir)) if (bytes.includes(Buffer.from(needle, 'utf8'))) found.push(path);
  return found;
}

void describe('repogate sources', () => {
  const base = suiteDataDir(async () => {
    await runOk(['accounts', 'create', 'MAG700001', '--name', 'Reader One'], base);
    await runOk(['accounts', 'create', 'MAG700002', '--name', 'Reader Two'], base);
  });
  const keyed = (): CliOptions => ({ ...base, env: { ...upstream, REPOGATE_SECRETS_KEY: secretsKey } });
  const unkeyed = (): CliOptions => ({ ...base, env: upstream });

  void test('without REPOGATE_SECRETS_KEY: a source without credentials is added; one with a password is refused, naming the variable', async () => {
    const added = cliShapes.source.parse(await runJson(['sources', 'add', 'public-mirror', '--url', 'https://mirror.example/composer/'], unkeyed()));
    assert.deepEqual(
      { ...added, createdAt: undefined, updatedAt: undefined },
      { name: 'public-mirror', url: 'https://mirror.example/composer', username: null, hasPassword: false, hasGithubToken: false, accounts: [], createdAt: undefined, updatedAt: undefined },
    );
    await expectFailure(['sources', 'add', 'private', '--url', 'https://private.example', '--username', 'alice', '--password-stdin'], { ...unkeyed(), input: `${password}\n` }, 1, 'REPOGATE_SECRETS_KEY');
    await expectFailure(['sources', 'add', 'private', '--url', 'https://private.example', '--github-token-stdin'], { ...unkeyed(), input: githubToken }, 1, 'REPOGATE_SECRETS_KEY');
    await expectFailure(['sources', 'add', 'private', '--url', 'https://private.example'], { ...base, env: { REPOGATE_SECRETS_KEY: 'too-short' } }, 2, 'REPOGATE_SECRETS_KEY');
  });

  void test('with the key: the password and token come from stdin (first and second line) and are stored encrypted', async () => {
    const added = cliShapes.source.parse(
      await runJson(['sources', 'add', 'private', '--url', 'https://private.example/', '--username', 'alice', '--password-stdin', '--github-token-stdin'], {
        ...keyed(),
        input: `${password}\n${githubToken}\n`,
      }),
    );
    assert.equal(added.url, 'https://private.example');
    assert.equal(added.username, 'alice');
    assert.equal(added.hasPassword, true);
    assert.equal(added.hasGithubToken, true);
    const text = await runOk(['sources', 'add', 'only-password', '--url', 'http://internal.example:8080/repo', '--username', 'bob', '--password-stdin'], { ...keyed(), input: `${password}-2\n` });
    assert.match(text, /Added source "only-password" \(http:\/\/internal\.example:8080\/repo\)/);
    assert.deepEqual(await filesContaining(base.dataDir, password), []);
    assert.deepEqual(await filesContaining(base.dataDir, githubToken), []);
    // The same search finds what is stored in the clear, so it can fail.
    assert.notDeepEqual(await filesContaining(base.dataDir, 'https://private.example'), []);
  });

  void test('bad input: name, URL, default, a repeat, --password-stdin without --username', async () => {
    await expectFailure(['sources', 'add', 'Bad_Name', '--url', 'https://x.example'], base, 2, 'Bad_Name');
    await expectFailure(['sources', 'add', 'default', '--url', 'https://x.example'], base, 1, 'REPOGATE_UPSTREAM_URL');
    for (const url of ['ftp://x.example', 'https://user:pw@x.example', 'https://x.example/?a=1', 'https://x.example/#top', 'not a url']) {
      const result = await expectFailure(['sources', 'add', 'bad-url', '--url', url], base, 1, 'source URL');
      assert.ok(!result.stderr.includes('pw@'), result.stderr);
    }
    await expectFailure(['sources', 'add', 'private', '--url', 'https://again.example'], base, 1, 'already exists');
    await expectFailure(['sources', 'add', 'no-user', '--url', 'https://x.example', '--password-stdin'], { ...keyed(), input: password }, 2, '--username');
    await expectFailure(['sources', 'add', 'two-lines', '--url', 'https://x.example', '--username', 'a', '--password-stdin', '--github-token-stdin'], { ...keyed(), input: password }, 2, 'second');
    const json = await runCli(['sources', 'add', 'default', '--url', 'https://x.example', '--json'], base);
    assert.equal(cliShapes.error.parse(JSON.parse(json.stderr)).error.code, 'BAD_REQUEST');
  });

  void test('list: default first with its origin, then the stored ones; no secret in the table or the JSON', async () => {
    const table = await runOk(['sources', 'list'], unkeyed());
    const rows = table.split('\n').filter((line) => /^│ [a-z]/.test(line));
    assert.deepEqual(rows.map((row) => row.split('│')[1]?.trim()), ['default', 'only-password', 'private', 'public-mirror']);
    assert.match(rows[0]!, /https:\/\/repo\.magento\.example .*environment .*username envuser, password set/);
    assert.match(rows[2]!, /registry .*username alice, password set, GitHub token set/);
    const list = z.array(cliShapes.sourceListed).parse(await runJson(['sources', 'list'], keyed()));
    assert.deepEqual(list.map((s) => [s.name, s.origin]), [['default', 'environment'], ['only-password', 'registry'], ['private', 'registry'], ['public-mirror', 'registry']]);
    assert.deepEqual(list[0]!.accounts, ['MAG700001', 'MAG700002']);
    assert.equal(list[0]!.createdAt, null);
    for (const output of [table, JSON.stringify(list)]) {
      for (const secret of [password, githubToken, 'env-password-hidden']) assert.ok(!output.includes(secret), `${secret} shown`);
    }
  });

  void test('accounts set-sources: ordered, validated; accounts show lists them; remove is refused while an account reads it', async () => {
    const set = cliShapes.account.parse(await runJson(['accounts', 'set-sources', 'MAG700001', 'private,default'], base));
    assert.deepEqual(set.sources, ['private', 'default']);
    assert.match(await runOk(['accounts', 'show', 'MAG700001'], base), /^sources: +private, default$/m);
    assert.deepEqual(accountDetailShape.parse(await runJson(['accounts', 'show', 'MAG700001'], base)).sources, ['private', 'default']);
    assert.deepEqual(accountDetailShape.parse(await runJson(['accounts', 'show', 'MAG700002'], base)).sources, ['default']);

    await expectFailure(['accounts', 'set-sources', 'MAG700001', 'default,nowhere'], base, 1, 'nowhere');
    await expectFailure(['accounts', 'set-sources', 'MAG700001', 'private,private'], base, 2, 'private');
    await expectFailure(['accounts', 'set-sources', 'MAG700001', ''], base, 2);
    await expectFailure(['accounts', 'set-sources', 'MAG799999', 'default'], base, 1, 'MAG799999');
    assert.deepEqual(accountDetailShape.parse(await runJson(['accounts', 'show', 'MAG700001'], base)).sources, ['private', 'default']);

    const listed = z.array(cliShapes.sourceListed).parse(await runJson(['sources', 'list'], base));
    assert.deepEqual(listed.find((s) => s.name === 'private')?.accounts, ['MAG700001']);
    assert.deepEqual(listed.find((s) => s.name === 'default')?.accounts, ['MAG700001', 'MAG700002']);

    await expectFailure(['sources', 'remove', 'private'], base, 1, 'MAG700001');
    await expectFailure(['sources', 'remove', 'default'], base, 1, 'default');
    await expectFailure(['sources', 'remove', 'nowhere'], base, 1, 'nowhere');

    await runOk(['accounts', 'set-sources', 'MAG700001', 'default'], base);
    assert.match(await runOk(['sources', 'remove', 'private'], base), /Removed source "private"/);
    const after = z.array(cliShapes.sourceListed).parse(await runJson(['sources', 'list'], base));
    assert.deepEqual(after.map((s) => s.name), ['default', 'only-password', 'public-mirror']);
  });

  void test('the audit trail records each change without a secret', async () => {
    const events = z.array(z.object({ action: z.string(), detail: z.unknown() })).parse(await runJson(['audit', '--limit', '50'], base));
    const actions = events.map((e) => e.action);
    for (const action of ['source.added', 'source.removed', 'account.sources_set']) assert.ok(actions.includes(action), `${action} in ${actions.join(', ')}`);
    const added = events.find((e) => e.action === 'source.added' && (e.detail as { name?: string }).name === 'private');
    assert.deepEqual(added?.detail, { name: 'private', url: 'https://private.example', username: 'alice', hasPassword: true, hasGithubToken: true });
    assert.ok(!JSON.stringify(events).includes(password));
  });
});
