import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test, type TestContext } from 'node:test';
import { cliPath, createDataDir, expectFailure, repoRoot, runCli, runJson, runOk, suiteDataDir } from '../helpers/cli.js';

const packageVersion = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;

void describe('repogate --version', () => {
  void test('prints the package version and exits 0, without opening a registry', async () => {
    const data = await createDataDir();
    try {
      for (const flag of ['--version', '-V']) {
        const result = await runCli([flag], { dataDir: data.dataDir });
        assert.equal(result.code, 0, result.stderr);
        assert.equal(result.stdout, `${packageVersion}\n`);
        assert.equal(result.stderr, '');
      }
      assert.equal(existsSync(join(data.dataDir, 'registry.sqlite')), false);
    } finally {
      await data.cleanup();
    }
  });
});

void describe('a command that creates a new, empty registry says where on stderr', () => {
  void test('the first command names the absolute path; the next one says nothing; --json gives a JSON notice', async () => {
    const data = await createDataDir();
    try {
      // As from the wrong directory: the default ./data, relative to where the command runs.
      const env = { REPOGATE_DATA_DIR: './data' };
      const first = await runCli(['accounts', 'list'], { dataDir: data.dataDir, env });
      assert.equal(first.code, 0, first.stderr);
      assert.equal(first.stdout, 'No accounts.\n', 'stdout stays the result');
      const path = join(data.dataDir, 'data', 'registry.sqlite');
      assert.match(first.stderr, /^repogate: created a new, empty registry at (.+) \(REPOGATE_DATA_DIR/);
      assert.ok(first.stderr.includes(` at ${path} (`), first.stderr);
      const second = await runCli(['accounts', 'list'], { dataDir: data.dataDir, env });
      assert.equal(second.stderr, '', 'an existing registry is used without a word');

      const json = await runCli(['accounts', 'list', '--json'], { dataDir: data.dataDir, env: { REPOGATE_DATA_DIR: './other' } });
      assert.equal(json.code, 0, json.stderr);
      assert.deepEqual(JSON.parse(json.stdout), []);
      const notice = (JSON.parse(json.stderr) as { notice: { code: string; location: string; message: string } }).notice;
      assert.equal(notice.code, 'REGISTRY_CREATED');
      assert.equal(notice.location, join(data.dataDir, 'other', 'registry.sqlite'));
    } finally {
      await data.cleanup();
    }
  });
});

/** Runs the CLI on a pseudo terminal (util-linux `script`), typing `typed` once the question shows. */
function runOnTerminal(args: readonly string[], dataDir: string, typed: string): Promise<{ code: number; output: string }> {
  const command = [process.execPath, cliPath, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const child = spawn('script', ['-qec', command, '/dev/null'], {
    cwd: dataDir,
    env: { ...process.env, REPOGATE_DATA_DIR: dataDir, TERM: 'dumb' },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let output = '';
  let answered = false;
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
    // Type only once the question is on the terminal: input typed earlier would be echoed before it.
    if (!answered && output.includes('[y/N]')) {
      answered = true;
      child.stdin.write(typed);
    }
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, output }));
  });
}

function requireScript(t: TestContext): boolean {
  const found = ['/usr/bin/script', '/bin/script'].some((p) => existsSync(p));
  if (!found) {
    if (process.env['CI'] === 'true') assert.fail('util-linux `script` is needed for the terminal tests');
    t.skip('util-linux `script` is not installed');
  }
  return found;
}

void describe('accounts delete asks on a terminal; --yes and scripts are not asked', { concurrency: true }, () => {
  const options = suiteDataDir(async () => {
    for (const id of ['MAG830001', 'MAG830002', 'MAG830003', 'MAG830004', 'MAG830005']) {
      await runOk(['accounts', 'create', id, '--name', `Account ${id}`], options);
    }
    await runOk(['keys', 'create', '--account', 'MAG830001', '--name', 'laptop'], options);
  });
  const exists = async (id: string): Promise<boolean> => (await runCli(['accounts', 'show', id], options)).code === 0;

  void test('on a terminal: anything but y keeps the account (exit 1, NOT_CONFIRMED); y deletes it', async (t) => {
    if (!requireScript(t)) return;
    await mkdir(options.dataDir, { recursive: true });
    const kept = await runOnTerminal(['accounts', 'delete', 'MAG830001'], options.dataDir, 'n\r');
    assert.equal(kept.code, 1, kept.output);
    assert.match(kept.output, /Delete account MAG830001 \(Account MAG830001\) with its 1 key\(s\), grants and downloads token\?/);
    assert.match(kept.output, /account MAG830001 was not deleted: not confirmed/);
    assert.equal(await exists('MAG830001'), true);

    const empty = await runOnTerminal(['accounts', 'delete', 'MAG830001'], options.dataDir, '\r');
    assert.equal(empty.code, 1, 'Enter alone is a no');
    assert.equal(await exists('MAG830001'), true);

    const deleted = await runOnTerminal(['accounts', 'delete', 'MAG830001'], options.dataDir, 'y\r');
    assert.equal(deleted.code, 0, deleted.output);
    assert.match(deleted.output, /Deleted account MAG830001 with its 1 key\(s\)/);
    assert.equal(await exists('MAG830001'), false);
  });

  void test('on a terminal with --yes: deleted without a question', async (t) => {
    if (!requireScript(t)) return;
    const result = await runOnTerminal(['accounts', 'delete', 'MAG830002', '--yes'], options.dataDir, '');
    assert.equal(result.code, 0, result.output);
    assert.ok(!result.output.includes('[y/N]'), result.output);
    assert.equal(await exists('MAG830002'), false);
  });

  void test('without a terminal (a script, a pipe): never asks, deletes as before; --yes and -y are accepted', async () => {
    const piped = await runCli(['accounts', 'delete', 'MAG830003'], { ...options, input: 'n\n' });
    assert.equal(piped.code, 0, piped.stderr);
    assert.equal(piped.stderr, '');
    assert.equal(await exists('MAG830003'), false);
    assert.deepEqual(await runJson(['accounts', 'delete', 'MAG830004', '--yes'], options), { account: 'MAG830004', deleted: true, keysDeleted: 0 });
    await runOk(['accounts', 'delete', 'MAG830005', '-y'], options);
    await expectFailure(['accounts', 'delete', 'MAG830005', '--yes'], options, 1, 'MAG830005');
  });
});
