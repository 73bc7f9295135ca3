import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { loadConfig } from '../../src/config.js';
import { EE_MODULES } from './mock-upstream/catalog.js';
import { startMockUpstream, type MockUpstream, type UpstreamLayout } from './mock-upstream/index.js';
import { createLogger } from '../../src/logger.js';
import type { Actor } from '../../src/registry/context.js';
import type { Registry } from '../../src/registry/registry.js';
import { startRepogate, type RunningRepogate } from '../../src/server.js';

export const testActor: Actor = { type: 'system', id: 'test' };

/** A repogate started in this process for a test, with its log lines captured. */
export interface TestRepogate extends RunningRepogate {
  readonly dataDir: string;
  /** Every log line written so far (JSON text). */
  readonly logs: string[];
  /** Stops it and removes its data directory (unless `keepData`). */
  stop(): Promise<void>;
}

export interface TestRepogateOptions {
  /** The upstream to proxy: its URL and the organisation's credentials for it (e.g. a mock upstream). */
  readonly upstream?: { readonly url: string; readonly username: string; readonly password: string };
  readonly upstreamUrl?: string;
  readonly upstreamUsername?: string;
  readonly upstreamPassword?: string;
  readonly env?: Record<string, string>;
  readonly dataDir?: string;
  readonly keepData?: boolean;
}

export async function startTestRepogate(options: TestRepogateOptions): Promise<TestRepogate> {
  const upstreamUrl = options.upstream?.url ?? options.upstreamUrl;
  if (upstreamUrl === undefined) throw new Error('startTestRepogate needs an upstream');
  const upstreamUsername = options.upstream?.username ?? options.upstreamUsername;
  const upstreamPassword = options.upstream?.password ?? options.upstreamPassword;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'repogate-test-')));
  const env: Record<string, string> = {
    PORT: '0',
    REPOGATE_HOST: '127.0.0.1',
    REPOGATE_ADMIN_PORT: '0',
    REPOGATE_DATA_DIR: dataDir,
    REPOGATE_UPSTREAM_URL: upstreamUrl,
    REPOGATE_UPSTREAM_TIMEOUT_SECONDS: '5',
    REPOGATE_LOG_LEVEL: 'debug',
    // Tests share 127.0.0.1 (and sometimes a Redis): only the throttling tests count failures per address.
    REPOGATE_AUTH_FAILURES_PER_ADDRESS: '100000',
    ...(upstreamUsername ? { REPOGATE_UPSTREAM_USERNAME: upstreamUsername } : {}),
    ...(upstreamPassword ? { REPOGATE_UPSTREAM_PASSWORD: upstreamPassword } : {}),
    ...options.env,
  };
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      logs.push(...chunk.toString('utf8').split('\n').filter((l) => l.length > 0));
      callback();
    },
  });
  const config = loadConfig(env);
  const logger = createLogger({ level: config.logLevel, destination });
  const running = await startRepogate(config, logger, { registryPollMs: 100 });
  return {
    ...running,
    dataDir,
    logs,
    async stop() {
      await running.close();
      if (!options.keepData && !options.dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/** Credentials of a key made for a test. */
export interface TestKey {
  readonly accountId: string;
  readonly publicKey: string;
  readonly privateKey: string;
  readonly authorization: string;
}

export function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/**
 * Entitlements shaped like repo.magento.com's: open source for everyone, Commerce for entitled
 * accounts, a marketplace vendor for its buyers.
 */
export async function defineStandardEntitlements(registry: Registry): Promise<void> {
  const commerceOnly = ['magento/product-enterprise-edition', 'magento/magento2-ee-base', ...EE_MODULES.map((m) => `magento/module-${m}`)];
  await registry.entitlements.define('open-source', ['magento/*', ...commerceOnly.map((name) => `!${name}`)], testActor);
  await registry.entitlements.define('commerce', ['magento/*'], testActor);
  await registry.entitlements.define('marketplace', ['mageplaza/*', 'amasty/*', 'yotpo/*'], testActor);
  await registry.entitlements.define('everything', ['*/*'], testActor);
}

/** Creates (if needed) an account with the given grants and a fresh key for it. */
export async function createTestKey(
  registry: Registry,
  options: { accountId?: string; grants?: readonly string[]; keyName?: string; scope?: readonly string[]; cidrs?: readonly string[]; expiresOn?: string } = {},
): Promise<TestKey> {
  const accountId = options.accountId ?? `MAG${Math.floor(Math.random() * 1e9)}`;
  if (!(await registry.accounts.find(accountId))) {
    await registry.accounts.create({ id: accountId, name: `Account ${accountId}` }, testActor);
    for (const grant of options.grants ?? ['open-source', 'marketplace']) {
      await registry.entitlements.grant(accountId, grant, null, testActor);
    }
  }
  const issued = await registry.keys.create(
    accountId,
    options.keyName ?? 'test developer',
    { scope: options.scope, cidrs: options.cidrs, expiresOn: options.expiresOn },
    testActor,
  );
  return {
    accountId,
    publicKey: issued.key.publicKey,
    privateKey: issued.privateKey,
    authorization: basic(issued.key.publicKey, issued.privateKey),
  };
}

/** The usual test set-up: a mock upstream, repogate in front of it, the standard entitlements and a key. */
export interface TestStack {
  readonly upstream: MockUpstream;
  readonly repogate: TestRepogate;
  readonly key: TestKey;
  /** Stops repogate, then the mock upstream. */
  close(): Promise<void>;
}

export async function startStack(
  options: { layout?: UpstreamLayout; env?: Record<string, string>; grants?: readonly string[]; keyName?: string } = {},
): Promise<TestStack> {
  const upstream = await startMockUpstream({ layout: options.layout ?? 'composer2' });
  const repogate = await startTestRepogate({ upstream, env: options.env });
  await defineStandardEntitlements(repogate.registry);
  const key = await createTestKey(repogate.registry, { grants: options.grants, keyName: options.keyName });
  return {
    upstream,
    repogate,
    key,
    close: async () => {
      await repogate.stop();
      await upstream.close();
    },
  };
}
