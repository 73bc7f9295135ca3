/**
 * A real PostgreSQL for tests. In order of preference:
 *
 * 1. `REPOGATE_TEST_DATABASE_URL` or `DATABASE_URL` (a `postgres://` URL of a role that may create
 *    databases);
 * 2. the local server at postgres://postgres@127.0.0.1:5432/postgres (trust authentication);
 * 3. a private server: `initdb` into a temporary directory and `pg_ctl start` on a free port (as an
 *    unprivileged user when running as root), stopped when the last user closes it or the process exits.
 *
 * `REPOGATE_TEST_POSTGRES=private` skips 1 and 2. Each test gets a database of its own
 * (`repogate_test_<random>`), dropped afterwards. When none of this works, {@link startTestPostgres}
 * throws with CI=true and otherwise resolves to undefined, so that the test can skip.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import pg from 'pg';
import { freePort } from './redis.js';

export interface TestPostgres {
  /** Where it came from: the environment, the local server, or a private one this helper started. */
  readonly source: 'env' | 'local' | 'private';
  /** URL of the server's maintenance database (no test data goes there). */
  readonly serverUrl: string;
  /** A new, empty database on the server. */
  createDatabase(): Promise<TestDatabase>;
  /** Releases this handle; a private server stops when the last handle is released. */
  close(): Promise<void>;
}

export interface TestDatabase {
  readonly name: string;
  /** `postgres://…/<name>`: what REPOGATE_DATABASE_URL gets. */
  readonly url: string;
  /** Drops the database (closing whatever is still connected to it). */
  drop(): Promise<void>;
}

export interface TestPostgresOptions {
  /** The local server to try (default postgres://postgres@127.0.0.1:5432/postgres). */
  readonly localUrl?: string;
}

const defaultLocalUrl = 'postgres://postgres@127.0.0.1:5432/postgres';

/** Resolves to a usable server, or undefined (outside CI) when there is none; see the module comment. */
export async function startTestPostgres(options: TestPostgresOptions = {}): Promise<TestPostgres | undefined> {
  const problems: string[] = [];
  const forcePrivate = process.env['REPOGATE_TEST_POSTGRES'] === 'private';
  const given = process.env['REPOGATE_TEST_DATABASE_URL'] ?? process.env['DATABASE_URL'];
  if (!forcePrivate && given !== undefined && given !== '') {
    if (!/^postgres(ql)?:\/\//.test(given)) throw new Error('REPOGATE_TEST_DATABASE_URL / DATABASE_URL must be a postgres:// URL');
    const problem = await reachable(given);
    if (problem === undefined) return handle('env', given, async () => undefined);
    throw new Error(`the PostgreSQL server given in the environment is not reachable: ${problem}`);
  }
  if (!forcePrivate) {
    const localUrl = options.localUrl ?? defaultLocalUrl;
    const problem = await reachable(localUrl);
    if (problem === undefined) return handle('local', localUrl, async () => undefined);
    problems.push(`no local server at ${localUrl} (${problem})`);
  }
  try {
    const server = await acquirePrivateServer();
    return handle('private', server.url, releasePrivateServer);
  } catch (error) {
    problems.push(`could not start a private server: ${error instanceof Error ? error.message : String(error)}`);
  }
  const message = `PostgreSQL is not available: ${problems.join('; ')}`;
  if (process.env['CI'] === 'true') throw new Error(`${message} (CI=true: a missing tool is a failure, not a skip)`);
  return undefined;
}

/** Skips the test (outside CI) when there is no PostgreSQL; true when there is one. */
export function requirePostgres(t: TestContext, postgres: TestPostgres | undefined): postgres is TestPostgres {
  if (postgres) return true;
  t.skip('PostgreSQL not available');
  return false;
}

function handle(source: TestPostgres['source'], serverUrl: string, release: () => Promise<void>): TestPostgres {
  let released = false;
  return {
    source,
    serverUrl,
    createDatabase: () => createDatabase(serverUrl),
    async close() {
      if (released) return;
      released = true;
      await release();
    },
  };
}

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function reachable(url: string): Promise<string | undefined> {
  try {
    await withClient(url, (client) => client.query('select 1'));
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message || error.name : String(error);
  }
}

async function createDatabase(serverUrl: string): Promise<TestDatabase> {
  const name = `repogate_test_${randomBytes(6).toString('hex')}`;
  await withClient(serverUrl, (client) => client.query(`create database ${name}`));
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    name,
    url: url.toString(),
    async drop() {
      await withClient(serverUrl, async (client) => {
        try {
          await client.query(`drop database if exists ${name} with (force)`);
        } catch {
          // Servers before PostgreSQL 13 have no WITH (FORCE).
          await client.query(`select pg_terminate_backend(pid) from pg_stat_activity where datname = '${name}'`);
          await client.query(`drop database if exists ${name}`);
        }
      });
    },
  };
}

