import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { createDataDir, runCli, spawnCli, type CliOptions } from '../helpers/cli.js';

/** A port on 127.0.0.1 that nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  assert.ok(address !== null && typeof address === 'object');
  return address.port;
}

interface ServeRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `repogate serve` until it exits by itself, or until `stopWhen` sees the output it waits for
 * (then SIGTERM), or for at most 20 s.
 */
function serve(options: CliOptions, stopWhen?: RegExp): Promise<ServeRun> {
  const child = spawnCli(['serve'], options);
  let stdout = '';
  let stderr = '';
  let stopping = false;
  const check = (): void => {
    if (stopping || !stopWhen?.test(stdout)) return;
    stopping = true;
    // A moment for the signal handlers, which are installed once the listeners are up.
    setTimeout(() => child.kill('SIGTERM'), 500);
  };
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    check();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin.end();
  const deadline = setTimeout(() => child.kill('SIGKILL'), 20_000);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(deadline);
      resolve({ code, stdout, stderr });
    });
  });
}

const serverEnv = { PORT: '0', REPOGATE_HOST: '127.0.0.1', REPOGATE_ADMIN_PORT: '0', REPOGATE_UPSTREAM_TIMEOUT_SECONDS: '2' };

void describe('passwords inside URLs never appear in output', () => {
  let options: CliOptions;
  let cleanup: () => Promise<void>;
  let port: number;

  before(async () => {
    const dir = await createDataDir();
    options = { dataDir: dir.dataDir };
    cleanup = dir.cleanup;
    port = await closedPort();
  });
  after(() => cleanup());

  // A raw `@` in the password: drivers accept it (the last `@` ends the user info), and a
  // redaction that stops at the first `@` would show the rest.
  const databaseUrl = (): string => `postgres://repogate:Xy@Secret-Db-7@127.0.0.1:${port}/repogate`;

  void test('the CLI with an unreachable PostgreSQL registry: the error names the database without its password', async () => {
    for (const json of [false, true]) {
      const result = await runCli(['keys', 'list', ...(json ? ['--json'] : [])], { ...options, env: { REPOGATE_DATABASE_URL: databaseUrl() } });
      assert.equal(result.code, 1, result.stderr);
      assert.match(result.stderr, /REGISTRY_UNAVAILABLE|cannot open the registry/);
      assert.match(result.stderr, /postgres:\/\/repogate:\*\*\*@127\.0\.0\.1/);
      assert.ok(!/Secret-Db-7|Xy@/.test(result.stdout + result.stderr), result.stderr);
    }
  });

  void test('migrate-registry into an unreachable PostgreSQL: no password in the error', async () => {
    const result = await runCli(['migrate-registry', '--from', `sqlite:${options.dataDir}/registry.sqlite`, '--to', databaseUrl()], options);
    assert.equal(result.code, 1, result.stderr);
    assert.ok(!/Secret-Db-7|Xy@/.test(result.stdout + result.stderr), result.stderr);
  });

  void test('repogate serve with an unreachable PostgreSQL registry: neither the log nor stderr holds the password', async () => {
    const run = await serve({ ...options, env: { ...serverEnv, REPOGATE_DATABASE_URL: databaseUrl() } });
    assert.ok(!/Secret-Db-7|Xy@/.test(run.stdout + run.stderr), run.stdout + run.stderr);
    assert.match(run.stdout, /could not start/);
    assert.equal(run.code, 1, 'REGISTRY_UNAVAILABLE');
  });

  void test('repogate serve with a password in REDIS_URL and Redis unreachable: started, logged, no password anywhere', async () => {
    const run = await serve(
      { ...options, env: { ...serverEnv, REDIS_URL: `redis://:Xy@Secret-Redis-7@127.0.0.1:${port}/0` } },
      /repogate listening/,
    );
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /Redis connection problem/);
    assert.match(run.stdout, /repogate listening/);
    assert.ok(!/Secret-Redis-7|Xy@/.test(run.stdout + run.stderr), run.stdout + run.stderr);
  });

  void test('repogate serve refuses credentials in REPOGATE_UPSTREAM_URL (exit 2) and does not print them', async () => {
    const run = await serve(
      { ...options, env: { ...serverEnv, REPOGATE_UPSTREAM_URL: `http://upstream-user:Secret-Upstream-7@127.0.0.1:${port}` } },
      /repogate listening/,
    );
    assert.ok(!/Secret-Upstream-7/.test(run.stdout + run.stderr), run.stdout + run.stderr);
    assert.match(run.stderr, /REPOGATE_UPSTREAM_URL: must not hold credentials/);
    assert.match(run.stderr, /REPOGATE_UPSTREAM_USERNAME/);
    assert.equal(run.code, 2, 'a configuration error');
  });
});
