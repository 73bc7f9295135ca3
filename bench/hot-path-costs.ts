/**
 * What each step of a warm `/p2/` request costs, measured in this process on the real components
 * (no HTTP): the credential check, the key-use record, the audit event, the package lookup in the
 * caches, the metrics and the access log line. Complements the CPU profile, whose shares blur small
 * steps together.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { AccessControl } from '../src/access/access-control.js';
import { UsageRecorder } from '../src/access/usage-recorder.js';
import { DocumentCache } from '../src/cache/document-cache.js';
import { MemoryTier } from '../src/cache/memory-tier.js';
import { createLogger } from '../src/logger.js';
import { createMetrics } from '../src/metrics/metrics.js';
import { openRegistryDatabase } from '../src/registry/database.js';
import { createRegistry } from '../src/registry/registry.js';
import { UpstreamClient } from '../src/upstream/upstream-client.js';
import { UpstreamRepository } from '../src/upstream/upstream-repository.js';
import { startMockUpstream } from '../test/helpers/mock-upstream/index.js';
import { createTestKey, defineStandardEntitlements } from '../test/helpers/repogate.js';

export interface StepCost {
  readonly step: string;
  readonly nanoseconds: number;
}

async function time(iterations: number, fn: () => unknown): Promise<number> {
  for (let i = 0; i < Math.min(20_000, iterations); i++) await fn();
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) await fn();
  return Number(process.hrtime.bigint() - started) / iterations;
}

export async function measureHotPathCosts(): Promise<StepCost[]> {
  const upstream = await startMockUpstream({ layout: 'composer2' });
  const dir = await mkdtemp(join(tmpdir(), 'repogate-bench-costs-'));
  const registry = createRegistry(await openRegistryDatabase(`sqlite:${join(dir, 'registry.sqlite')}`));
  const sink = new Writable({ write: (_chunk, _encoding, callback) => callback() });
  const logger = createLogger({ level: 'info', destination: sink });
  const metrics = createMetrics({ processMetrics: false });
  const access = new AccessControl(registry);
  const usage = new UsageRecorder(registry, logger, 3_600_000);
  const client = new UpstreamClient({ url: upstream.url, username: upstream.username, password: upstream.password, timeoutMs: 5000 }, logger, metrics);
  const cache = new DocumentCache(client, new MemoryTier(64 * 1024 * 1024), undefined, { profile: 'default', ttlMs: 3_600_000, staleMs: 0, negativeTtlMs: 60_000, metrics }, logger);
  const repository = new UpstreamRepository(cache, client);
  try {
    await defineStandardEntitlements(registry);
    const key = await createTestKey(registry, { grants: ['everything'] });
    const name = 'magento/module-catalog';
    const request = { authorization: key.authorization, address: '127.0.0.1', packageName: name };
    await repository.package(name, false);
    await access.checkAccess(request);
    const line = {
      requestId: '5f0c1a2b-1111-4222-8333-444455556666',
      method: 'GET',
      path: `/p2/${name}.json`,
      status: 200,
      ms: 0.3,
      address: '127.0.0.1',
      key: 'test developer',
      publicKey: key.publicKey,
      package: name,
      cache: 'hit',
      upstreamMs: 0,
    };
    const unredacted = logger.child({}, { redact: [] });
    const event = { publicKey: key.publicKey, accountId: key.accountId, action: 'metadata.fetched' as const, package: name, address: '127.0.0.1' };
    const costs: StepCost[] = [
      { step: 'credential check (AccessControl.checkAccess, verified key)', nanoseconds: await time(200_000, () => access.checkAccess(request)) },
      { step: 'key last-use record (UsageRecorder.record)', nanoseconds: await time(200_000, () => usage.record(key.publicKey, '127.0.0.1')) },
      { step: 'package lookup in the caches (UpstreamRepository.package, hit)', nanoseconds: await time(200_000, () => repository.package(name, false)) },
      {
        step: 'request metrics (counter + histogram)',
        nanoseconds: await time(200_000, () => {
          metrics.httpRequests.inc({ listener: 'composer', route: 'p2', status: '200' });
          metrics.httpDuration.observe({ listener: 'composer', route: 'p2' }, 0.0003);
        }),
      },
      { step: 'access log line, root logger (redaction on)', nanoseconds: await time(100_000, () => logger.info({ ...line }, 'request')) },
      { step: 'access log line, fast path (no redaction walk)', nanoseconds: await time(100_000, () => unredacted.info({ ...line }, 'request')) },
    ];
    // The audit event: queued per request, written in batches; the cost per event includes the write.
    const events = 20_000;
    const started = process.hrtime.bigint();
    for (let i = 0; i < events; i++) usage.activity(event);
    await usage.flush();
    costs.push({ step: 'audit event per request (UsageRecorder.activity + its batched insert)', nanoseconds: Number(process.hrtime.bigint() - started) / events });
    return costs;
  } finally {
    await usage.stop();
    access.stop();
    await client.close();
    await upstream.close();
    await registry.close();
    await rm(dir, { recursive: true, force: true });
  }
}
