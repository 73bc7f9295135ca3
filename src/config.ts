import { resolve } from 'node:path';
import { z } from 'zod';
import { RepogateError } from './errors.js';
import { redactUrl } from './redact-url.js';
import { cidrList, headerValue, hostList, hostPortList, httpUrlWithoutCredentials, optionalString, port, seconds, wholeNumber } from './config-values.js';
import { defaultUpstreamUserAgent } from './version.js';

const envSchema = z.object({
  REPOGATE_UPSTREAM_URL: httpUrlWithoutCredentials('set REPOGATE_UPSTREAM_USERNAME and REPOGATE_UPSTREAM_PASSWORD instead').default(
    'https://repo.magento.com',
  ),
  REPOGATE_UPSTREAM_USERNAME: optionalString,
  REPOGATE_UPSTREAM_PASSWORD: optionalString,
  REPOGATE_UPSTREAM_TIMEOUT_SECONDS: z
    .string()
    .trim()
    .regex(/^\d+(\.\d+)?$/, 'must be a number of seconds')
    .transform(Number)
    .pipe(z.number().positive('must be more than 0').max(300, 'must be at most 300'))
    .default(30),
  REPOGATE_UPSTREAM_FAILURES_TO_OPEN: wholeNumber(1000).pipe(z.number().min(1, 'must be at least 1')).default(5),
  REPOGATE_UPSTREAM_RETRY_SECONDS: wholeNumber(3600).pipe(z.number().min(1, 'must be at least 1')).default(10),
  REPOGATE_UPSTREAM_METADATA_HOSTS: hostList.default([]),
  REPOGATE_UPSTREAM_USER_AGENT: headerValue.optional(),
  REPOGATE_PUBLIC_URL: httpUrlWithoutCredentials('clients authenticate with their own keys').optional(),
  PORT: port.default(8080),
  REPOGATE_HOST: z.string().min(1).default('0.0.0.0'),
  REPOGATE_ADMIN_PORT: port.default(8081),
  REPOGATE_ADMIN_HOST: z.string().min(1).default('127.0.0.1'),
  REPOGATE_ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  REPOGATE_SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  REPOGATE_SECRETS_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  REPOGATE_DATA_DIR: z.string().min(1).default('./data'),
  REPOGATE_DATABASE_URL: z
    .string()
    .regex(/^(postgres(ql)?:\/\/|sqlite:)/, 'must start with postgres:// or sqlite:')
    .optional(),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://').optional(),
  REDIS_SENTINELS: hostPortList.optional(),
  REDIS_SENTINEL_NAME: optionalString,
  REDIS_SENTINEL_PASSWORD: optionalString,
  REDIS_CLUSTER_NODES: hostPortList.optional(),
  REDIS_USERNAME: optionalString,
  REDIS_PASSWORD: optionalString,
  REDIS_TLS: z.enum(['true', 'false'], 'must be true or false').default('false'),
  REPOGATE_REGISTRY_POLL_MS: wholeNumber(1000).pipe(z.number().min(50, 'must be at least 50')).default(250),
  REPOGATE_CREDENTIAL_FALLBACK_TTL_SECONDS: wholeNumber(60).pipe(z.number().min(1, 'must be at least 1')).default(5),
  REPOGATE_METADATA_TTL_SECONDS: seconds.default(300),
  REPOGATE_STALE_SECONDS: seconds.default(604800),
  REPOGATE_NEGATIVE_TTL_SECONDS: seconds.default(60),
  REPOGATE_MEMORY_CACHE_BYTES: wholeNumber(Number.MAX_SAFE_INTEGER)
    .pipe(z.number().min(1_048_576, 'must be at least 1048576 (1 MiB)'))
    .default(268_435_456),
  REPOGATE_ARCHIVE_CACHE_BYTES: wholeNumber(Number.MAX_SAFE_INTEGER).default(10_737_418_240),
  REPOGATE_TRUSTED_PROXIES: cidrList.optional(),
  REPOGATE_DOWNLOADS_URL: httpUrlWithoutCredentials('set REPOGATE_DOWNLOADS_MAGEID and REPOGATE_DOWNLOADS_TOKEN instead').optional(),
  REPOGATE_DOWNLOADS_MAGEID: optionalString,
  REPOGATE_DOWNLOADS_TOKEN: optionalString,
  REPOGATE_AUTH_FAILURES_PER_KEY: wholeNumber(1_000_000).pipe(z.number().min(1, 'must be at least 1')).default(20),
  REPOGATE_AUTH_FAILURES_PER_ADDRESS: wholeNumber(1_000_000).pipe(z.number().min(1, 'must be at least 1')).default(300),
  REPOGATE_AUTH_FAILURE_WINDOW_SECONDS: wholeNumber(86_400).pipe(z.number().min(1, 'must be at least 1')).default(300),
  REPOGATE_AUDIT_RETENTION_DAYS: wholeNumber(36_500).pipe(z.number().min(1, 'must be at least 1')).default(365),
  REPOGATE_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

/** The validated, frozen configuration every module receives from the composition root. */
export interface Config {
  readonly upstream: {
    readonly url: string;
    readonly username: string | undefined;
    readonly password: string | undefined;
    readonly timeoutMs: number;
    /** Circuit breaker: consecutive failures that open it, and how long it stays open. */
    readonly breaker: { readonly failureThreshold: number; readonly openMs: number };
    /**
     * Hosts other than the upstream's own origin that its documents may send repogate to for
     * metadata (`host:port`, lowercase): REPOGATE_UPSTREAM_METADATA_HOSTS, empty by default.
     */
    readonly metadataHosts: readonly string[];
    /** The User-Agent of every upstream request: REPOGATE_UPSTREAM_USER_AGENT, else `Composer/2.8.0 (repogate/…; Node.js …)`. */
    readonly userAgent: string;
  };
  readonly publicUrl: string | undefined;
  readonly port: number;
  readonly host: string;
  readonly adminPort: number;
  readonly adminHost: string;
  readonly adminToken: string | undefined;
  /** Signs the admin page's session cookies; instances that share it share sessions. Unset: see admin/web/session.ts. */
  readonly sessionSecret: string | undefined;
  /**
   * Encrypts the credentials of the sources stored in the registry (registry/secret-box.ts); every
   * instance and the CLI need the same one. Unset: sources without credentials only.
   */
  readonly secretsKey: string | undefined;
  readonly dataDir: string;
  readonly databaseUrl: string;
  readonly redisUrl: string | undefined;
  /** How to reach Redis (one server, Sentinel or Cluster); undefined: no Redis, in-process cache only. */
  readonly redis: RedisConnectionConfig | undefined;
  /** How often each instance polls the registry version for changes made elsewhere (at most 1 s). */
  readonly registryPollMs: number;
  /** While Redis is configured but its change channel is down: how long verified keys stay cached. */
  readonly credentialFallbackTtlMs: number;
  readonly metadataTtlMs: number;
  readonly staleMs: number;
  readonly negativeTtlMs: number;
  readonly memoryCacheBytes: number;
  readonly archiveCacheBytes: number;
  /**
   * Networks of the reverse proxies whose X-Forwarded-For names the client (`address/prefix`); empty:
   * none, the client is the TCP peer. See http/client-address.ts.
   */
  readonly trustedProxies: readonly string[];
  readonly downloads: {
    readonly url: string | undefined;
    readonly mageId: string | undefined;
    readonly token: string | undefined;
  };
  readonly authThrottle: {
    readonly failuresPerKey: number;
    readonly failuresPerAddress: number;
    readonly windowSeconds: number;
  };
  readonly auditRetentionDays: number;
  readonly logLevel: string;
}

/**
 * Reads and validates the environment. Every bad variable is reported in one error (code
 * CONFIG_INVALID), one line per variable, each naming it. Empty strings count as unset.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const input = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const problems: string[] = [];
  if ((input['REPOGATE_UPSTREAM_USERNAME'] === undefined) !== (input['REPOGATE_UPSTREAM_PASSWORD'] === undefined)) {
    problems.push('REPOGATE_UPSTREAM_USERNAME, REPOGATE_UPSTREAM_PASSWORD: must be set together');
  }
  const redisModes = ['REDIS_URL', 'REDIS_SENTINELS', 'REDIS_CLUSTER_NODES'].filter((name) => input[name] !== undefined);
  if (redisModes.length > 1) problems.push(`${redisModes.join(', ')}: set only one of them`);
  if ((input['REDIS_SENTINELS'] === undefined) !== (input['REDIS_SENTINEL_NAME'] === undefined)) {
    problems.push('REDIS_SENTINELS, REDIS_SENTINEL_NAME: must be set together');
  }
  if (input['REPOGATE_DOWNLOADS_URL'] !== undefined && (input['REPOGATE_DOWNLOADS_MAGEID'] === undefined || input['REPOGATE_DOWNLOADS_TOKEN'] === undefined)) {
    problems.push('REPOGATE_DOWNLOADS_MAGEID, REPOGATE_DOWNLOADS_TOKEN: must be set with REPOGATE_DOWNLOADS_URL');
  }
  const parsed = envSchema.safeParse(input);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0] ?? 'environment');
      problems.push(`${name}: ${issue.message}${shownValue(name, input[name])}`);
    }
  }
  if (!parsed.success || problems.length > 0) {
    throw new RepogateError('CONFIG_INVALID', `invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  const e = parsed.data;
  const dataDir = resolve(e.REPOGATE_DATA_DIR);
  const trimSlash = (u: string): string => u.replace(/\/+$/, '');
  return Object.freeze({
    upstream: Object.freeze({
      url: trimSlash(e.REPOGATE_UPSTREAM_URL),
      username: e.REPOGATE_UPSTREAM_USERNAME,
      password: e.REPOGATE_UPSTREAM_PASSWORD,
      timeoutMs: Math.round(e.REPOGATE_UPSTREAM_TIMEOUT_SECONDS * 1000),
      breaker: Object.freeze({
        failureThreshold: e.REPOGATE_UPSTREAM_FAILURES_TO_OPEN,
        openMs: e.REPOGATE_UPSTREAM_RETRY_SECONDS * 1000,
      }),
      metadataHosts: Object.freeze([...new Set(e.REPOGATE_UPSTREAM_METADATA_HOSTS)]),
      userAgent: e.REPOGATE_UPSTREAM_USER_AGENT ?? defaultUpstreamUserAgent(),
    }),
    publicUrl: e.REPOGATE_PUBLIC_URL === undefined ? undefined : trimSlash(e.REPOGATE_PUBLIC_URL),
    port: e.PORT,
    host: e.REPOGATE_HOST,
    adminPort: e.REPOGATE_ADMIN_PORT,
    adminHost: e.REPOGATE_ADMIN_HOST,
    adminToken: e.REPOGATE_ADMIN_TOKEN,
    sessionSecret: e.REPOGATE_SESSION_SECRET,
    secretsKey: e.REPOGATE_SECRETS_KEY,
    dataDir,
    databaseUrl: e.REPOGATE_DATABASE_URL ?? `sqlite:${resolve(dataDir, 'registry.sqlite')}`,
    redisUrl: e.REDIS_URL,
    redis: redisConnection(e),
    registryPollMs: e.REPOGATE_REGISTRY_POLL_MS,
    credentialFallbackTtlMs: e.REPOGATE_CREDENTIAL_FALLBACK_TTL_SECONDS * 1000,
    metadataTtlMs: e.REPOGATE_METADATA_TTL_SECONDS * 1000,
    staleMs: e.REPOGATE_STALE_SECONDS * 1000,
    negativeTtlMs: e.REPOGATE_NEGATIVE_TTL_SECONDS * 1000,
    memoryCacheBytes: e.REPOGATE_MEMORY_CACHE_BYTES,
    archiveCacheBytes: e.REPOGATE_ARCHIVE_CACHE_BYTES,
    trustedProxies: Object.freeze(e.REPOGATE_TRUSTED_PROXIES ?? []),
    downloads: Object.freeze({
      url: e.REPOGATE_DOWNLOADS_URL,
      mageId: e.REPOGATE_DOWNLOADS_MAGEID,
      token: e.REPOGATE_DOWNLOADS_TOKEN,
    }),
    authThrottle: Object.freeze({
      failuresPerKey: e.REPOGATE_AUTH_FAILURES_PER_KEY,
      failuresPerAddress: e.REPOGATE_AUTH_FAILURES_PER_ADDRESS,
      windowSeconds: e.REPOGATE_AUTH_FAILURE_WINDOW_SECONDS,
    }),
    auditRetentionDays: e.REPOGATE_AUDIT_RETENTION_DAYS,
    logLevel: e.REPOGATE_LOG_LEVEL,
  });
}

export interface RedisNode {
  readonly host: string;
  readonly port: number;
}

/**
 * How repogate reaches Redis: one server by URL (`REDIS_URL`), a Sentinel-managed primary
 * (`REDIS_SENTINELS` + `REDIS_SENTINEL_NAME`), or a Cluster (`REDIS_CLUSTER_NODES`). `REDIS_USERNAME`,
 * `REDIS_PASSWORD` and `REDIS_TLS` apply to the Sentinel and Cluster data nodes (a URL carries its own).
 */
export type RedisConnectionConfig =
  | { readonly mode: 'standalone'; readonly url: string }
  | {
      readonly mode: 'sentinel';
      readonly sentinels: readonly RedisNode[];
      readonly name: string;
      readonly sentinelPassword: string | undefined;
      readonly username: string | undefined;
      readonly password: string | undefined;
      readonly tls: boolean;
    }
  | {
      readonly mode: 'cluster';
      readonly nodes: readonly RedisNode[];
      readonly username: string | undefined;
      readonly password: string | undefined;
      readonly tls: boolean;
    };

function redisConnection(e: z.infer<typeof envSchema>): RedisConnectionConfig | undefined {
  const auth = { username: e.REDIS_USERNAME, password: e.REDIS_PASSWORD, tls: e.REDIS_TLS === 'true' };
  if (e.REDIS_URL !== undefined) return Object.freeze({ mode: 'standalone', url: e.REDIS_URL });
  if (e.REDIS_SENTINELS !== undefined && e.REDIS_SENTINEL_NAME !== undefined) {
    return Object.freeze({
      mode: 'sentinel',
      sentinels: Object.freeze(e.REDIS_SENTINELS),
      name: e.REDIS_SENTINEL_NAME,
      sentinelPassword: e.REDIS_SENTINEL_PASSWORD,
      ...auth,
    });
  }
  if (e.REDIS_CLUSTER_NODES !== undefined) return Object.freeze({ mode: 'cluster', nodes: Object.freeze(e.REDIS_CLUSTER_NODES), ...auth });
  return undefined;
}

/** The offending value, for the error message — never a secret: no passwords, tokens or URL credentials. */
function shownValue(name: string, value: string | undefined): string {
  if (value === undefined || /PASSWORD|TOKEN|USERNAME|SECRET/.test(name)) return '';
  const safe = redactUrl(value);
  return ` (got "${safe.length > 80 ? `${safe.slice(0, 80)}…` : safe}")`;
}

/**
 * Composer's own variables that say where it finds credentials (COMPOSER_HOME's auth.json and
 * COMPOSER_AUTH), for `repogate migrate-project --check`; unset or empty: undefined.
 */
export function composerCredentialSettings(env: NodeJS.ProcessEnv = process.env): { readonly home: string | undefined; readonly auth: string | undefined } {
  const value = (name: string): string | undefined => (env[name] === undefined || env[name] === '' ? undefined : env[name]);
  return { home: value('COMPOSER_HOME'), auth: value('COMPOSER_AUTH') };
}
