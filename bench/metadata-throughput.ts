/**
 * Warm metadata throughput: requests per second for an authenticated `/p2/` request of a cached
 * package, repogate (as `npm start` runs it, access log on) against a bare node:http server that
 * checks the Basic header against a Map and writes the same bytes. Same wrk settings, alternating
 * runs. Also: the same figure with 100,000 keys in the registry against a registry of 10.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRegistryDatabase } from '../src/registry/database.js';
import { createRegistry, type Registry } from '../src/registry/registry.js';
import { hashSecret } from '../src/registry/secrets.js';
import { startMockPackagist } from '../test/helpers/mock-packagist.js';
import { marketplaceModule, startMockUpstream, type MockUpstream } from '../test/helpers/mock-upstream/index.js';
import { createTestKey, defineStandardEntitlements, testActor } from '../test/helpers/repogate.js';
import { startBareServer, startRepogateProcess, type ServerProcess } from './processes.js';
import { toServerCore } from './cores.js';
import { runWrk, type LoadResult } from './wrk.js';

export const metadataPath = '/p2/magento/module-catalog.json';

export interface LoadSettings {
  readonly rounds: number;
  readonly seconds: number;
  readonly connections: number;
}

export interface PairFigures {
  /** Requests per second of each run. */
  readonly subject: number[];
  readonly reference: number[];
  readonly errors: number;
}

/** A data directory with a registry holding `keys` keys, `usable` of which the benchmark knows the secret of. */
export async function seedRegistry(
  keys: number,
  usable: number,
  sources?: {
    readonly added: ReadonlyArray<{ readonly name: string; readonly url: string; readonly username?: string; readonly password?: string }>;
    readonly read: readonly string[];
    readonly secretsKey: string;
  },
): Promise<{ dataDir: string; authorizations: string[] }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'repogate-bench-registry-'));
  const database = await openRegistryDatabase(`sqlite:${join(dataDir, 'registry.sqlite')}`);
  const registry = createRegistry(database);
  try {
    await defineStandardEntitlements(registry);
    for (const source of sources?.added ?? []) await registry.sources.add(source, testActor, sources?.secretsKey);
    const authorizations: string[] = [];
    for (let i = 0; i < usable; i++) {
      const key = await createTestKey(registry, { accountId: `MAG${100000 + (i % 5)}`, grants: ['everything'], keyName: `ci job ${i}` });
      if (sources && i < 5) await registry.accounts.setSources(key.accountId, sources.read, testActor);
      authorizations.push(key.authorization);
    }
    if (keys > usable) await bulkKeys(registry, keys - usable);
    return { dataDir, authorizations };
  } finally {
    await registry.close();
  }
}

/** Inserts keys straight into the table (the registry API would write an audit event per key). */
async function bulkKeys(registry: Registry, count: number): Promise<void> {
  const db = registry.context.db;
  const now = new Date().toISOString();
  const accounts = 1000;
  await db.transaction().execute(async (trx) => {
    for (let a = 0; a < accounts; a += 250) {
      await trx
        .insertInto('accounts')
        .values(Array.from({ length: 250 }, (_, i) => ({ id: `MAG${200000 + a + i}`, name: `Bulk ${a + i}`, email: null, status: 'active' as const, suspension_reason: null, password_hash: null, created_at: now })))
        .execute();
    }
    for (let k = 0; k < count; k += 500) {
      const rows = Array.from({ length: Math.min(500, count - k) }, (_, i) => ({
        public_key: randomBytes(16).toString('hex'),
        account_id: `MAG${200000 + ((k + i) % accounts)}`,
        name: `bulk key ${k + i}`,
        private_key_hash: hashSecret(randomBytes(16).toString('hex')),
        status: 'enabled' as const,
        scope: null,
        expires_on: null,
        cidrs: null,
        created_at: now,
        last_used_at: null,
        last_used_address: null,
      }));
      await trx.insertInto('access_keys').values(rows).execute();
    }
  });
}

async function startSubject(upstream: MockUpstream, dataDir: string, env: Record<string, string> = {}): Promise<ServerProcess> {
  return startRepogateProcess({ dataDir, upstreamUrl: upstream.url, upstreamUsername: upstream.username, upstreamPassword: upstream.password, env });
}

/** One response as repogate sends it (no gzip: wrk does not ask for it). */
export async function sample(url: string, authorization: string): Promise<{ headers: Record<string, string>; body: Buffer }> {
  const response = await fetch(url, { headers: { authorization, 'accept-encoding': 'identity' } });
  if (response.status !== 200) throw new Error(`${url}: HTTP ${response.status}`);
  const headers: Record<string, string> = {};
  for (const name of ['content-type', 'last-modified', 'etag', 'cache-control', 'vary', 'x-request-id']) {
    const value = response.headers.get(name);
    if (value !== null) headers[name] = value;
  }
  return { headers, body: Buffer.from(await response.arrayBuffer()) };
}

export interface LoadTarget {
  readonly url: string;
  readonly authorizations: readonly string[];
}

/** Rounds of one run per target, back to back, the order rotating each round; requests per second per target. */
export async function rotate(targets: readonly LoadTarget[], settings: LoadSettings, workDir: string): Promise<{ figures: number[][]; errors: number }> {
  const run = (target: LoadTarget, seconds: number): Promise<LoadResult> =>
    runWrk({ url: target.url, authorizations: target.authorizations, connections: settings.connections, seconds, workDir });
  // Warm up each (JIT, caches, connection pools).
  for (const target of targets) await run(target, 2);
  const figures = targets.map((): number[] => []);
  let errors = 0;
  for (let round = 0; round < settings.rounds; round++) {
    // Rotate which goes first, so that none always gets the cooler machine.
    for (let k = 0; k < targets.length; k++) {
      const i = (round + k) % targets.length;
      const result = await run(targets[i]!, settings.seconds);
      errors += result.errors;
      figures[i]!.push(result.requestsPerSecond);
    }
  }
  return { figures, errors };
}

