/**
 * This build against another build of repogate on the warm-metadata request, side by side in one
 * run, with the bare node:http server as a third: `--baseline DIR`, where DIR is a built checkout of
 * the version to compare with (for example one made by `git worktree add` and `npm ci`).
 *
 * On a machine whose speed moves by more than the margin a timed target allows, the absolute ratio
 * to the bare server can miss in one run and meet in the next; two builds measured in the same
 * rounds still answer the question a change has to answer: is this build slower than the one before?
 * The same for warm `composer install`s, one through each build in turn, and for the CPU each build
 * spends while idle (its timers: the registry poll, the metrics' event-loop monitor).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startMockUpstream } from '../test/helpers/mock-upstream/index.js';
import { basicUser, installUpstream, timedInstall, warmUpInstalls } from './composer-install.js';
import { metadataPath, rotate, sample, seedRegistry, type LoadSettings } from './metadata-throughput.js';
import { cpuTimeOf, startBareServer, startRepogateProcess, type ServerProcess } from './processes.js';
import { toServerCore } from './cores.js';

export interface BaselineFigures {
  /** Requests per second of each round. */
  readonly current: number[];
  readonly baseline: number[];
  readonly bare: number[];
  readonly errors: number;
  /** The baseline's commit (short), or its directory when it is no git checkout. */
  readonly label: string;
}

type Seed = (keys: number, usable: number) => Promise<{ dataDir: string; authorizations: string[] }>;

/**
 * The baseline's own registry seeding: its schema may be older than this build's, and a registry
 * written by a newer build is refused by an older one.
 */
async function baselineSeed(root: string): Promise<Seed> {
  const module = join(root, 'dist/bench/metadata-throughput.js');
  for (const file of [join(root, 'dist/src/main.js'), module]) {
    if (!existsSync(file)) throw new Error(`--baseline ${root}: ${file} is missing; build that checkout first (npm ci)`);
  }
  const loaded = (await import(pathToFileURL(module).href)) as { seedRegistry?: unknown };
  if (typeof loaded.seedRegistry !== 'function') throw new Error(`--baseline ${root}: its benchmarks have no seedRegistry; it is too old to compare with`);
  return loaded.seedRegistry as Seed;
}

