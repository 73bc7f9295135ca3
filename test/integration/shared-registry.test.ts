import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { createDataDir, repoRoot, runCli } from '../helpers/cli.js';
import { startMockUpstream, type MockUpstream } from '../helpers/mock-upstream/index.js';
import { freePort } from '../helpers/redis.js';
import { basic } from '../helpers/repogate.js';
import { waitFor, waitForValue } from '../helpers/wait-for.js';
import { join } from 'node:path';

/** The CLI and a running server share one SQLite registry: writes from one are seen by the other. */
describe('CLI writes while a server process reads', () => {
  let upstream: MockUpstream;
  let data: Awaited<ReturnType<typeof createDataDir>>;
  let server: ChildProcess;
  let url: string;
  let serverLog = '';

  before(async () => {
    upstream = await startMockUpstream({ layout: 'composer2' });
    data = await createDataDir();
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    const env = { REPOGATE_UPSTREAM_URL: upstream.url, REPOGATE_UPSTREAM_USERNAME: upstream.username, REPOGATE_UPSTREAM_PASSWORD: upstream.password };
    const cli = (args: string[]): Promise<unknown> => runCli(args, { dataDir: data.dataDir, env }).then((r) => assert.equal(r.code, 0, r.stderr));
    await cli(['entitlements', 'define', 'everything', '--rule', '*/*']);
    await cli(['accounts', 'create', 'MAG100200300', '--name', 'Shared']);
    await cli(['grant', 'MAG100200300', 'everything']);
    server = spawn(process.execPath, [join(repoRoot, 'dist/src/main.js')], {
      env: { ...process.env, ...env, REPOGATE_DATA_DIR: data.dataDir, PORT: String(port), REPOGATE_ADMIN_PORT: '0', REPOGATE_HOST: '127.0.0.1', REPOGATE_AUTH_FAILURES_PER_ADDRESS: '100000', REPOGATE_AUTH_FAILURES_PER_KEY: '100000' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout!.on('data', (c: Buffer) => (serverLog += c.toString()));
    server.stderr!.on('data', (c: Buffer) => (serverLog += c.toString()));
    await waitFor(async () => (await fetch(`${url}/healthz`).catch(() => undefined))?.ok === true, {
      what: () => `the server to start; its log so far:\n${serverLog}`,
      timeoutMs: 15_000,
      intervalMs: 20,
    });
  });
  after(async () => {
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
    await upstream.close();
    await data.cleanup();
  });

  test('keys created by concurrent CLI processes all work on the running server, which never fails meanwhile', async () => {
    let reading = true;
    const statuses: number[] = [];
    const reader = (async () => {
      const unknown = basic('0'.repeat(32), '1'.repeat(32));
      while (reading) {
        const response = await fetch(`${url}/packages.json`, { headers: { authorization: unknown } });
        statuses.push(response.status);
        await response.arrayBuffer();
      }
    })();
    const created: Array<{ publicKey: string; privateKey: string }> = [];
    for (let round = 0; round < 3; round++) {
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          runCli(['keys', 'create', '--account', 'MAG100200300', '--name', `ci-${round}-${i}`, '--json'], { dataDir: data.dataDir }),
        ),
      );
      for (const result of results) {
        assert.equal(result.code, 0, result.stderr);
        created.push(JSON.parse(result.stdout) as { publicKey: string; privateKey: string });
      }
    }
    reading = false;
    await reader;
    assert.ok(statuses.length > 5);
    assert.ok(statuses.every((s) => s === 401), `reader statuses: ${[...new Set(statuses)].join(',')}`);
    assert.equal(new Set(created.map((k) => k.publicKey)).size, 18);
    for (const key of created) {
      const response = await fetch(`${url}/packages.json`, { headers: { authorization: basic(key.publicKey, key.privateKey) } });
      assert.equal(response.status, 200);
      await response.arrayBuffer();
    }
    const listed = await runCli(['keys', 'list', '--account', 'MAG100200300', '--json'], { dataDir: data.dataDir });
    assert.equal((JSON.parse(listed.stdout) as unknown[]).length, 18);
  });

  test('a key disabled by the CLI is refused by the running server within a second', async () => {
    const made = await runCli(['keys', 'create', '--account', 'MAG100200300', '--name', 'to-disable', '--json'], { dataDir: data.dataDir });
    const key = JSON.parse(made.stdout) as { publicKey: string; privateKey: string };
    const auth = basic(key.publicKey, key.privateKey);
    assert.equal((await fetch(`${url}/packages.json`, { headers: { authorization: auth } })).status, 200);
    assert.equal((await runCli(['keys', 'disable', key.publicKey], { dataDir: data.dataDir })).code, 0);
    const refused = await waitForValue(
      async () => {
        const response = await fetch(`${url}/packages.json`, { headers: { authorization: auth } });
        if (response.status !== 200) return response;
        await response.arrayBuffer();
        return undefined;
      },
      { what: 'the disabled key to be refused', timeoutMs: 1000 },
    );
    assert.equal(refused.status, 401);
    assert.equal(((await refused.json()) as { code: string }).code, 'KEY_DISABLED');
  });
});
