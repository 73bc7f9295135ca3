import { after, before } from 'node:test';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { z } from 'zod';

/** The repository root, from dist/test/helpers/cli.js. */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
/** The built `repogate` command (the package's `bin`). */
export const cliPath = join(repoRoot, 'dist', 'src', 'cli', 'main.js');

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  /** REPOGATE_DATA_DIR for the process. */
  readonly dataDir: string;
  /** Extra environment variables (they win over the defaults). */
  readonly env?: Readonly<Record<string, string>>;
  /** Written to stdin, which is then closed. */
  readonly input?: string;
}

/** The parent's environment without any repogate configuration, so that tests don't depend on the shell. */
function baseEnv(): Record<string, string> {
  const entries = Object.entries(process.env).filter(
    (entry): entry is [string, string] =>
      entry[1] !== undefined && !/^(REPOGATE_|REDIS_URL$|PORT$)/.test(entry[0]),
  );
  return Object.fromEntries(entries);
}

/** Starts `node dist/src/cli/main.js …args` in the data directory, with pipes for stdin, stdout and stderr. */
export function spawnCli(args: readonly string[], options: CliOptions): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [cliPath, ...args], {
    cwd: options.dataDir,
    env: { ...baseEnv(), REPOGATE_DATA_DIR: options.dataDir, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** Runs `node dist/src/cli/main.js …args` and resolves with its exit code and output. */
export function runCli(args: readonly string[], options: CliOptions): Promise<CliResult> {
  const child = spawnCli(args, options);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  child.stdin.end(options.input ?? '');
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      resolve({ code: code ?? (signal === null ? -1 : 128), stdout, stderr });
    });
  });
}

/** Runs a command that must succeed (exit 0) and returns its stdout; the assertion shows stderr otherwise. */
export async function runOk(args: readonly string[], options: CliOptions): Promise<string> {
  const result = await runCli(args, options);
  assert.equal(result.code, 0, `repogate ${args.join(' ')} exited ${result.code}: ${result.stderr}`);
  return result.stdout;
}

/** Runs a command with `--json` that must succeed and returns its parsed stdout. */
export async function runJson(args: readonly string[], options: CliOptions): Promise<unknown> {
  return JSON.parse(await runOk([...args, '--json'], options)) as unknown;
}

/**
 * Asserts that a command failed with `code`, printing one `repogate: …` error on stderr that mentions
 * each of `mentions`, and nothing on stdout.
 */
export async function expectFailure(
  args: readonly string[],
  options: CliOptions,
  code: number,
  ...mentions: string[]
): Promise<CliResult> {
  const result = await runCli(args, options);
  assert.equal(result.code, code, `repogate ${args.join(' ')}: expected exit ${code}, got ${result.code}: ${result.stderr}`);
  assert.match(result.stderr, /^repogate: /, `stderr of repogate ${args.join(' ')}`);
  for (const text of mentions) assert.ok(result.stderr.includes(text), `stderr should mention "${text}": ${result.stderr}`);
  assert.equal(result.stdout, '');
  return result;
}

/** A fresh, empty data directory, removed when `cleanup` is called. */
export async function createDataDir(): Promise<{ dataDir: string; cleanup: () => Promise<void> }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'repogate-cli-'));
  return { dataDir, cleanup: () => rm(dataDir, { recursive: true, force: true }) };
}

/**
 * A fresh data directory for the suite it is called in: the options it returns are filled in by a
 * `before` hook, which then runs `setup`; an `after` hook removes the directory.
 */
export function suiteDataDir(setup?: () => Promise<void>): CliOptions {
  const options = { dataDir: '' };
  let cleanup = (): Promise<void> => Promise.resolve();
  before(async () => {
    const dir = await createDataDir();
    options.dataDir = dir.dataDir;
    cleanup = dir.cleanup;
    await setup?.();
  });
  after(() => cleanup());
  return options;
}

/** Every file under `dir` (recursively), as bytes. */
export async function readAllFiles(dir: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) {
      const path = join(entry.parentPath, entry.name);
      files.set(path, await readFile(path));
    }
  }
  return files;
}

const keyString = z.string().regex(/^[0-9a-f]{32}$/);
const isoTime = z.iso.datetime();

/** The JSON shapes the CLI promises (strict: no extra field, in particular no secret or hash). */
export const cliShapes = {
  issuedKey: z.strictObject({ publicKey: keyString, privateKey: keyString, name: z.string(), account: z.string() }),
  token: z.strictObject({ account: z.string(), token: z.string().regex(/^[0-9a-f]{32,}$/) }),
  account: z.strictObject({
    id: z.string(),
    name: z.string(),
    email: z.string().nullable(),
    status: z.enum(['active', 'suspended']),
    suspensionReason: z.string().nullable(),
    hasPassword: z.boolean(),
    createdAt: isoTime,
    sources: z.array(z.string()).min(1),
  }),
  key: z.strictObject({
    publicKey: keyString,
    accountId: z.string(),
    name: z.string(),
    status: z.enum(['enabled', 'disabled']),
    scope: z.array(z.string()).nullable(),
    expiresOn: z.string().nullable(),
    cidrs: z.array(z.string()).nullable(),
    createdAt: isoTime,
    lastUsedAt: isoTime.nullable(),
    lastUsedAddress: z.string().nullable(),
  }),
  entitlement: z.strictObject({ name: z.string(), rules: z.array(z.string()), createdAt: isoTime, updatedAt: isoTime }),
  grant: z.strictObject({ accountId: z.string(), entitlement: z.string(), expiresOn: z.string().nullable(), createdAt: isoTime }),
  error: z.strictObject({ error: z.strictObject({ code: z.string(), message: z.string() }) }),
  source: z.strictObject({
    name: z.string(),
    url: z.string(),
    username: z.string().nullable(),
    hasPassword: z.boolean(),
    hasGithubToken: z.boolean(),
    createdAt: isoTime,
    updatedAt: isoTime,
    accounts: z.array(z.string()),
  }),
  sourceListed: z.strictObject({
    name: z.string(),
    url: z.string(),
    username: z.string().nullable(),
    hasPassword: z.boolean(),
    hasGithubToken: z.boolean(),
    createdAt: isoTime.nullable(),
    updatedAt: isoTime.nullable(),
    accounts: z.array(z.string()),
    origin: z.enum(['environment', 'registry']),
  }),
};

/** `accounts show --json`: the account with its grants, key count and downloads token. */
export const accountDetailShape = cliShapes.account.extend({
  grants: z.array(z.strictObject({ entitlement: z.string(), expiresOn: z.string().nullable(), expired: z.boolean() })),
  keys: z.number().int(),
  downloadsToken: z.strictObject({ createdAt: isoTime }).nullable(),
});
