import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { accountDetailShape, cliShapes, expectFailure, runJson, runOk, suiteDataDir } from '../helpers/cli.js';

void describe('repogate tokens', { concurrency: true }, () => {
  const options = suiteDataDir(async () => {
    await runOk(['accounts', 'create', 'MAG300001', '--name', 'Tokens Test'], options);
  });

  void test('generate prints the token once and the MAGEID:TOKEN form; again gives a different token', async () => {
    const first = cliShapes.token.parse(await runJson(['tokens', 'generate', '--account', 'MAG300001'], options));
    assert.deepEqual(Object.keys(first), ['account', 'token']);
    assert.equal(first.account, 'MAG300001');
    const human = await runOk(['tokens', 'generate', '--account', 'MAG300001'], options);
    const second = /MAG300001:([0-9a-f]+)/.exec(human)?.[1];
    assert.ok(second !== undefined, human);
    assert.notEqual(second, first.token);
    assert.match(human, /shown only this once/);
    const detail = accountDetailShape.parse(await runJson(['accounts', 'show', 'MAG300001'], options));
    assert.notEqual(detail.downloadsToken, null);
    assert.match(await runOk(['accounts', 'show', 'MAG300001'], options), /^downloads token: +yes/m);
  });

  void test('refusals: unknown account (1), malformed or missing account (2)', async () => {
    await Promise.all([
      expectFailure(['tokens', 'generate', '--account', 'MAG399999'], options, 1, 'MAG399999'),
      expectFailure(['tokens', 'generate', '--account', 'MAGIC'], options, 2, '"MAGIC"'),
      expectFailure(['tokens', 'generate'], options, 2, '--account'),
    ]);
  });
});