interface PrivateServer {
  readonly url: string;
  readonly dir: string;
  readonly pgCtl: string;
  readonly runAs: string | undefined;
}

let privateServer: Promise<PrivateServer> | undefined;
let privateUsers = 0;

async function acquirePrivateServer(): Promise<PrivateServer> {
  privateUsers++;
  privateServer ??= startPrivateServer();
  try {
    return await privateServer;
  } catch (error) {
    privateUsers--;
    privateServer = undefined;
    throw error;
  }
}

async function releasePrivateServer(): Promise<void> {
  privateUsers--;
  if (privateUsers > 0 || !privateServer) return;
  const server = await privateServer;
  privateServer = undefined;
  stopPrivateServer(server);
  await rm(server.dir, { recursive: true, force: true });
}

/** The bin directory of the newest PostgreSQL installed the Debian way, or undefined to use PATH. */
function postgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(root, versions[0], 'bin');
}

/** PostgreSQL refuses to run as root: pick an unprivileged user to run it as. */
function unprivilegedUser(): string | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const user of ['postgres', 'nobody']) {
    if (spawnSync('id', ['-u', user]).status === 0) return user;
  }
  throw new Error('running as root and there is neither a postgres nor a nobody user to run PostgreSQL as');
}

function userIds(user: string): { uid: number; gid: number } {
  const uid = Number(spawnSync('id', ['-u', user], { encoding: 'utf8' }).stdout.trim());
  const gid = Number(spawnSync('id', ['-g', user], { encoding: 'utf8' }).stdout.trim());
  return { uid, gid };
}

function run(command: string, args: readonly string[], runAs: string | undefined): Promise<void> {
  const [file, argv] = runAs === undefined ? [command, args] : ['runuser', ['-u', runAs, '--', command, ...args]];
  return new Promise((resolve, reject) => {
    const child = spawn(file, argv, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`${command} exited ${code}: ${stderr.trim().split('\n').slice(-3).join(' ')}`)),
    );
  });
}

async function startPrivateServer(): Promise<PrivateServer> {
  const bin = postgresBinDir();
  const initdb = bin === undefined ? 'initdb' : join(bin, 'initdb');
  const pgCtl = bin === undefined ? 'pg_ctl' : join(bin, 'pg_ctl');
  const runAs = unprivilegedUser();
  const dir = await mkdtemp(join(tmpdir(), 'repogate-pg-'));
  try {
    if (runAs !== undefined) {
      const { uid, gid } = userIds(runAs);
      await chown(dir, uid, gid);
    }
    const data = join(dir, 'data');
    await run(initdb, ['-D', data, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--no-locale', '--no-sync'], runAs);
    const port = await freePort();
    const serverOptions = [
      `-p ${port}`,
      `-k ${dir}`,
      '-c listen_addresses=127.0.0.1',
      '-c fsync=off',
      '-c synchronous_commit=off',
      '-c full_page_writes=off',
      '-c max_connections=200',
    ].join(' ');
    await run(pgCtl, ['-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '60', '-o', serverOptions, 'start'], runAs);
    const server: PrivateServer = { url: `postgres://postgres@127.0.0.1:${port}/postgres`, dir, pgCtl, runAs };
    process.once('exit', () => stopPrivateServer(server));
    return server;
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}

function stopPrivateServer(server: PrivateServer): void {
  const data = join(server.dir, 'data');
  if (!existsSync(join(data, 'postmaster.pid'))) return;
  const args = ['-D', data, '-m', 'immediate', '-w', 'stop'];
  if (server.runAs === undefined) spawnSync(server.pgCtl, args, { stdio: 'ignore' });
  else spawnSync('runuser', ['-u', server.runAs, '--', server.pgCtl, ...args], { stdio: 'ignore' });
}