function labelOf(root: string): string {
  const git = spawnSync('git', ['-C', root, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' });
  return git.status === 0 ? git.stdout.trim() : root;
}

/** One build running: its URL and the Authorization header of a key its registry holds. */
interface RunningBuild {
  readonly server: ServerProcess;
  readonly authorizations: readonly string[];
}

/**
 * Both builds running against one mock upstream, each on a registry it seeded itself, for `use`;
 * everything is stopped and removed afterwards.
 */
async function withBothBuilds<T>(
  baselineDir: string,
  upstreamOptions: Parameters<typeof startMockUpstream>[0],
  use: (current: RunningBuild, baseline: RunningBuild, work: string, label: string) => Promise<T>,
): Promise<T> {
  const root = resolve(baselineDir);
  const seedBaseline = await baselineSeed(root);
  const upstream = await startMockUpstream(upstreamOptions);
  const work = await mkdtemp(join(tmpdir(), 'repogate-bench-baseline-'));
  const seeds = [await seedRegistry(1, 1), await seedBaseline(1, 1)];
  const servers: ServerProcess[] = [];
  try {
    const settingsOf = (dataDir: string) => ({ dataDir, upstreamUrl: upstream.url, upstreamUsername: upstream.username, upstreamPassword: upstream.password });
    servers.push(await startRepogateProcess(settingsOf(seeds[0]!.dataDir)));
    servers.push(await startRepogateProcess({ ...settingsOf(seeds[1]!.dataDir), root }));
    return await use(
      { server: servers[0]!, authorizations: seeds[0]!.authorizations },
      { server: servers[1]!, authorizations: seeds[1]!.authorizations },
      work,
      labelOf(root),
    );
  } finally {
    for (const server of servers) await server.stop();
    await upstream.close();
    await rm(work, { recursive: true, force: true });
    for (const seed of seeds) await rm(seed.dataDir, { recursive: true, force: true });
  }
}

export async function benchAgainstBaseline(settings: LoadSettings, baselineDir: string): Promise<BaselineFigures> {
  return withBothBuilds(baselineDir, { layout: 'composer2' }, async (current, baseline, work, label) => {
    const { headers, body } = await sample(`${current.server.url}${metadataPath}`, current.authorizations[0]!);
    await sample(`${baseline.server.url}${metadataPath}`, baseline.authorizations[0]!);
    const bare = await startBareServer({ authorizations: current.authorizations, headers, body, workDir: work });
    try {
      for (const server of [current.server, baseline.server, bare]) toServerCore(server.pid);
      const { figures, errors } = await rotate(
        [
          { url: `${current.server.url}${metadataPath}`, authorizations: current.authorizations },
          { url: `${baseline.server.url}${metadataPath}`, authorizations: baseline.authorizations },
          { url: `${bare.url}${metadataPath}`, authorizations: current.authorizations },
        ],
        settings,
        work,
      );
      return { current: figures[0]!, baseline: figures[1]!, bare: figures[2]!, errors, label };
    } finally {
      await bare.stop();
    }
  });
}

export interface BaselineInstallFigures {
  /** Milliseconds of each timed warm install, in the order they ran. */
  readonly current: number[];
  readonly baseline: number[];
  readonly label: string;
}

/**
 * Warm installs of the ~200-package project through this build and the baseline: a cold install and
 * five untimed warm installs through each (as in the install benchmark, for V8 to compile the hit
 * paths), then `pairs` pairs, one install through each, back to back, the order alternating.
 */
export async function benchInstallsAgainstBaseline(pairs: number, baselineDir: string): Promise<BaselineInstallFigures> {
  return withBothBuilds(baselineDir, { layout: 'composer2', ...installUpstream }, async (current, baseline, work, label) => {
    const builds = [current, baseline].map((build) => ({ url: build.server.url, auth: basicUser(build.authorizations[0]!), times: [] as number[] }));
    let n = 0;
    const through = (build: (typeof builds)[number]): Promise<number> => timedInstall(work, `install-${n++}`, build.url, build.auth);
    for (let i = 0; i < 1 + warmUpInstalls; i++) for (const build of i % 2 === 0 ? builds : [...builds].reverse()) await through(build);
    for (let pair = 0; pair < pairs; pair++) {
      for (const build of pair % 2 === 0 ? builds : [...builds].reverse()) build.times.push(await through(build));
    }
    return { current: builds[0]!.times, baseline: builds[1]!.times, label };
  });
}

export interface BaselineIdleFigures {
  /** Milliseconds of CPU per second of each idle window, the two builds measured over the same windows. */
  readonly current: number[];
  readonly baseline: number[];
  readonly label: string;
}

/**
 * Before the idle windows: long enough for V8 to finish compiling what the first answer and the
 * start-up timers ran (the first 20 s window read twice the later ones when it started at once).
 */
const idleSettleMs = 30_000;

/**
 * The CPU both builds spend idle, side by side: one warm answer each, a settling time, then `windows`
 * windows of `windowSeconds`, the CPU time of both processes read from /proc at each window's ends.
 */
export async function benchIdleAgainstBaseline(windows: number, windowSeconds: number, baselineDir: string): Promise<BaselineIdleFigures> {
  return withBothBuilds(baselineDir, { layout: 'composer2' }, async (current, baseline, _work, label) => {
    const builds = [current, baseline];
    for (const build of builds) await sample(`${build.server.url}${metadataPath}`, build.authorizations[0]!);
    await sleep(idleSettleMs);
    const figures = builds.map((): number[] => []);
    for (let window = 0; window < windows; window++) {
      const before = await Promise.all(builds.map((build) => cpuTimeOf(build.server.pid)));
      await sleep(windowSeconds * 1000);
      const after = await Promise.all(builds.map((build) => cpuTimeOf(build.server.pid)));
      builds.forEach((_, i) => figures[i]!.push((after[i]! - before[i]!) / windowSeconds));
    }
    return { current: figures[0]!, baseline: figures[1]!, label };
  });
}
