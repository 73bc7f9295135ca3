/**
 * Instructions per warm `/p2/` request, repogate against the bare node:http reference, each run
 * under valgrind's callgrind. Unlike requests per second, the count does not depend on what else
 * the machine is doing: the same code, inputs and load give the same figure to within a percent, so
 * it shows what a change to the hot path saves even on a noisy shared machine. It counts user-space
 * instructions only (the kernel's share of writing to the socket, the same for both, is left out).
 *
 * Both processes get the same load: 64 concurrent keep-alive clients; after a warm-up of 10,000
 * requests (V8 has then compiled the hot path with its optimising compiler, as in a server that has
 * been up a while; after only 3,000, both figures were 10–15 % higher and repogate's varied from run
 * to run), callgrind's counters are zeroed, N requests are made, and the counters dumped.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startMockUpstream } from '../test/helpers/mock-upstream/index.js';
import { metadataPath, sample, seedRegistry } from './metadata-throughput.js';
import { startBareServer, startRepogateProcess, type ServerProcess } from './processes.js';

export function valgrindAvailable(): boolean {
  return spawnSync('callgrind_control', ['--version'], { stdio: 'ignore' }).error === undefined && spawnSync('valgrind', ['--version'], { stdio: 'ignore' }).error === undefined;
}

export interface InstructionFigures {
  readonly subject: number;
  readonly reference: number;
  readonly requests: number;
}

async function load(url: string, authorization: string, requests: number, clients = 64): Promise<void> {
  let left = requests;
  const client = async (): Promise<void> => {
    while (left-- > 0) {
      const response = await fetch(url, { headers: { authorization } });
      if (response.status !== 200) throw new Error(`${url}: HTTP ${response.status}`);
      await response.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
}

/** Instructions per request of one server process started under callgrind (output files in `dir`). */
async function count(server: ServerProcess, dir: string, url: string, authorization: string, requests: number): Promise<number> {
  await load(url, authorization, 10_000);
  const control = (option: string): void => {
    const result = spawnSync('callgrind_control', [option, String(server.pid)], { stdio: 'ignore' });
    if (result.status !== 0) throw new Error(`callgrind_control ${option} failed`);
  };
  control('-z');
  await load(url, authorization, requests);
  control('-d');
  // The dump after zeroing is the process's first numbered part (`cg.<pid>.1`).
  for (let attempt = 0; attempt < 100; attempt++) {
    const dump = (await readdir(dir)).find((f) => f === `cg.${server.pid}.1`);
    if (dump) {
      const totals = /^totals:\s+(\d+)/m.exec(await readFile(join(dir, dump), 'utf8'));
      if (totals) return Number(totals[1]) / requests;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('callgrind wrote no dump');
}

export async function benchInstructions(requests = 10_000): Promise<InstructionFigures> {
  const upstream = await startMockUpstream({ layout: 'composer2' });
  const work = await mkdtemp(join(tmpdir(), 'repogate-bench-instructions-'));
  const { dataDir, authorizations } = await seedRegistry(1, 1);
  const authorization = authorizations[0]!;
  const wrap = ['valgrind', '--tool=callgrind', '--smc-check=all-non-file', `--callgrind-out-file=${join(work, 'cg.%p')}`];
  const servers: ServerProcess[] = [];
  try {
    const upstreamOptions = { dataDir, upstreamUrl: upstream.url, upstreamUsername: upstream.username, upstreamPassword: upstream.password };
    // The reference writes the bytes repogate writes: take them from a repogate run without valgrind.
    const plain = await startRepogateProcess(upstreamOptions);
    const { headers, body } = await sample(`${plain.url}${metadataPath}`, authorization).finally(() => plain.stop());
    const repogate = await startRepogateProcess({ ...upstreamOptions, wrap });
    servers.push(repogate);
    const subject = await count(repogate, work, `${repogate.url}${metadataPath}`, authorization, requests);
    await repogate.stop();
    const bare = await startBareServer({ authorizations: [authorization], headers, body, workDir: work, wrap });
    servers.push(bare);
    const reference = await count(bare, work, `${bare.url}${metadataPath}`, authorization, requests);
    return { subject, reference, requests };
  } finally {
    for (const server of servers) await server.stop();
    await upstream.close();
    await rm(work, { recursive: true, force: true });
    await rm(dataDir, { recursive: true, force: true });
  }
}
