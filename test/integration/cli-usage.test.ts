import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { cliShapes, expectFailure, runCli, suiteDataDir } from '../helpers/cli.js';

const commands = [
  [],
  ['serve'],
  ['accounts'],
  ['accounts', 'create'],
  ['accounts', 'list'],
  ['accounts', 'show'],
  ['accounts', 'suspend'],
  ['accounts', 'resume'],
  ['accounts', 'delete'],
  ['accounts', 'set-password'],
  ['entitlements'],
  ['entitlements', 'define'],
  ['entitlements', 'list'],
  ['grant'],
  ['revoke'],
  ['keys'],
  ['keys', 'create'],
  ['keys', 'list'],
  ['keys', 'show'],
  ['keys', 'disable'],
  ['keys', 'enable'],
  ['keys', 'delete'],
  ['keys', 'regenerate'],
  ['keys', 'rename'],
  ['tokens'],
  ['tokens', 'generate'],
];

void describe('repogate usage and configuration errors', { concurrency: true }, () => {
  const options = suiteDataDir();

  void test('--help works on every command (exit 0, usage on stdout)', async () => {
    const results = await Promise.all(commands.map((command) => runCli([...command, '--help'], options)));
    results.forEach((result, i) => {
      const name = ['repogate', ...(commands[i] ?? [])].join(' ');
      assert.equal(result.code, 0, `${name} --help: ${result.stderr}`);
      assert.ok(result.stdout.startsWith(`Usage: ${name}`), `${name} --help:\n${result.stdout}`);
    });
  });

  void test('unknown commands and options, missing arguments: exit 2 naming the problem', async () => {
    await Promise.all([
      expectFailure(['frobnicate'], options, 2, "unknown command 'frobnicate'"),
      expectFailure(['accounts', 'frobnicate'], options, 2, "unknown command 'frobnicate'"),
      expectFailure(['keys', 'list', '--colour'], options, 2, "unknown option '--colour'"),
      expectFailure(['--verbose', 'accounts', 'list'], options, 2, "unknown option '--verbose'"),
      expectFailure(['accounts', 'list', 'extra'], options, 2, 'too many arguments'),
      expectFailure(['keys', 'rename', '0123456789abcdef0123456789abcdef'], options, 2, "missing required argument 'name'"),
    ]);
  });

  void test('without a subcommand: help on stderr, exit 2', async () => {
    const [bare, group] = await Promise.all([runCli([], options), runCli(['keys'], options)]);
    for (const result of [bare, group]) {
      assert.equal(result.code, 2);
      assert.match(result.stderr, /^Usage: repogate/);
    }
  });

  void test('--json turns usage errors into a JSON error on stderr', async () => {
    const result = await runCli(['frobnicate', '--json'], options);
    assert.equal(result.code, 2);
    assert.deepEqual(cliShapes.error.parse(JSON.parse(result.stderr)), {
      error: { code: 'USAGE', message: "unknown command 'frobnicate'" },
    });
  });

  void test('a bad environment is a configuration error (exit 2) naming each variable, secrets not echoed', async () => {
    const [port, several, json, upstream] = await Promise.all([
      runCli(['accounts', 'list'], { ...options, env: { PORT: 'abc' } }),
      runCli(['keys', 'list'], { ...options, env: { REPOGATE_ADMIN_PORT: '70000', REPOGATE_METADATA_TTL_SECONDS: '-1' } }),
      runCli(['accounts', 'list', '--json'], { ...options, env: { PORT: 'abc' } }),
      runCli(['accounts', 'list'], { ...options, env: { REPOGATE_UPSTREAM_PASSWORD: 'upstream-secret-4711' } }),
    ]);
    assert.equal(port.code, 2);
    assert.match(port.stderr, /^repogate: invalid configuration/);
    assert.match(port.stderr, /PORT/);
    assert.equal(several.code, 2);
    assert.match(several.stderr, /REPOGATE_ADMIN_PORT/);
    assert.match(several.stderr, /REPOGATE_METADATA_TTL_SECONDS/);
    assert.equal(json.code, 2);
    const error = cliShapes.error.parse(JSON.parse(json.stderr));
    assert.equal(error.error.code, 'CONFIG_INVALID');
    assert.match(error.error.message, /PORT/);
    assert.equal(upstream.code, 2);
    assert.match(upstream.stderr, /REPOGATE_UPSTREAM_USERNAME/);
    assert.ok(!upstream.stderr.includes('upstream-secret-4711'));
  });
});
