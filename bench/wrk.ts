/**
 * Load with wrk (Debian's `wrk`): fixed connections and duration against 127.0.0.1, one thread (the
 * machine's other core serves). Rotating Authorization headers go through a small Lua script.
 */
import { spawn, spawnSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { onLoadCore } from './cores.js';

export interface LoadOptions {
  readonly url: string;
  /** Authorization headers, used in turn (one: plain -H). */
  readonly authorizations: readonly string[];
  readonly connections: number;
  readonly seconds: number;
  readonly workDir: string;
}

export interface LoadResult {
  readonly requestsPerSecond: number;
  readonly requests: number;
  /** Responses other than 2xx/3xx, and socket errors. */
  readonly errors: number;
  readonly latencyP99Ms: number | undefined;
}

export function wrkAvailable(): boolean {
  return spawnSync('wrk', ['--version'], { stdio: 'ignore' }).error === undefined;
}

export async function runWrk(options: LoadOptions): Promise<LoadResult> {
  const args = ['-t1', `-c${options.connections}`, `-d${options.seconds}s`, '--latency'];
  if (options.authorizations.length === 1) {
    args.push('-H', `Authorization: ${options.authorizations[0]!}`);
  } else {
    const script = join(options.workDir, `rotate-${process.pid}-${Date.now()}.lua`);
    const list = options.authorizations.map((a) => JSON.stringify(a)).join(', ');
    await writeFile(
      script,
      `local auths = { ${list} }\nlocal i = 0\nrequest = function()\n  i = i % #auths + 1\n  return wrk.format("GET", nil, { ["Authorization"] = auths[i] })\nend\n`,
    );
    args.push('-s', script);
  }
  args.push(options.url);
  const output = await new Promise<string>((resolve, reject) => {
    const [file, argv] = onLoadCore('wrk', args);
    const child = spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (text += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (text += c));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(text) : reject(new Error(`wrk exited ${code}:\n${text}`))));
  });
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(output);
  const total = /(\d+) requests in/.exec(output);
  if (!rps || !total) throw new Error(`cannot read wrk's output:\n${output}`);
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(output)?.[1] ?? 0);
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const socket = socketErrors ? socketErrors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0;
  const p99 = /\s99%\s+([\d.]+)(us|ms|s)/.exec(output);
  const scale = { us: 0.001, ms: 1, s: 1000 } as const;
  return {
    requestsPerSecond: Number(rps[1]),
    requests: Number(total[1]),
    errors: non2xx + socket,
    latencyP99Ms: p99 ? Number(p99[1]) * scale[p99[2] as keyof typeof scale] : undefined,
  };
}