async function alternate(a: LoadTarget, b: LoadTarget, settings: LoadSettings, workDir: string): Promise<PairFigures> {
  const { figures, errors } = await rotate([a, b], settings, workDir);
  return { subject: figures[0]!, reference: figures[1]!, errors };
}

/** repogate against the bare reference. */
export async function benchWarmMetadata(settings: LoadSettings): Promise<PairFigures & { bodyBytes: number }> {
  const upstream = await startMockUpstream({ layout: 'composer2' });
  const work = await mkdtemp(join(tmpdir(), 'repogate-bench-metadata-'));
  const { dataDir, authorizations } = await seedRegistry(1, 1);
  const authorization = authorizations[0]!;
  const servers: ServerProcess[] = [];
  try {
    const repogate = await startSubject(upstream, dataDir);
    servers.push(repogate);
    const { headers, body } = await sample(`${repogate.url}${metadataPath}`, authorization);
    const bare = await startBareServer({ authorizations: [authorization], headers, body, workDir: work });
    servers.push(bare);
    for (const server of servers) toServerCore(server.pid);
    const { figures, errors } = await rotate(
      servers.map((server) => ({ url: `${server.url}${metadataPath}`, authorizations: [authorization] })),
      settings,
      work,
    );
    return { subject: figures[0]!, reference: figures[1]!, errors, bodyBytes: body.length };
  } finally {
    for (const server of servers) await server.stop();
    await upstream.close();
    await rm(work, { recursive: true, force: true });
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** The same warm request, rotating 10 keys, with 100,000 keys in the registry against 10. */
export async function benchRegistrySize(settings: LoadSettings, bigKeys = 100_000): Promise<PairFigures> {
  const upstream = await startMockUpstream({ layout: 'composer2' });
  const work = await mkdtemp(join(tmpdir(), 'repogate-bench-keys-'));
  const small = await seedRegistry(10, 10);
  const big = await seedRegistry(bigKeys, 10);
  let smallServer: ServerProcess | undefined;
  let bigServer: ServerProcess | undefined;
  try {
    smallServer = await startSubject(upstream, small.dataDir);
    bigServer = await startSubject(upstream, big.dataDir);
    for (const [server, auths] of [
      [smallServer, small.authorizations],
      [bigServer, big.authorizations],
    ] as const) {
      for (const authorization of auths) await sample(`${server.url}${metadataPath}`, authorization);
      toServerCore(server.pid);
    }
    return await alternate(
      { url: `${bigServer.url}${metadataPath}`, authorizations: big.authorizations },
      { url: `${smallServer.url}${metadataPath}`, authorizations: small.authorizations },
      settings,
      work,
    );
  } finally {
    await smallServer?.stop();
    await bigServer?.stop();
    await upstream.close();
    await rm(work, { recursive: true, force: true });
    await rm(small.dataDir, { recursive: true, force: true });
    await rm(big.dataDir, { recursive: true, force: true });
  }
}


/**
 * The cost of sources on the warm lane: the same warm request, rotating 10 keys, when every account
 * reads three sources (a merchant's Magento-like source that lacks the package, then the default
 * upstream that has it, then a packagist-like one) against accounts reading the default upstream alone.
 */
export async function benchSources(settings: LoadSettings): Promise<PairFigures> {
  const upstream = await startMockUpstream({ layout: 'composer2' });
  const merchant = await startMockUpstream({ layout: 'composer2', packages: [marketplaceModule('merchant-a/module-alpha', '1.0.0')] });
  const packagist = await startMockPackagist();
  const work = await mkdtemp(join(tmpdir(), 'repogate-bench-sources-'));
  const plain = await seedRegistry(10, 10);
  const secretsKey = randomBytes(24).toString('hex');
  const withSources = await seedRegistry(10, 10, {
    added: [
      { name: 'merchant-a', url: merchant.url, username: merchant.username, password: merchant.password },
      { name: 'packagist', url: packagist.url },
    ],
    read: ['merchant-a', 'default', 'packagist'],
    secretsKey,
  });
  let plainServer: ServerProcess | undefined;
  let sourcesServer: ServerProcess | undefined;
  try {
    plainServer = await startSubject(upstream, plain.dataDir);
    sourcesServer = await startSubject(upstream, withSources.dataDir, { REPOGATE_SECRETS_KEY: secretsKey });
    for (const [server, auths] of [
      [plainServer, plain.authorizations],
      [sourcesServer, withSources.authorizations],
    ] as const) {
      for (const authorization of auths) await sample(`${server.url}${metadataPath}`, authorization);
      toServerCore(server.pid);
    }
    return await alternate(
      { url: `${sourcesServer.url}${metadataPath}`, authorizations: withSources.authorizations },
      { url: `${plainServer.url}${metadataPath}`, authorizations: plain.authorizations },
      settings,
      work,
    );
  } finally {
    await plainServer?.stop();
    await sourcesServer?.stop();
    await Promise.all([upstream.close(), merchant.close(), packagist.close()]);
    await rm(work, { recursive: true, force: true });
    await rm(plain.dataDir, { recursive: true, force: true });
    await rm(withSources.dataDir, { recursive: true, force: true });
  }
}
