/**
 * Child processes for the benchmarks: repogate itself (`node <options> dist/src/main.js`, as
 * `npm start` runs it), the bare node:http reference, and helpers to read a process's memory and CPU
 * time from /proc.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../test/helpers/redis.js';

/** The repository root, from dist/bench/processes.js. */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** The node options `npm start` gives the server in a checkout (package.json's `start` script: `node <options> dist/src/main.js`). */
export function startArgsOf(root: string): readonly string[] {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: { start: string } };
  const words = pkg.scripts.start.trim().split(/\s+/);
  if (words[0] !== 'node' || words.at(-1) !== 'dist/src/main.js') throw new Error(`unexpected start script in ${root}: ${pkg.scripts.start}`);
  return words.slice(1, -1);
}

/** The node options `npm start` gives the server of this checkout. */
export const startNodeArgs: readonly string[] = startArgsOf(repoRoot);

/** A child process serving HTTP on 127.0.0.1. */
export interface ServerProcess {
  readonly url: string;
  readonly pid: number;
  /** What it printed on stderr (for failures). */
  stderr(): string;
  stop(): Promise<void>;
}

/** Environment without any repogate configuration of the shell. */
function cleanEnv(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && !/^(REPOGATE_|REDIS_|PORT$)/.test(e[0])),
  );
}

async function waitForHttp(url: string, child: ChildProcess, stderr: () => string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`process exited (${child.exitCode}) before listening:\n${stderr()}`);
    try {
      const response = await fetch(url);
      await response.arrayBuffer();
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`nothing listens on ${url}:\n${stderr()}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

function track(child: ChildProcess): () => string {
  let text = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    text = (text + chunk).slice(-20_000);
  });
  return () => text;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

export interface RepogateProcessOptions {
  readonly dataDir: string;
  readonly upstreamUrl: string;
  readonly upstreamUsername: string;
  readonly upstreamPassword: string;
  readonly env?: Readonly<Record<string, string>>;
  /** A built checkout of another version of repogate to run instead of this one (its own `npm start` options). */
  readonly root?: string;
  /** Node options instead of those of `npm start` (startNodeArgs). */
  readonly startArgs?: readonly string[];
  /** Extra node options, e.g. `--cpu-prof`. */
  readonly nodeArgs?: readonly string[];
  /** Where the access log goes (default: discarded, as if written to a file nobody reads now). */
  readonly logFile?: string;
  /** A command the process runs under, e.g. valgrind and its options. */
  readonly wrap?: readonly string[];
}

/** `node <args>`, or the same under `wrap`. */
function command(wrap: readonly string[] | undefined, args: readonly string[]): [string, string[]] {
  return wrap && wrap.length > 0 ? [wrap[0]!, [...wrap.slice(1), process.execPath, ...args]] : [process.execPath, [...args]];
}

/** Starts repogate as `npm start` would, on a free port, and waits until it answers /healthz. */
export async function startRepogateProcess(options: RepogateProcessOptions): Promise<ServerProcess> {
  const port = await freePort();
  const env = {
    ...cleanEnv(),
    PORT: String(port),
    REPOGATE_HOST: '127.0.0.1',
    REPOGATE_ADMIN_PORT: String(await freePort()),
    REPOGATE_DATA_DIR: options.dataDir,
    REPOGATE_UPSTREAM_URL: options.upstreamUrl,
    REPOGATE_UPSTREAM_USERNAME: options.upstreamUsername,
    REPOGATE_UPSTREAM_PASSWORD: options.upstreamPassword,
    REPOGATE_LOG_LEVEL: 'info',
    ...options.env,
  };
  const { openSync, closeSync } = await import('node:fs');
  const out = options.logFile ? openSync(options.logFile, 'a') : 'ignore';
  const root = options.root ?? repoRoot;
  const startArgs = options.startArgs ?? (options.root ? startArgsOf(options.root) : startNodeArgs);
  const [file, args] = command(options.wrap, [...startArgs, ...(options.nodeArgs ?? []), join(root, 'dist/src/main.js')]);
  const child = spawn(file, args, {
    cwd: options.dataDir,
    env,
    stdio: ['ignore', out, 'pipe'],
  });
  if (typeof out === 'number') closeSync(out);
  const stderr = track(child);
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/healthz`, child, stderr, options.wrap ? 300_000 : 20_000);
  return { url, pid: child.pid!, stderr, stop: () => stopChild(child) };
}

/**
 * The reference for the warm-metadata figure: a bare node:http server that checks the Basic header
 * against a Map and writes fixed bytes (the same status line, headers and body repogate sends).
 */
export async function startBareServer(options: {
  readonly authorizations: readonly string[];
  readonly headers: Readonly<Record<string, string>>;
  readonly body: Buffer;
  readonly workDir: string;
  readonly wrap?: readonly string[];
  /** Node options (none: node's defaults). */
  readonly nodeArgs?: readonly string[];
}): Promise<ServerProcess> {
  const port = await freePort();
  const spec = join(options.workDir, `bare-${port}.json`);
  await writeFile(spec, JSON.stringify({ port, authorizations: options.authorizations, headers: options.headers, body: options.body.toString('base64') }));
  const [file, args] = command(options.wrap, [...(options.nodeArgs ?? []), join(repoRoot, 'dist/bench/bare-server.js'), spec]);
  const child = spawn(file, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const stderr = track(child);
  const url = `http://127.0.0.1:${port}`;
  await waitForHttp(`${url}/`, child, stderr, options.wrap ? 300_000 : 20_000);
  return { url, pid: child.pid!, stderr, stop: () => stopChild(child) };
}

/** Resident set size now and its peak (VmHWM) of a process, in bytes. */
export async function memoryOf(pid: number): Promise<{ rss: number; peak: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rss: field('VmRSS'), peak: field('VmHWM') };
}

/** Resets a process's peak RSS (VmHWM) to its current RSS (Linux: clear_refs 5). */
export async function resetPeak(pid: number): Promise<boolean> {
  try {
    await writeFile(`/proc/${pid}/clear_refs`, '5');
    return true;
  } catch {
    return false;
  }
}

/** Clock ticks per second, the unit of /proc/<pid>/stat's CPU times (asked once, when first needed). */
let ticksPerSecond: number | undefined;

/** CPU time a process (all its threads) has used so far, user and system, in milliseconds. */
export async function cpuTimeOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // The fields after the command name, which is in parentheses and may hold spaces: utime and stime are the 12th and 13th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  ticksPerSecond ??= Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / ticksPerSecond;
}
