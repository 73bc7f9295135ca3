import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AccessControl } from './access/access-control.js';
import { AuthThrottle } from './access/auth-throttle.js';
import { ChangeFeed } from './access/change-feed.js';
import { UsageRecorder } from './access/usage-recorder.js';
import { createAdminApp } from './admin/admin-app.js';
import type { PackageKnown } from './admin/operator-service.js';
import { routeArchiveUpstreams } from './archives/archive-upstream.js';
import { openArchiveCache } from './archives/open-archive-cache.js';
import { MemoryTier } from './cache/memory-tier.js';
import type { RedisConnection } from './cache/redis-connection.js';
import { Closers } from './closers.js';
import { createComposerApp } from './composer/composer-app.js';
import type { ComposerDeps } from './composer/composer-deps.js';
import { createComposerLanes } from './composer/composer-lanes.js';
import { DistIndex } from './archives/dist-index.js';
import type { Config } from './config.js';
import { RepogateError } from './errors.js';
import { createClientAddress } from './http/client-address.js';
import { RenderCache } from './http/rendered.js';
import type { Logger } from './logger.js';
import { metricsHandler, withMetricsRoute } from './admin/metrics-route.js';
import { createMetrics, type Metrics } from './metrics/metrics.js';
import { openRegistryDatabase } from './registry/database.js';
import { createRegistry, type Registry } from './registry/registry.js';
import { startRetention } from './registry/retention.js';
import { startupWarnings } from './startup-warnings.js';
import { createDefaultSource, createRegistrySource, type SourceShared } from './sources/source.js';
import { sourcesPackageKnown } from './sources/package-known.js';
import { SourceSet } from './sources/source-set.js';
import { UpstreamClient } from './upstream/upstream-client.js';

/** A running repogate: both listeners, and what tests may want to reach. */
export interface RunningRepogate {
  readonly url: string;
  readonly adminUrl: string;
  readonly registry: Registry;
  readonly access: AccessControl;
  /** Writes buffered key activity (last use, audit events, download counts) now. */
  flushUsage(): Promise<void>;
  close(): Promise<void>;
}

export interface StartOptions {
  /** Metrics to update (a fresh set when omitted). */
  readonly metrics?: Metrics;
  /** How often the registry version is polled for changes made by other processes. */
  readonly registryPollMs?: number;
}

/**
 * The composition root: config → stores → services → listeners. Everything opened goes onto one
 * stack of closers, which a failed start-up and the shutdown both empty.
 */
export async function startRepogate(config: Config, logger: Logger, options: StartOptions = {}): Promise<RunningRepogate> {
  const closers = new Closers(logger);
  try {
    return await start(config, logger, options, closers);
  } catch (error) {
    await closers.close();
    throw error;
  }
}

