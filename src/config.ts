import { resolve } from 'node:path';
import { z } from 'zod';
import { RepogateError } from './errors.js';

const wholeNumber = (max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().max(max, `must be at most ${max}`));
const port = wholeNumber(65535);
const seconds = wholeNumber(10 * 365 * 24 * 3600);
const optionalString = z.string().min(1).optional();
const httpUrl = z
  .string()
  .url()
  .refine((u) => /^https?:\/\//i.test(u), 'must be an http:// or https:// URL');

const envSchema = z.object({
  REPOGATE_UPSTREAM_URL: httpUrl.default('https://repo.magento.com'),
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
  REPOGATE_PUBLIC_URL: httpUrl.optional(),
  PORT: port.default(8080),
  REPOGATE_HOST: z.string().min(1).default('0.0.0.0'),
  REPOGATE_ADMIN_PORT: port.default(8081),
  REPOGATE_ADMIN_HOST: z.string().min(1).default('127.0.0.1'),
  REPOGATE_ADMIN_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  REPOGATE_SESSION_SECRET: z.string().min(32, 'must be at least 32 characters').optional(),
  REPOGATE_DATA_DIR: z.string().min(1).default('./data'),
  REPOGATE_DATABASE_URL: z
    .string()
    .regex(/^(postgres(ql)?:\/\/|sqlite:)/, 'must start with postgres:// or sqlite:')
    .optional(),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://').optional(),
  REPOGATE_METADATA_TTL_SECONDS: seconds.default(300),
  REPOGATE_STALE_SECONDS: seconds.default(604800),
  REPOGATE_NEGATIVE_TTL_SECONDS: seconds.default(60),
  REPOGATE_MEMORY_CACHE_BYTES: wholeNumber(Number.MAX_SAFE_INTEGER)
    .pipe(z.number().min(1_048_576, 'must be at least 1048576 (1 MiB)'))
    .default(268_435_456),
  REPOGATE_ARCHIVE_CACHE_BYTES: wholeNumber(Number.MAX_SAFE_INTEGER).default(10_737_418_240),
  REPOGATE_DOWNLOADS_URL: httpUrl.optional(),
  REPOGATE_DOWNLOADS_MAGEID: optionalString,
  REPOGATE_DOWNLOADS_TOKEN: optionalString,
  REPOGATE_AUTH_FAILURES_PER_KEY: wholeNumber(1_000_000).pipe(z.number().min(1, 'must be at least 1')).default(20),
  REPOGATE_AUTH_FAILURES_PER_ADDRESS: wholeNumber(1_000_000).pipe(z.number().min(1, 'must be at least 1')).default(300),
  REPOGATE_AUTH_FAILURE_WINDOW_SECONDS: wholeNumber(86_400).pipe(z.number().min(1, 'must be at least 1')).default(300),
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
  };
  readonly publicUrl: string | undefined;
  readonly port: number;
  readonly host: string;
  readonly adminPort: number;
  readonly adminHost: string;
  readonly adminToken: string | undefined;
  /** Signs the admin page's session cookies; instances that share it share sessions. Unset: see admin/web/session.ts. */
  readonly sessionSecret: string | undefined;
  readonly dataDir: string;
  readonly databaseUrl: string;
  readonly redisUrl: string | undefined;
  readonly metadataTtlMs: number;
  readonly staleMs: number;
  readonly negativeTtlMs: number;
  readonly memoryCacheBytes: number;
  readonly archiveCacheBytes: number;
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
    }),
    publicUrl: e.REPOGATE_PUBLIC_URL === undefined ? undefined : trimSlash(e.REPOGATE_PUBLIC_URL),
    port: e.PORT,
    host: e.REPOGATE_HOST,
    adminPort: e.REPOGATE_ADMIN_PORT,
    adminHost: e.REPOGATE_ADMIN_HOST,
    adminToken: e.REPOGATE_ADMIN_TOKEN,
    sessionSecret: e.REPOGATE_SESSION_SECRET,
    dataDir,
    databaseUrl: e.REPOGATE_DATABASE_URL ?? `sqlite:${resolve(dataDir, 'registry.sqlite')}`,
    redisUrl: e.REDIS_URL,
    metadataTtlMs: e.REPOGATE_METADATA_TTL_SECONDS * 1000,
    staleMs: e.REPOGATE_STALE_SECONDS * 1000,
    negativeTtlMs: e.REPOGATE_NEGATIVE_TTL_SECONDS * 1000,
    memoryCacheBytes: e.REPOGATE_MEMORY_CACHE_BYTES,
    archiveCacheBytes: e.REPOGATE_ARCHIVE_CACHE_BYTES,
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
    logLevel: e.REPOGATE_LOG_LEVEL,
  });
}

/** The offending value, for the error message — never a secret: no passwords, tokens or URL credentials. */
function shownValue(name: string, value: string | undefined): string {
  if (value === undefined || /PASSWORD|TOKEN|USERNAME|SECRET/.test(name)) return '';
  const safe = value.replace(/\/\/[^/@\s]*@/g, '//***@');
  return ` (got "${safe.length > 80 ? `${safe.slice(0, 80)}…` : safe}")`;
}
