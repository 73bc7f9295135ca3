/**
 * Runs the real Composer (Debian's `composer` with php-cli, php-zip, unzip) against a test
 * repository, isolated from the user's Composer home, cache, credentials and proxies.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

/** The outcome of one Composer run. */
export interface ComposerRun {
  /** Exit code; 124 when the run was killed for exceeding `timeoutMs`. */
  code: number;
  stdout: string;
  stderr: string;
  durationMs: number;
}

/** Options for {@link runComposer}. */
export interface RunComposerOptions {
  /** Project directory (where composer.json is). */
  cwd: string;
  /** COMPOSER_HOME for the run (global config, global auth.json). */
  home: string;
  /** COMPOSER_CACHE_DIR; defaults to `<home>/cache`. Share it between runs to test repeat installs. */
  cacheDir?: string;
  /** Extra environment variables (applied last, so they win). */
  env?: Record<string, string>;
  /** Kill the run after this many milliseconds (default 180 000). */
  timeoutMs?: number;
}

/** Options for {@link writeComposerProject}. */
export interface ComposerProjectOptions {
  /** The Composer repository URL (`http://127.0.0.1:PORT`). */
  repositoryUrl: string;
  /** `require` section of composer.json. */
  require: Record<string, string>;
  /** `minimum-stability`, when not the default `stable`. */
  minimumStability?: string;
  /** Credentials written to the project's auth.json; `host` as Composer keys it (`host[:port]`). */
  auth?: { host: string; username: string; password: string };
}

/** Environment variables removed from the inherited environment so a run only sees what the test sets. */
const SCRUBBED_ENV = [
  'COMPOSER', 'COMPOSER_AUTH', 'COMPOSER_DISABLE_NETWORK', 'COMPOSER_MIRROR_PATH_REPOS', 'COMPOSER_ROOT_VERSION',
  'COMPOSER_VENDOR_DIR', 'COMPOSER_BIN_DIR', 'COMPOSER_PREFER_LOWEST', 'COMPOSER_PREFER_STABLE',
  'http_proxy', 'HTTP_PROXY', 'https_proxy', 'HTTPS_PROXY', 'CGI_HTTP_PROXY', 'no_proxy', 'NO_PROXY',
];

const DEFAULT_TIMEOUT_MS = 180_000;

/**
 * Runs `composer <args> --no-interaction --no-ansi` in `options.cwd` with an isolated
 * COMPOSER_HOME and cache. Never rejects for a failing Composer: check `code`.
 */
export function runComposer(args: string[], options: RunComposerOptions): Promise<ComposerRun> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !SCRUBBED_ENV.includes(key)) env[key] = value;
  }
  Object.assign(env, {
    COMPOSER_HOME: options.home,
    COMPOSER_CACHE_DIR: options.cacheDir ?? join(options.home, 'cache'),
    COMPOSER_ALLOW_SUPERUSER: '1',
    COMPOSER_NO_INTERACTION: '1',
    NO_COLOR: '1',
  });
  Object.assign(env, options.env ?? {});
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const started = performance.now();

  return new Promise((resolve, reject) => {
    const child = spawn('composer', [...args, '--no-interaction', '--no-ansi'], {
      cwd: options.cwd,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      timedOut = true;
      // Kill the process group we created (composer and any unzip it started).
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {
          child.kill('SIGKILL');
        }
      }
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) stderr += `\n[runComposer] killed after ${timeoutMs} ms\n`;
      resolve({
        code: timedOut ? 124 : (code ?? (signal ? 128 : 1)),
        stdout,
        stderr,
        durationMs: Math.round(performance.now() - started),
      });
    });
  });
}

/**
 * Writes composer.json (the given repository only, packagist.org disabled, plain http allowed,
 * plugins disallowed) and, when `auth` is given, auth.json with `http-basic` credentials.
 */
export async function writeComposerProject(dir: string, options: ComposerProjectOptions): Promise<void> {
  await mkdir(dir, { recursive: true });
  const composerJson: Record<string, unknown> = {
    name: 'repogate-test/project',
    description: 'Project written by repogate tests',
    type: 'project',
    license: 'proprietary',
    require: options.require,
    repositories: [{ type: 'composer', url: options.repositoryUrl }, { 'packagist.org': false }],
    config: { 'secure-http': false, 'allow-plugins': false },
  };
  if (options.minimumStability !== undefined) composerJson['minimum-stability'] = options.minimumStability;
  await writeFile(join(dir, 'composer.json'), `${JSON.stringify(composerJson, null, 4)}\n`);
  if (options.auth) {
    const { host, username, password } = options.auth;
    const authJson = { 'http-basic': { [host]: { username, password } } };
    await writeFile(join(dir, 'auth.json'), `${JSON.stringify(authJson, null, 4)}\n`);
  }
}

let composerAvailable: boolean | undefined;

/** True when a `composer` executable runs (checked once per process). */
export function composerInstalled(): boolean {
  if (composerAvailable === undefined) {
    const probe = spawnSync('composer', ['--version', '--no-ansi'], {
      stdio: 'ignore',
      env: { ...process.env, COMPOSER_ALLOW_SUPERUSER: '1' },
      timeout: 30_000,
    });
    composerAvailable = probe.status === 0;
  }
  return composerAvailable;
}

/**
 * Guards a test that needs Composer: true when it is installed. When it is missing, fails the test
 * in CI (`CI=true`) and otherwise skips it and returns false.
 */
export function requireComposer(t: TestContext): boolean {
  if (composerInstalled()) return true;
  if (process.env.CI === 'true') {
    throw new Error('composer is not installed (CI=true: a missing tool is a failure, not a skip)');
  }
  t.skip('composer not installed');
  return false;
}
