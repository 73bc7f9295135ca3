import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { test } from 'node:test';
import { createDataDir, repoRoot, runCli } from '../helpers/cli.js';
import { startMockUpstream } from '../helpers/mock-upstream/index.js';
import { freePort } from '../helpers/redis.js';
import { basic } from '../helpers/repogate.js';
import { waitFor } from '../helpers/wait-for.js';

async function waitForHealth(url: string, child: ChildProcess, log: () => string): Promise<void> {
  await waitFor(
    async () => {
      assert.equal(child.exitCode, null, `server exited:\n${log()}`);
      return (await fetch(`${url}/healthz`).catch(() => undefined))?.ok === true;
    },
    { what: () => `the server to start; its log so far:\n${log()}`, timeoutMs: 15_000, intervalMs: 20 },
  );
}

test('SIGTERM: repogate stops accepting, finishes the download in flight, records last use, and exits 0', async () => {
  const upstream = await startMockUpstream({ layout: 'composer2' });
  const data = await createDataDir();
  const env = { REPOGATE_UPSTREAM_URL: upstream.url, REPOGATE_UPSTREAM_USERNAME: upstream.username, REPOGATE_UPSTREAM_PASSWORD: upstream.password };
  try {
    for (const args of [
      ['entitlements', 'define', 'everything', '--rule', '*/*'],
      ['accounts', 'create', 'MAG777', '--name', 'Shutdown'],
      ['grant', 'MAG777', 'everything'],
    ]) {
      const r = await runCli(args, { dataDir: data.dataDir, env });
      assert.equal(r.code, 0, r.stderr);
    }
    const made = await runCli(['keys', 'create', '--account', 'MAG777', '--name', 'ci', '--json'], { dataDir: data.dataDir, env });
    const key = JSON.parse(made.stdout) as { publicKey: string; privateKey: string };
    const authorization = basic(key.publicKey, key.privateKey);

    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    let log = '';
    const server = spawn(process.execPath, [join(repoRoot, 'dist/src/main.js')], {
      env: { ...process.env, ...env, REPOGATE_DATA_DIR: data.dataDir, PORT: String(port), REPOGATE_ADMIN_PORT: '0', REPOGATE_HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    server.stdout!.on('data', (c: Buffer) => (log += c.toString()));
    server.stderr!.on('data', (c: Buffer) => (log += c.toString()));
    await waitForHealth(url, server, () => log);

    const meta = (await (await fetch(`${url}/p2/magento/magento2-base.json`, { headers: { authorization } })).json()) as {
      packages: Record<string, Array<{ dist?: { url: string; shasum: string } }>>;
    };
    const dist = meta.packages['magento/magento2-base']![0]!.dist!;
    // Warm metadata requests: their access-log lines go to stdout in batches, as bytes, between pino's own lines.
    const ids = Array.from({ length: 150 }, (_, i) => `warm-${i}`);
    for (let i = 0; i < ids.length; i += 15) {
      await Promise.all(
        ids.slice(i, i + 15).map(async (id) => {
          const response = await fetch(`${url}/p2/magento/magento2-base.json`, { headers: { authorization, 'x-request-id': id } });
          assert.equal(response.status, 200);
          await response.arrayBuffer();
        }),
      );
    }
    upstream.setBandwidth(600_000);
    let downloaded = false;
    const download = fetch(dist.url, { headers: { authorization } }).then(async (r) => {
      const body = { status: r.status, bytes: Buffer.from(await r.arrayBuffer()) };
      downloaded = true;
      return body;
    });
    const archivePath = new URL(dist.url).pathname;
    await waitFor(() => upstream.requests.some((r) => r.path === archivePath), { what: 'the download to reach the upstream' });
    const exited = new Promise<number | null>((resolve) => server.once('exit', (code) => resolve(code)));
    server.kill('SIGTERM');
    // A new connection is refused once shutting down (the signal is handled asynchronously).
    await waitFor(async () => (await fetch(`${url}/healthz`).then(() => 'answered', () => 'refused')) === 'refused', {
      what: 'new connections to be refused after SIGTERM',
      timeoutMs: 1000,
    });
    assert.equal(downloaded, false, 'the download was still in flight when the server began shutting down');
    const { status, bytes } = await download;
    assert.equal(status, 200);
    assert.equal(createHash('sha1').update(bytes).digest('hex'), dist.shasum, 'the download in flight completed whole');
    assert.equal(await exited, 0, log);

    // stdout holds JSON lines only, the access-log line of each warm request exactly once.
    const lines = log.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(lines.length, log.split('\n').filter((l) => l.trim().length > 0).length, 'every line of the log is JSON');
    for (const id of ids) {
      const logged = lines.filter((l) => l['requestId'] === id);
      assert.equal(logged.length, 1, `one access-log line for ${id}`);
      assert.deepEqual(
        { level: logged[0]!['level'], msg: logged[0]!['msg'], status: logged[0]!['status'], path: logged[0]!['path'], publicKey: logged[0]!['publicKey'], service: logged[0]!['service'] },
        { level: 30, msg: 'request', status: 200, path: '/p2/magento/magento2-base.json', publicKey: key.publicKey, service: 'repogate' },
      );
      assert.equal(typeof logged[0]!['ms'], 'number');
      assert.equal(typeof logged[0]!['time'], 'number');
    }
    const listening = lines.findIndex((l) => l['msg'] === 'repogate listening');
    assert.ok(listening >= 0 && listening < lines.findIndex((l) => l['msg'] === 'request'), 'pino\'s own lines and the batches keep their order');

    const shown = await runCli(['keys', 'show', key.publicKey, '--json'], { dataDir: data.dataDir, env });
    const detail = JSON.parse(shown.stdout) as { lastUsedAt: string | null; lastUsedAddress: string | null };
    assert.ok(detail.lastUsedAt, 'last use was flushed on shutdown');
    assert.match(detail.lastUsedAddress ?? '', /127\.0\.0\.1/);
  } finally {
    await upstream.close();
    await data.cleanup();
  }
});
