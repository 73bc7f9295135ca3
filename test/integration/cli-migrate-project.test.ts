import assert from 'node:assert/strict';
import { chmod, mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { cliShapes, expectFailure, runCli, suiteDataDir } from '../helpers/cli.js';

void describe('repogate migrate-project: bad input and the files it writes', () => {
  const options = suiteDataDir();
  let n = 0;
  /** A fresh project directory with the given files. */
  const project = async (files: Record<string, string | Buffer>): Promise<string> => {
    const dir = join(options.dataDir, `project-${++n}`);
    await mkdir(dir);
    for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
    return dir;
  };
  const composerJson = `${JSON.stringify({ repositories: [{ type: 'composer', url: 'https://repo.magento.com/' }] }, null, 4)}\n`;

  void test('no composer.json, invalid JSON, invalid UTF-8, a bad URL or a missing --url: one line naming the problem', async () => {
    const empty = await project({});
    await expectFailure(['migrate-project', empty, '--url', 'https://repogate.example.com'], options, 1, 'no composer.json in', empty);
    await expectFailure(['migrate-project', join(empty, 'missing'), '--check'], options, 1, 'no project directory');
    const broken = await project({ 'composer.json': '{\n    "require": {\n        "a/b": "1.0",\n    }\n}\n' });
    await expectFailure(['migrate-project', broken, '--url', 'https://repogate.example.com'], options, 2, 'composer.json is not valid JSON', 'line 4, column 5');
    const latin1 = await project({ 'composer.json': composerJson, 'composer.lock': Buffer.from([0x7b, 0x22, 0xe9, 0x22, 0x7d]) });
    await expectFailure(['migrate-project', latin1, '--url', 'https://repogate.example.com'], options, 2, 'composer.lock is not valid UTF-8');
    const good = await project({ 'composer.json': composerJson });
    await expectFailure(['migrate-project', good, '--url', 'repogate.example.com'], options, 2, 'invalid repogate URL "repogate.example.com"');
    await expectFailure(['migrate-project', good, '--url', 'https://repogate.example.com', '--upstream', 'ftp://x'], options, 2, 'invalid upstream URL');
    await expectFailure(['migrate-project', good], options, 2, 'needs --url');
    for (const args of [[empty, '--check'], [broken, '--check'], [good]]) {
      const result = await runCli(['migrate-project', ...args], options);
      assert.equal(result.stderr.trim().split('\n').length, 1, `one line, no stack trace: ${result.stderr}`);
    }
    const json = await runCli(['migrate-project', broken, '--check', '--json'], options);
    assert.equal(json.code, 2);
    assert.equal(cliShapes.error.parse(JSON.parse(json.stderr)).error.code, 'VALIDATION');
  });

  void test('writes in place, keeping the file mode and leaving no temporary file; --json lists the changes', async () => {
    const dir = await project({ 'composer.json': composerJson });
    await chmod(join(dir, 'composer.json'), 0o640);
    const result = await runCli(['migrate-project', dir, '--url', 'https://repogate.example.com', '--json'], options);
    assert.equal(result.code, 0, result.stderr);
    const report = JSON.parse(result.stdout) as { written: string[]; changes: Array<{ file: string; from: string; to: string }> };
    assert.deepEqual(report.written, ['composer.json']);
    assert.deepEqual(report.changes.map((c) => [c.file, c.from, c.to]), [['composer.json', 'https://repo.magento.com/', 'https://repogate.example.com/']]);
    assert.deepEqual(await readdir(dir), ['composer.json']);
    assert.equal((await stat(join(dir, 'composer.json'))).mode & 0o777, 0o640);

    const again = await runCli(['migrate-project', dir, '--url', 'https://repogate.example.com'], options);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stdout, /no file changed/);
    // Composer's own credential settings of whoever runs the tests play no part.
    const check = await runCli(['migrate-project', dir, '--check'], { ...options, env: { COMPOSER_HOME: dir, COMPOSER_AUTH: '' } });
    assert.equal(check.code, 0, check.stderr);
  });
});
