/**
 * Two repogate instances behind one (imaginary) load balancer, sharing a real PostgreSQL registry and
 * a real Redis: they must behave as one.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test, type TestContext } from 'node:test';
import { Redis } from 'ioredis';
import { redisKeys } from '../../src/cache/redis-keys.js';
import { marketplaceModule, startMockUpstream, type MockUpstream } from '../helpers/mock-upstream/index.js';
import { requirePostgres, startTestPostgres, type TestDatabase, type TestPostgres } from '../helpers/postgres.js';
import { freePort, startTestRedis, type TestRedis } from '../helpers/redis.js';
import {
  basic,
  createTestKey,
  defineStandardEntitlements,
  startTestRepogate,
  testActor,
  type TestKey,
  type TestRepogate,
} from '../helpers/repogate.js';
import { waitFor, waitForValue } from '../helpers/wait-for.js';

void describe('several instances sharing PostgreSQL and Redis', () => {
  let postgres: TestPostgres | undefined;
  let database: TestDatabase | undefined;
  let redis: TestRedis;
  let upstream: MockUpstream;
  let merchant: MockUpstream;
  let a: TestRepogate;
  let b: TestRepogate;
  const secretsKey = 'the secrets key both instances share, 0123456789';

  before(async () => {
    postgres = await startTestPostgres();
    if (!postgres) return;
    database = await postgres.createDatabase();
    redis = await startTestRedis({ own: true });
    upstream = await startMockUpstream({ layout: 'composer2' });
    merchant = await startMockUpstream({ layout: 'composer2', username: 'e'.repeat(32), password: 'f'.repeat(32), packages: [marketplaceModule('merchant-a/module-alpha', '1.0.0')] });
    const start = (): Promise<TestRepogate> =>
      startTestRepogate({
        upstream,
        env: {
          REPOGATE_DATABASE_URL: database!.url,
          REDIS_URL: redis.url,
          REPOGATE_AUTH_FAILURES_PER_KEY: '4',
          REPOGATE_ARCHIVE_CACHE_BYTES: '0',
          // Instances behind one load balancer share the session secret, so that a session works on both.
          REPOGATE_SESSION_SECRET: 'session secret shared by both instances 0123456789',
          REPOGATE_SECRETS_KEY: secretsKey,
        },
      });
    [a, b] = await Promise.all([start(), start()]);
    await defineStandardEntitlements(a.registry);
  });
  after(async () => {
    if (!postgres) return;
    await Promise.all([a?.stop(), b?.stop()]);
    await upstream?.close();
    await merchant?.close();
    await redis?.close();
    await database?.drop();
    await postgres.close();
  });

  const available = (t: TestContext): boolean => requirePostgres(t, postgres);

  const get = (instance: TestRepogate, path: string, key: TestKey): Promise<Response> =>
    fetch(`${instance.url}${path}`, { headers: { authorization: key.authorization } });

  /** Status and error code of one request (the body is consumed). */
  const outcome = async (instance: TestRepogate, path: string, key: TestKey): Promise<string> => {
    const response = await get(instance, path, key);
    if (response.status < 400) {
      await response.arrayBuffer();
      return String(response.status);
    }
    const body = (await response.json()) as { code?: string };
    return `${response.status} ${body.code ?? ''}`;
  };

  /** Milliseconds until `instance` answers `expected` for the key, polling every 10 ms (fails after 5 s). */
  const timeUntil = async (instance: TestRepogate, key: TestKey, expected: string, started: number): Promise<number> => {
    let seen = '';
    await waitFor(async () => (seen = await outcome(instance, '/packages.json', key)) === expected, {
      what: () => `${expected} (still ${seen})`,
      timeoutMs: 5000 - (performance.now() - started),
      intervalMs: 10,
    });
    return performance.now() - started;
  };

  void test('a key created through one instance works on the other', async (t) => {
    if (!available(t)) return;
    const key = await createTestKey(a.registry, { grants: ['open-source'] });
    assert.equal(await outcome(b, '/packages.json', key), '200');
    assert.equal(await outcome(a, '/packages.json', key), '200');
    assert.equal(await outcome(b, '/p2/magento/module-catalog.json', key), '200');
    assert.equal(
      await outcome(b, '/packages.json', { ...key, authorization: basic(key.publicKey, 'f'.repeat(32)) }),
      '401 AUTH_INVALID',
    );
  });

  void test('disabled, suspended or regenerated through one instance: the other refuses it within a second', async (t) => {
    if (!available(t)) return;
    const key = await createTestKey(a.registry, { grants: ['open-source'] });
    assert.equal(await outcome(b, '/packages.json', key), '200', 'B has verified (and cached) the key');

    let started = performance.now();
    await a.registry.keys.disable(key.publicKey, testActor);
    const disabledAfter = await timeUntil(b, key, '401 KEY_DISABLED', started);
    assert.ok(disabledAfter < 1000, `B refused the disabled key after ${Math.round(disabledAfter)} ms`);

    started = performance.now();
    await a.registry.keys.enable(key.publicKey, testActor);
    assert.ok((await timeUntil(b, key, '200', started)) < 1000);

    started = performance.now();
    await a.registry.accounts.suspend(key.accountId, 'outstanding invoice', testActor);
    assert.ok((await timeUntil(b, key, '403 ACCOUNT_SUSPENDED', started)) < 1000);
    await a.registry.accounts.resume(key.accountId, testActor);
    await timeUntil(b, key, '200', performance.now());

    started = performance.now();
    const regenerated = await b.registry.keys.regenerate(key.publicKey, testActor);
    assert.ok((await timeUntil(a, key, '401 AUTH_INVALID', started)) < 1000, 'A refuses the old pair');
    const fresh: TestKey = { ...key, publicKey: regenerated.key.publicKey, privateKey: regenerated.privateKey, authorization: basic(regenerated.key.publicKey, regenerated.privateKey) };
    assert.equal(await outcome(a, '/packages.json', fresh), '200');
  });

  void test('a source added and given to an account through one instance: the other serves from it within a second, and stops when it is taken away', async (t) => {
    if (!available(t)) return;
    const key = await createTestKey(a.registry, { grants: ['everything'] });
    const path = '/p2/merchant-a/module-alpha.json';
    assert.equal(await outcome(b, path, key), '404 NOT_FOUND', 'the default upstream has no such package');

    await a.registry.sources.add({ name: 'merchant-a', url: merchant.url, username: merchant.username, password: merchant.password }, testActor, secretsKey);
    // From the moment both changes are made (sealing the password takes its own time, on purpose).
    await a.registry.accounts.setSources(key.accountId, ['merchant-a', 'default'], testActor);
    let started = performance.now();
    let seen = '';
    await waitFor(async () => (seen = await outcome(b, path, key)) === '200', { what: () => `200 from B (still ${seen})`, timeoutMs: 5000, intervalMs: 10 });
    const servedAfter = performance.now() - started;
    assert.ok(servedAfter < 1000, `B served from the new source after ${Math.round(servedAfter)} ms`);
    assert.ok(merchant.requests.every((r) => r.authorization === basic(merchant.username, merchant.password)), 'B opened the sealed password with the shared key');

    started = performance.now();
    await b.registry.accounts.setSources(key.accountId, ['default'], testActor);
    await b.registry.sources.remove('merchant-a', testActor);
    await waitFor(async () => (seen = await outcome(a, path, key)) === '404 NOT_FOUND', { what: () => `404 from A (still ${seen})`, timeoutMs: 5000, intervalMs: 10 });
    assert.ok(performance.now() - started < 1000, 'A stopped serving it within a second');
  });

  void test('each change is announced on Redis, and the other instance hears it', async (t) => {
    if (!available(t)) return;
    const key = await createTestKey(a.registry, { grants: ['open-source'] });
    const listener = new Redis(redis.url);
    const messages: unknown[] = [];
    try {
      listener.on('message', (_channel: string, text: string) => messages.push(JSON.parse(text)));
      await listener.subscribe(redisKeys.changes);
      const logLinesBefore = b.logs.length;
      const aLogLinesBefore = a.logs.length;
      await a.registry.keys.disable(key.publicKey, testActor);
      await waitFor(() => messages.length > 0, { what: 'the announcement on Redis', timeoutMs: 2000 });
      assert.deepEqual(
        messages.map((m) => ({ ...(m as Record<string, unknown>), origin: typeof (m as { origin?: unknown }).origin })),
        [{ kind: 'key', publicKey: key.publicKey, accountId: key.accountId, origin: 'string' }],
      );
      const heard = await waitForValue(() => b.logs.slice(logLinesBefore).find((line) => line.includes('registry change announced')), {
        what: 'B to log the announcement',
        timeoutMs: 2000,
      });
      assert.equal((JSON.parse(heard) as { publicKey?: string }).publicKey, key.publicKey);
      // A ignores its own announcements. To know that A has received its own, B announces a change
      // after it: Redis delivers a channel's messages in order, so once A has logged B's, A has seen
      // its own too.
      await b.registry.entitlements.define('announcement-marker', ['marker/*'], testActor);
      const announcedToA = (): string[] => a.logs.slice(aLogLinesBefore).filter((line) => line.includes('registry change announced'));
      await waitFor(() => announcedToA().some((line) => line.includes('"change":"entitlement"')), { what: "A to log B's announcement", timeoutMs: 2000 });
      assert.deepEqual(
        announcedToA().map((line) => (JSON.parse(line) as { change?: string }).change),
        ['entitlement'],
        'A logged only the announcement of B, none of its own',
      );
    } finally {
      listener.disconnect();
    }
  });

  void test('200 concurrent misses split across both instances make one upstream request', async (t) => {
    if (!available(t)) return;
    const key = await createTestKey(a.registry, { grants: ['open-source'] });
    assert.equal(await outcome(a, '/packages.json', key), '200');
    assert.equal(await outcome(b, '/packages.json', key), '200');
    const path = '/p2/magento/module-cms.json';
    upstream.resetRequests();
    upstream.setLatency(300);
    try {
      const statuses = await Promise.all(
        Array.from({ length: 200 }, (_, i) => outcome(i % 2 === 0 ? a : b, path, key)),
      );
      assert.deepEqual(new Set(statuses), new Set(['200']));
    } finally {
      upstream.setLatency(0);
    }
    assert.equal(upstream.count((r) => r.path === path), 1, 'one upstream request for the file');
  });

  void test('failed authentications and last-used times are shared', async (t) => {
    if (!available(t)) return;
    const key = await createTestKey(a.registry, { grants: ['open-source'] });
    const wrong: TestKey = { ...key, authorization: basic(key.publicKey, '0'.repeat(32)) };
    // REPOGATE_AUTH_FAILURES_PER_KEY=4, counted in Redis: two failures on each instance use them up.
    for (const instance of [a, b, a, b]) assert.equal(await outcome(instance, '/packages.json', wrong), '401 AUTH_INVALID');
    assert.equal(await outcome(a, '/packages.json', wrong), '429 RATE_LIMITED');
    assert.equal(await outcome(b, '/packages.json', wrong), '429 RATE_LIMITED');
    assert.equal(await outcome(a, '/packages.json', key), '200', 'the right pair is still served on both');
    assert.equal(await outcome(b, '/packages.json', key), '200');

    const other = await createTestKey(a.registry, { grants: ['open-source'] });
    assert.equal(await outcome(b, '/packages.json', other), '200');
    await b.flushUsage();
    const seen = await a.registry.keys.get(other.publicKey);
    assert.ok(seen.lastUsedAt !== null, 'A sees the last use recorded by B');
    assert.equal(seen.lastUsedAddress, '127.0.0.1');
  });

  void test('an owner’s sessions end on both instances within a second of a password change or “sign out everywhere” on either', async (t) => {
    if (!available(t)) return;
    const id = 'MAG760001';
    await a.registry.accounts.create({ id, name: 'Two Instances Ltd' }, testActor);
    await a.registry.accounts.setPassword(id, 'first password 1', testActor);
    const signIn = async (instance: TestRepogate, password: string): Promise<string> => {
      const response = await fetch(`${instance.adminUrl}/api/v1/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ mageId: id, password }),
      });
      assert.equal(response.status, 201);
      return ((await response.json()) as { token: string }).token;
    };
    const me = async (instance: TestRepogate, token: string): Promise<number> => {
      const response = await fetch(`${instance.adminUrl}/api/v1/me`, { headers: { authorization: `Bearer ${token}` } });
      await response.arrayBuffer();
      return response.status;
    };
    const endedWithin = async (token: string, started: number): Promise<number> => {
      for (const instance of [a, b]) {
        await waitFor(async () => (await me(instance, token)) === 401, { what: 'the session to end', timeoutMs: Math.max(1, 5000 - (performance.now() - started)), intervalMs: 10 });
      }
      return performance.now() - started;
    };

    const first = await signIn(a, 'first password 1');
    assert.deepEqual([await me(a, first), await me(b, first)], [200, 200], 'one session, both instances');
    let started = performance.now();
    await b.registry.accounts.setPassword(id, 'second password 2', testActor);
    const afterPassword = await endedWithin(first, started);
    assert.ok(afterPassword < 1000, `ended on both after ${Math.round(afterPassword)} ms`);

    const second = await signIn(b, 'second password 2');
    assert.equal(await me(a, second), 200);
    started = performance.now();
    const out = await fetch(`${a.adminUrl}/api/v1/accounts/${id}/sessions`, { method: 'DELETE', headers: { authorization: `Bearer ${second}` } });
    assert.equal(out.status, 200);
    const afterSignOut = await endedWithin(second, started);
    assert.ok(afterSignOut < 1000, `ended on both after ${Math.round(afterSignOut)} ms`);
  });

  void test('Redis killed and restarted mid-traffic: no 5xx, and revocation works again afterwards', async (t) => {
    if (!available(t)) return;
    const key = await createTestKey(a.registry, { grants: ['open-source', 'marketplace'] });
    const paths = ['/packages.json', '/p2/magento/module-catalog.json', '/p2/magento/module-cms.json'];
    const fresh = ['/p2/magento/module-sales.json', '/p2/mageplaza/module-smtp.json', '/p2/magento/module-checkout.json', '/p2/magento/module-customer.json'];
    const seen = new Map<string, number>();
    let running = true;
    let n = 0;
    const traffic = (async () => {
      while (running) {
        const instance = n % 2 === 0 ? a : b;
        const path = n % 7 === 0 && fresh.length > 0 ? fresh.pop()! : paths[n % paths.length]!;
        n++;
        const status = await outcome(instance, path, key);
        seen.set(status, (seen.get(status) ?? 0) + 1);
      }
    })();
    await waitFor(() => n >= 10, { what: 'traffic before Redis goes away' });
    await redis.stop();
    // Traffic goes on while both instances know Redis is gone (fresh misses among it), then while
    // they reconnect, then after.
    await waitFor(async () => (await statusOf(`${a.url}/readyz`)) === 503 && (await statusOf(`${b.url}/readyz`)) === 503, {
      what: 'both instances to notice that Redis is gone',
    });
    const whileDown = n;
    await waitFor(() => n >= whileDown + 20, { what: '20 requests while Redis is down', timeoutMs: 10_000 });
    await redis.start();
    for (const instance of [a, b]) {
      await waitFor(async () => (await statusOf(`${instance.url}/readyz`)) === 200, {
        what: `the instance at ${instance.url} to reconnect to Redis`,
        timeoutMs: 10_000,
        intervalMs: 20,
      });
    }
    const reconnected = n;
    await waitFor(() => n >= reconnected + 10, { what: '10 requests after Redis is back' });
    running = false;
    await traffic;
    assert.deepEqual([...seen.keys()], ['200'], `statuses seen: ${JSON.stringify(Object.fromEntries(seen))}`);
    assert.ok(n > 20, `${n} requests made`);

    const started = performance.now();
    await a.registry.keys.disable(key.publicKey, testActor);
    assert.ok((await timeUntil(b, key, '401 KEY_DISABLED', started)) < 1000);
  });
});

/** Redis servers this test started, for Sentinel and Cluster set-ups. */
interface RedisSetup {
  /** Environment for repogate: how to reach it. */
  readonly env: Record<string, string>;
  /** A plain client on one data node (the primary, or any cluster node). */
  readonly nodeUrl: string;
  close(): Promise<void>;
}

function redisServer(args: readonly string[]): ChildProcess {
  return spawn('redis-server', [...args], { stdio: 'ignore' });
}

/** Waits until a Redis server the test started answers as expected; fails at once when it has exited. */
async function waitForRedis(what: string, child: ChildProcess, check: () => Promise<boolean>): Promise<void> {
  await waitFor(async () => child.exitCode !== null || (await check().catch(() => false)), { what: `${what} to come up`, timeoutMs: 15_000, intervalMs: 20 });
  assert.equal(child.exitCode, null, `${what} exited with code ${child.exitCode} (was its port taken meanwhile?)`);
}

/** Runs `start`; when it fails, stops the servers it started (which would keep the test process alive) and fails. */
async function stoppedOnFailure<T>(children: readonly ChildProcess[], dir: string, start: () => Promise<T>): Promise<T> {
  try {
    return await start();
  } catch (error) {
    await stopAll(children, dir);
    throw error;
  }
}

/** The status of a GET, its body read and dropped. */
async function statusOf(url: string, headers: Record<string, string> = {}): Promise<number> {
  const response = await fetch(url, { headers });
  await response.arrayBuffer();
  return response.status;
}

async function ping(port: number, command: readonly string[] = ['ping'], expect = 'PONG'): Promise<boolean> {
  const client = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const [name, ...rest] = command;
    const reply = await client.call(name!, ...rest);
    return String(reply).includes(expect);
  } finally {
    client.disconnect();
  }
}

async function stopAll(children: readonly ChildProcess[], dir: string): Promise<void> {
  await Promise.all(
    children.map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }),
  );
  await rm(dir, { recursive: true, force: true });
}

/** A primary and one Sentinel watching it as `repogate-primary`. */
async function startSentinelSetup(): Promise<RedisSetup> {
  const dir = await mkdtemp(join(tmpdir(), 'repogate-sentinel-'));
  const [primaryPort, sentinelPort] = [await freePort(), await freePort()];
  const children: ChildProcess[] = [];
  return stoppedOnFailure(children, dir, async () => {
    const primary = redisServer(['--port', String(primaryPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
    children.push(primary);
    await waitForRedis('the Redis primary', primary, () => ping(primaryPort));
    const conf = join(dir, 'sentinel.conf');
    await writeFile(conf, [`port ${sentinelPort}`, 'bind 127.0.0.1', `dir ${dir}`, `sentinel monitor repogate-primary 127.0.0.1 ${primaryPort} 1`, ''].join('\n'));
    const sentinel = redisServer([conf, '--sentinel']);
    children.push(sentinel);
    await waitForRedis('the Sentinel', sentinel, () => ping(sentinelPort, ['sentinel', 'get-master-addr-by-name', 'repogate-primary'], String(primaryPort)));
    return {
      env: { REDIS_SENTINELS: `127.0.0.1:${sentinelPort}`, REDIS_SENTINEL_NAME: 'repogate-primary' },
      nodeUrl: `redis://127.0.0.1:${primaryPort}`,
      close: () => stopAll(children, dir),
    };
  });
}

