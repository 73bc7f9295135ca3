/**
 * `composer install` of the ~200-package Magento-shaped project, timed side by side in one run:
 * straight to the (mock) upstream, through a cold repogate, and through a warm one. Every run uses a
 * fresh project directory and an empty Composer cache, as a CI job does.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runComposer, writeComposerProject } from '../test/helpers/composer.js';
import { startMockUpstream, type MockUpstream, type UpstreamLayout } from '../test/helpers/mock-upstream/index.js';
import { createTestKey, defineStandardEntitlements, startTestRepogate, type TestRepogate } from '../test/helpers/repogate.js';

export interface InstallBenchOptions {
  readonly layout: UpstreamLayout;
  readonly latencyMs: number;
  readonly bytesPerSecond: number | undefined;
  readonly rounds: number;
}

export interface InstallFigures {
  readonly direct: number[];
  readonly cold: number[];
  readonly warm: number[];
  readonly upstreamRequestsWarm: number;
}

const requires = { 'magento/product-community-edition': '2.4.7', 'mageplaza/module-smtp': '*' };

async function timedInstall(work: string, label: string, url: string, username: string, password: string): Promise<number> {
  const dir = join(work, label);
  await writeComposerProject(dir, { repositoryUrl: url, require: requires, auth: { host: new URL(url).host, username, password } });
  const run = await runComposer(['install', '--no-progress', '--prefer-dist'], { cwd: dir, home: join(dir, '.composer-home'), timeoutMs: 600_000 });
  if (run.code !== 0) throw new Error(`composer install (${label}) failed:\n${run.stdout}\n${run.stderr}`);
  await rm(dir, { recursive: true, force: true });
  return run.durationMs;
}

export async function benchComposerInstall(options: InstallBenchOptions): Promise<InstallFigures> {
  const work = await mkdtemp(join(tmpdir(), 'repogate-bench-install-'));
  const upstream: MockUpstream = await startMockUpstream({ layout: options.layout, latencyMs: options.latencyMs, bytesPerSecond: options.bytesPerSecond });
  const figures: InstallFigures = { direct: [], cold: [], warm: [], upstreamRequestsWarm: 0 };
  let upstreamRequestsWarm = 0;
  try {
    for (let round = 0; round < options.rounds; round++) {
      figures.direct.push(await timedInstall(work, `direct-${round}`, upstream.url, upstream.username, upstream.password));
      const repogate: TestRepogate = await startTestRepogate({
        upstreamUrl: upstream.url,
        upstreamUsername: upstream.username,
        upstreamPassword: upstream.password,
        env: { REPOGATE_LOG_LEVEL: 'warn' },
      });
      try {
        await defineStandardEntitlements(repogate.registry);
        const key = await createTestKey(repogate.registry, { grants: ['everything'] });
        figures.cold.push(await timedInstall(work, `cold-${round}`, repogate.url, key.publicKey, key.privateKey));
        upstream.resetRequests();
        figures.warm.push(await timedInstall(work, `warm-${round}`, repogate.url, key.publicKey, key.privateKey));
        upstreamRequestsWarm = upstream.count((r) => r.method === 'GET' && !r.path.startsWith('/archives/'));
      } finally {
        await repogate.stop();
      }
    }
  } finally {
    await upstream.close();
    await rm(work, { recursive: true, force: true });
  }
  return { ...figures, upstreamRequestsWarm };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