async function start(config: Config, logger: Logger, options: StartOptions, closers: Closers): Promise<RunningRepogate> {
  const database = await openRegistryDatabase(config.databaseUrl);
  const registry = createRegistry(database);
  closers.add('registry', () => registry.close());
  const redis = await openRedis(config, logger, closers);
  const throttle = new AuthThrottle({ ...config.authThrottle, redis: redis?.commands });
  const access = new AccessControl(registry, { throttle });
  access.watch(options.registryPollMs ?? config.registryPollMs, (error) => logger.error({ err: String(error) }, 'registry poll failed'));
  closers.add('registry watch', () => access.stop());
  if (redis) {
    const feed = new ChangeFeed({ registry, access, publisher: redis.commands, subscriber: redis.subscriber, logger, fallbackTtlMs: config.credentialFallbackTtlMs });
    closers.add('change feed', () => feed.stop());
  }
  const usage = new UsageRecorder(registry, logger);
  closers.add('usage recorder', () => usage.stop());
  const metrics = options.metrics ?? createMetrics();
  closers.add('audit retention', startRetention(registry, config.auditRetentionDays, logger));

  const releases = config.downloads.url === undefined ? undefined : new UpstreamClient({ ...config.upstream, url: config.downloads.url, username: config.downloads.mageId, password: config.downloads.token, perPathRefusals: false, source: 'downloads' }, logger, metrics);
  if (releases) closers.add('release downloads client', () => releases.close());
  const sources = await openSources(config, logger, metrics, registry, access, redis?.commands);
  closers.add('sources', () => sources.close());
  const repository = sources.default.repository;
  const { archives, stop: stopArchives } = await openArchiveCache({
    dataDir: config.dataDir,
    maxBytes: config.archiveCacheBytes,
    missingTtlMs: config.negativeTtlMs,
    db: registry.context.db,
    upstream: routeArchiveUpstreams(sources.default.archives, (name) => sources.get(name)?.archives, () => sources.all().map((source) => source.archives)),
    logger,
    metrics,
  });
  closers.add('archive cache', stopArchives);

  const clientAddress = createClientAddress(config.trustedProxies);
  const composerDeps: ComposerDeps = {
    access,
    usage,
    sources,
    dists: new DistIndex(),
    renders: new RenderCache(Math.max(16 * 1024 * 1024, Math.floor(config.memoryCacheBytes / 4))),
    archives,
    publicUrl: config.publicUrl,
    logger,
    clientAddress,
    notReady: async () => notReady(registry, redis?.commands),
    metrics,
    downloads: { registry, throttle, logger, upstream: releases, clientAddress },
  };
  const composerServer = listenComposer(composerDeps, config, closers);
  const packageNames = async (): Promise<readonly string[] | null> => (await repository.index()).index.names;
  const adminServer = listenAdmin(config, logger, registry, metrics, { composerUrl: () => serverUrl(composerServer), packageKnown: sourcesPackageKnown(sources), packageNames }, closers);
  try {
    await Promise.all([listening(composerServer), listening(adminServer)]);
  } catch (error) {
    throw new RepogateError('CONFIG_INVALID', `cannot listen: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const url = serverUrl(composerServer);
  const adminUrl = serverUrl(adminServer);
  logger.info({ url, adminUrl, upstream: sources.default.client.baseUrl, sources: sources.all().map((source) => source.name), registry: database.dialect, redis: redis !== undefined }, 'repogate listening');
  for (const warning of startupWarnings(config, database)) logger.warn({ code: warning.code, variables: warning.variables }, warning.message);
  return { url, adminUrl, registry, access, flushUsage: () => usage.flush(), close: () => closers.close() };
}

/**
 * The sources: `default` from the environment, the registry's with their secrets opened by
 * REPOGATE_SECRETS_KEY, read again whenever the registry changes.
 */
async function openSources(config: Config, logger: Logger, metrics: Metrics, registry: Registry, access: AccessControl, redis: RedisConnection | undefined): Promise<SourceSet> {
  const shared: SourceShared = {
    logger,
    metrics,
    memory: new MemoryTier(config.memoryCacheBytes),
    redis,
    cache: { ttlMs: config.metadataTtlMs, staleMs: config.staleMs, negativeTtlMs: config.negativeTtlMs },
    upstream: { timeoutMs: config.upstream.timeoutMs, breaker: config.upstream.breaker, userAgent: config.upstream.userAgent },
  };
  const sources = new SourceSet(createDefaultSource(config.upstream, shared), {
    load: () => registry.sources.settings(config.secretsKey),
    build: (settings) => createRegistrySource(settings, shared),
    logger,
  });
  await sources.refresh();
  access.onInvalidate(() => void sources.refresh());
  return sources;
}

/** The Redis connections (commands, and the subscriber of the change feed), when Redis is configured. */
async function openRedis(config: Config, logger: Logger, closers: Closers): Promise<{ commands: RedisConnection; subscriber: RedisConnection } | undefined> {
  if (config.redis === undefined) return undefined;
  // ioredis is loaded only when Redis is configured: the embedded default stays lean.
  const { createRedisConnection, redisReady, closeRedis } = await import('./cache/redis-connection.js');
  const commands = createRedisConnection(config.redis, logger, { role: 'commands' });
  closers.add('redis', () => closeRedis(commands));
  const subscriber = createRedisConnection(config.redis, logger, { role: 'subscriber' });
  closers.add('redis subscriber', () => closeRedis(subscriber));
  await Promise.all([redisReady(commands, 3000), redisReady(subscriber, 3000)]);
  return { commands, subscriber };
}

/**
 * The Composer listener (PORT): the Composer routes answered in front of express
 * (src/composer/composer-lanes.ts), everything else by the express app. Closing it lets requests
 * finish for up to 10 s, then writes the last access-log lines.
 */
function listenComposer(deps: ComposerDeps, config: Config, closers: Closers): Server {
  const lanes = createComposerLanes(deps, createComposerApp(deps), { metadataTtlMs: config.metadataTtlMs });
  const server = createServer(lanes.listener);
  // Set once, before the first response: the reused heads of warm answers carry it (src/http/reused-head.ts).
  server.keepAliveTimeout = 65_000;
  closers.add('composer listener', async () => {
    await stopServer(server, 10_000);
    lanes.flush();
  });
  return server.listen(config.port, config.host);
}

/** The admin listener: `/metrics`, the admin API and the web page. */
function listenAdmin(
  config: Config,
  logger: Logger,
  registry: Registry,
  metrics: Metrics,
  from: { composerUrl: () => string; packageKnown: PackageKnown; packageNames: () => Promise<readonly string[] | null> },
  closers: Closers,
): Server {
  const app = createAdminApp({ logger, registry, config, ...from });
  const server = createServer(withMetricsRoute(app, metricsHandler(metrics, registry, config.adminToken)));
  closers.add('admin listener', () => stopServer(server, 2_000));
  return server.listen(config.adminPort, config.adminHost);
}

/** Undefined when ready, else what is not (for `/readyz`). */
async function notReady(registry: Registry, redis: RedisConnection | undefined): Promise<string | undefined> {
  try {
    await registry.version();
  } catch {
    return 'registry unavailable';
  }
  if (redis && redis.status !== 'ready') return `Redis not connected (${redis.status})`;
  return undefined;
}

async function listening(server: Server): Promise<void> {
  if (server.listening) return;
  await Promise.race([
    once(server, 'listening'),
    once(server, 'error').then(([error]) => {
      throw error;
    }),
  ]);
}

function serverUrl(server: Server): string {
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const shown = host === '0.0.0.0' || host === '[::]' ? '127.0.0.1' : host;
  return `http://${shown}:${address.port}`;
}

/** Stops accepting, lets in-flight requests finish for up to `graceMs`, then cuts what is left. */
async function stopServer(server: Server, graceMs: number): Promise<void> {
  if (!server.listening) return;
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const timer = setTimeout(() => server.closeAllConnections(), graceMs);
  await closed;
  clearTimeout(timer);
}