/** A three-node Redis Cluster (no replicas). */
async function startClusterSetup(): Promise<RedisSetup> {
  const dir = await mkdtemp(join(tmpdir(), 'repogate-cluster-'));
  const children: ChildProcess[] = [];
  const ports: number[] = [];
  return stoppedOnFailure(children, dir, async () => {
    for (let i = 0; i < 3; i++) {
      const [port, busPort] = [await freePort(), await freePort()];
      ports.push(port);
      const nodeDir = join(dir, String(port));
      await mkdir(nodeDir);
      children.push(
        redisServer([
          '--port', String(port), '--cluster-port', String(busPort), '--bind', '127.0.0.1', '--dir', nodeDir,
          '--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--save', '', '--appendonly', 'no',
        ]),
      );
    }
    for (const [i, port] of ports.entries()) await waitForRedis(`cluster node ${port}`, children[i]!, () => ping(port));
    const create = spawnSync('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], {
      encoding: 'utf8',
    });
    assert.equal(create.status, 0, `redis-cli --cluster create: ${create.stdout}${create.stderr}`);
    for (const [i, port] of ports.entries()) await waitForRedis(`cluster state on ${port}`, children[i]!, () => ping(port, ['cluster', 'info'], 'cluster_state:ok'));
    return {
      env: { REDIS_CLUSTER_NODES: ports.map((p) => `127.0.0.1:${p}`).join(',') },
      nodeUrl: `redis://127.0.0.1:${ports[0]}`,
      close: () => stopAll(children, dir),
    };
  });
}

