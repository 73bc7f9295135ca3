/**
 * `composer install` of the ~200-package Magento-shaped project, timed side by side in one run:
 * straight to the (mock) upstream; through nginx with `proxy_cache`, cold and warm (the reference for
 * warm installs); through a cold repogate, a warm one (metadata and archives cached), and the warm one
 * with the upstream down. Every run uses a fresh project directory and an empty Composer cache, as a
 * CI job does. In each round both proxies run side by side: a cold install through each, warm
 * installs that are not timed, then pairs of warm installs, one through each, back to back and in
 * alternating order — most of a warm install
 * is Composer's own work (unzipping), so only installs close in time compare fairly on a shared
 * machine.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runComposer, writeComposerProject } from '../test/helpers/composer.js';
import { startMockUpstream, type MockUpstream, type UpstreamLayout } from '../test/helpers/mock-upstream/index.js';
import { seedRegistry } from './metadata-throughput.js';
import { startNginxCache } from './nginx.js';
import { startRepogateProcess } from './processes.js';

export interface InstallBenchOptions {
  readonly layout: UpstreamLayout;
  readonly latencyMs: number;
  readonly bytesPerSecond: number | undefined;
  readonly rounds: number;
  /** Also time installs through nginx (the warm reference). */
  readonly nginx: boolean;
}

export interface InstallFigures {
  readonly direct: number[];
  readonly cold: number[];
  readonly warm: number[];
  readonly warmUpstreamDown: number[];
  readonly nginxCold: number[];
  readonly nginxWarm: number[];
  /** Upstream requests during the last warm install through repogate (metadata and archives). */
  readonly upstreamRequestsWarm: number;
}

const requires = { 'magento/product-community-edition': '2.4.7', 'mageplaza/module-smtp': '*' };

/** The upstream every install benchmark runs against: 50 ms latency and 4 MB/s per download. */
export const installUpstream = { latencyMs: 50, bytesPerSecond: 4_000_000 } as const;

/**
 * Untimed warm installs through each proxy before the timed ones: the cold install ran only the miss
 * paths, and V8 goes on compiling the hit paths for several installs.
 */
export const warmUpInstalls = 5;

/** Composer's username and password from a key's Basic header. */
export function basicUser(authorization: string): { username: string; password: string } {
  const [username = '', password = ''] = Buffer.from(authorization.slice('Basic '.length), 'base64').toString().split(':');
  return { username, password };
}

export async function timedInstall(work: string, label: string, url: string, auth: { username: string; password: string } | undefined): Promise<number> {
  const dir = join(work, label);
  await writeComposerProject(dir, {
    repositoryUrl: url,
    require: requires,
    ...(auth ? { auth: { host: new URL(url).host, ...auth } } : {}),
  });
  const run = await runComposer(['install', '--no-progress', '--prefer-dist'], { cwd: dir, home: join(dir, '.composer-home'), timeoutMs: 600_000 });
  if (run.code !== 0) throw new Error(`composer install (${label}) failed:\n${run.stdout}\n${run.stderr}`);
  await rm(dir, { recursive: true, force: true });
  return run.durationMs;
}

export async function benchComposerInstall(options: InstallBenchOptions): Promise<InstallFigures> {
  const work = await mkdtemp(join(tmpdir(), 'repogate-bench-install-'));
  const upstream: MockUpstream = await startMockUpstream({ layout: options.layout, latencyMs: options.latencyMs, bytesPerSecond: options.bytesPerSecond });
  const figures: InstallFigures = { direct: [], cold: [], warm: [], warmUpstreamDown: [], nginxCold: [], nginxWarm: [], upstreamRequestsWarm: 0 };
  let upstreamRequestsWarm = 0;
  const warmPairs = 8;
  const round = async (r: number): Promise<void> => {
    // repogate as `npm start` runs it (its own process, access log on), as nginx runs in its own.
    const { dataDir, authorizations } = await seedRegistry(1, 1);
    const auth = basicUser(authorizations[0]!);
    const repogate = await startRepogateProcess({ dataDir, upstreamUrl: upstream.url, upstreamUsername: upstream.username, upstreamPassword: upstream.password });
    const nginx = options.nginx ? await startNginxCache(upstream) : undefined;
    try {
      // Alternate which goes first in every pair, so that neither always gets the cooler machine.
      const both = async (repogateFirst: boolean, viaRepogate: () => Promise<void>, viaNginx: () => Promise<void>): Promise<void> => {
        for (const step of repogateFirst ? [viaRepogate, viaNginx] : [viaNginx, viaRepogate]) await step();
      };
      await both(
        r % 2 === 0,
        async () => void figures.cold.push(await timedInstall(work, `cold-${r}`, repogate.url, auth)),
        async () => void (nginx && figures.nginxCold.push(await timedInstall(work, `nginx-cold-${r}`, nginx.url, undefined))),
      );
      // Warm installs through each, not timed, until repogate runs as a server that has been up for a
      // while: the cold installs ran only its miss paths, and V8 goes on compiling the hit paths for
      // several installs (in a trace, TurboFan compiled 40-80 ms' worth per install up to about the
      // eighth, a third of repogate's CPU in them; nginx has nothing to compile). nginx gets the same
      // installs, for symmetry.
      for (let w = 0; w < warmUpInstalls; w++) {
        await both(
          (r + w) % 2 === 1,
          async () => void (await timedInstall(work, `warm-up-${r}-${w}`, repogate.url, auth)),
          async () => void (nginx && (await timedInstall(work, `nginx-warm-up-${r}-${w}`, nginx.url, undefined))),
        );
      }
      // Warm: both caches filled; pairs of installs, one through each, back to back.
      for (let pair = 0; pair < warmPairs; pair++) {
        await both(
          (r + pair) % 2 === 1,
          async () => {
            upstream.resetRequests();
            figures.warm.push(await timedInstall(work, `warm-${r}-${pair}`, repogate.url, auth));
            upstreamRequestsWarm = upstream.count();
          },
          async () => void (nginx && figures.nginxWarm.push(await timedInstall(work, `nginx-warm-${r}-${pair}`, nginx.url, undefined))),
        );
      }
      await upstream.setFailure('down');
      try {
        figures.warmUpstreamDown.push(await timedInstall(work, `offline-${r}`, repogate.url, auth));
      } finally {
        await upstream.setFailure('none');
      }
    } finally {
      await nginx?.close();
      await repogate.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
  };
  try {
    for (let r = 0; r < options.rounds; r++) {
      figures.direct.push(await timedInstall(work, `direct-${r}`, upstream.url, { username: upstream.username, password: upstream.password }));
      await round(r);
    }
  } finally {
    await upstream.close();
    await rm(work, { recursive: true, force: true });
  }
  return { ...figures, upstreamRequestsWarm };
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * The 95 % interval of the median of `values` by the percentile bootstrap (10,000 resamples, a fixed
 * seed: the same figures give the same interval). It says how far the median could move were the run
 * repeated: the warm-install pairs' ratios spread by ±15 % and more on a shared machine.
 */
export function medianInterval(values: readonly number[]): readonly [number, number] {
  if (values.length === 0) return [Number.NaN, Number.NaN];
  let seed = 0x9e3779b9;
  const random = (): number => {
    // xorshift32
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 0x1_0000_0000;
  };
  const medians: number[] = [];
  for (let i = 0; i < 10_000; i++) medians.push(median(values.map(() => values[Math.floor(random() * values.length)]!)));
  medians.sort((a, b) => a - b);
  return [medians[249]!, medians[9749]!];
}
