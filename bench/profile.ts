/**
 * Profiles repogate's warm metadata path: repogate runs with `--cpu-prof` under wrk load, then the
 * profile is summarised (self time by module and by function) and drawn as a flame graph.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMockUpstream } from '../test/helpers/mock-upstream/index.js';
import { foldedStacks, readProfiles, selfTimes, type SelfTime } from './cpu-profile.js';
import { flameGraphSvg } from './flamegraph.js';
import { metadataPath, seedRegistry } from './metadata-throughput.js';
import { startRepogateProcess } from './processes.js';
import { toServerCore } from './cores.js';
import { runWrk } from './wrk.js';

export interface ProfileSummary {
  readonly requestsPerSecond: number;
  readonly byModule: readonly SelfTime[];
  readonly byFunction: readonly SelfTime[];
  /** Where the flame graph and the folded stacks were written. */
  readonly svg: string;
  readonly folded: string;
}

export async function profileWarmMetadata(options: { seconds: number; connections: number; outDir: string }): Promise<ProfileSummary> {
  const upstream = await startMockUpstream({ layout: 'composer2' });
  const work = await mkdtemp(join(tmpdir(), 'repogate-bench-profile-'));
  const profiles = join(work, 'profiles');
  await mkdir(profiles, { recursive: true });
  await mkdir(options.outDir, { recursive: true });
  const { dataDir, authorizations } = await seedRegistry(1, 1);
  try {
    const repogate = await startRepogateProcess({
      dataDir,
      upstreamUrl: upstream.url,
      upstreamUsername: upstream.username,
      upstreamPassword: upstream.password,
      nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profiles}`, '--cpu-prof-interval=200'],
    });
    toServerCore(repogate.pid);
    let requestsPerSecond = 0;
    try {
      const url = `${repogate.url}${metadataPath}`;
      await runWrk({ url, authorizations, connections: options.connections, seconds: 2, workDir: work });
      requestsPerSecond = (await runWrk({ url, authorizations, connections: options.connections, seconds: options.seconds, workDir: work })).requestsPerSecond;
    } finally {
      await repogate.stop();
    }
    const read = await readProfiles(profiles);
    const folded = foldedStacks(read);
    const foldedFile = join(options.outDir, 'warm-metadata.folded');
    const svgFile = join(options.outDir, 'warm-metadata-flamegraph.svg');
    await writeFile(foldedFile, [...folded].map(([stack, weight]) => `${stack} ${weight}`).join('\n'));
    await writeFile(svgFile, flameGraphSvg(folded, `repogate, warm /p2/ requests under wrk (${requestsPerSecond.toFixed(0)} req/s while profiling)`));
    return {
      requestsPerSecond,
      byModule: selfTimes(read, 'module').slice(0, 20),
      byFunction: selfTimes(read, 'function').slice(0, 30),
      svg: svgFile,
      folded: foldedFile,
    };
  } finally {
    await upstream.close();
    await rm(work, { recursive: true, force: true });
    await rm(dataDir, { recursive: true, force: true });
  }
}