for (const topology of [
  { name: 'Redis Sentinel', start: startSentinelSetup },
  { name: 'Redis Cluster', start: startClusterSetup },
]) {
  void describe(`two instances through ${topology.name}`, () => {
    let postgres: TestPostgres | undefined;
    let database: TestDatabase | undefined;
    let setup: RedisSetup;
    let upstream: MockUpstream;
    let a: TestRepogate;
    let b: TestRepogate;

    before(async () => {
      postgres = await startTestPostgres();
      if (!postgres) return;
      database = await postgres.createDatabase();
      setup = await topology.start();
      upstream = await startMockUpstream({ layout: 'composer2' });
      const start = (): Promise<TestRepogate> =>
        startTestRepogate({
          upstream,
          env: { REPOGATE_DATABASE_URL: database!.url, REPOGATE_ARCHIVE_CACHE_BYTES: '0', ...setup.env },
        });
      [a, b] = await Promise.all([start(), start()]);
      await defineStandardEntitlements(a.registry);
    });
    after(async () => {
      if (!postgres) return;
      await Promise.all([a?.stop(), b?.stop()]);
      await upstream?.close();
      await setup?.close();
      await database?.drop();
      await postgres.close();
    });

    void test('ready; shared cache, one upstream request for concurrent misses, announced revocation', async (t) => {
      if (!requirePostgres(t, postgres)) return;
      for (const instance of [a, b]) assert.equal((await fetch(`${instance.url}/readyz`)).status, 200);
      const key = await createTestKey(a.registry, { grants: ['open-source'] });
      const auth = { authorization: key.authorization };
      assert.equal((await fetch(`${a.url}/packages.json`, { headers: auth })).status, 200);
      assert.equal((await fetch(`${b.url}/packages.json`, { headers: auth })).status, 200);

      const path = '/p2/magento/module-cms.json';
      upstream.resetRequests();
      upstream.setLatency(200);
      const statuses = await Promise.all(
        Array.from({ length: 40 }, (_, i) => fetch(`${(i % 2 === 0 ? a : b).url}${path}`, { headers: auth }).then(async (r) => (await r.arrayBuffer(), r.status))),
      );
      upstream.setLatency(0);
      assert.deepEqual(new Set(statuses), new Set([200]));
      assert.equal(upstream.count((r) => r.path === path), 1);

      const node = new Redis(setup.nodeUrl);
      try {
        if (topology.name === 'Redis Sentinel') {
          assert.ok((await node.keys('repogate:doc:*')).length > 0, 'documents are stored on the primary');
        }
      } finally {
        node.disconnect();
      }

      const logLinesBefore = b.logs.length;
      const started = performance.now();
      await a.registry.keys.disable(key.publicKey, testActor);
      await waitFor(async () => (await statusOf(`${b.url}/packages.json`, auth)) === 401, {
        what: 'B to refuse the disabled key (within a second)',
        timeoutMs: 1000 - (performance.now() - started),
        intervalMs: 10,
      });
      await waitFor(() => b.logs.slice(logLinesBefore).some((line) => line.includes('registry change announced')), { what: 'B to hear the change on Redis', timeoutMs: 2000 });
    });
  });
}
