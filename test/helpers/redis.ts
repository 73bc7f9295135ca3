import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { waitFor } from './wait-for.js';

/** A Redis for a test: REDIS_URL when given, else a redis-server started on a free port. */
export interface TestRedis {
  readonly url: string;
  readonly port: number;
  /** Only for a server this helper started: stop it (and start it again on the same port). */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Whether a Redis answers PING at `url` now. */
async function answersPing(url: string): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

async function waitForRedis(url: string, timeoutMs = 10_000): Promise<void> {
  await waitFor(() => answersPing(url), { what: `Redis at ${url} to answer`, timeoutMs, intervalMs: 20 });
}

/**
 * `own: true` always starts a private redis-server (for tests that stop and restart it); otherwise
 * REDIS_URL is used when set.
 */
export async function startTestRedis(options: { own?: boolean } = {}): Promise<TestRedis> {
  const given = process.env['REDIS_URL'];
  if (given && !options.own) {
    await waitForRedis(given);
    const port = Number(new URL(given).port || 6379);
    const noop = async (): Promise<void> => undefined;
    return { url: given, port, stop: noop, start: noop, close: noop };
  }
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    await waitForRedis(url);
  };
  const stop = async (): Promise<void> => {
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((resolve) => child!.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  };
  await start();
  return { url, port, stop, start, close: stop };
}
