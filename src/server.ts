import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AccessControl } from './access/access-control.js';
import { ChangeFeed } from './access/change-feed.js';
import { AuthThrottle } from './access/auth-throttle.js';
import { createArchiveUpstream } from './archives/archive-upstream.js';
import { openArchiveCache } from './archives/open-archive-cache.js';
import { UsageRecorder } from './access/usage-recorder.js';
import { createAdminApp } from './admin/admin-app.js';
import { DocumentCache } from './cache/document-cache.js';
import { MemoryTier } from './cache/memory-tier.js';
import { RedisLock } from './cache/redis-lock.js';
import { RedisTier } from './cache/redis-tier.js';
import { createComposerApp } from './composer/composer-app.js';
import type { ComposerDeps } from './composer/composer-deps.js';
import { DistIndex } from './composer/dist-index.js';
import { AccessLogLines } from './composer/access-log-lines.js';
import { withFastArchives } from './composer/fast-archives.js';
import { withFastMetadata } from './composer/fast-metadata.js';
import { RenderCache } from './composer/rendered.js';
import { UrlRewriter } from './composer/url-rewriter.js';
import type { Config } from './config.js';
import { RepogateError } from './errors.js';
import type { Logger } from './logger.js';
import { openRegistryDatabase } from './registry/database.js';
import { createMetrics, type Metrics } from './metrics/metrics.js';
import { metricsHandler, withMetricsRoute } from './metrics/metrics-route.js';
import { createRegistry, type Registry } from './registry/registry.js';
import { startRetention } from './registry/retention.js';
import { UpstreamClient } from './upstream/upstream-client.js';
import { UpstreamRepository } from './upstream/upstream-repository.js';

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

/** The composition root: config → stores → services → listeners. */
export async function startRepogate(config: Config, logger: Logger, options: StartOptions = {}): Promise<RunningRepogate> {
  const database = await openRegistryDatabase(config.databaseUrl);
  const registry = createRegistry(database);
  // ioredis is loaded only when Redis is configured: the embedded default stays lean.
  const redisModule = config.redis === undefined ? undefined : await import('./cache/redis-connection.js');
  const redis = config.redis && redisModule?.createRedisConnection(config.redis, logger, { role: 'commands' });
  const subscriber = config.redis && redisModule?.createRedisConnection(config.redis, logger, { role: 'subscriber' });
  if (redisModule && redis && subscriber) await Promise.all([redisModule.redisReady(redis, 3000), redisModule.redisReady(subscriber, 3000)]);
  const throttle = new AuthThrottle({ ...config.authThrottle, redis });
  const access = new AccessControl(registry, { throttle });
  access.watch(options.registryPollMs ?? config.registryPollMs, (error) => logger.error({ err: String(error) }, 'registry poll failed'));
  const feed =
    redis && subscriber
      ? new ChangeFeed({ registry, access, publisher: redis, subscriber, logger, fallbackTtlMs: config.credentialFallbackTtlMs })
      : undefined;
  const usage = new UsageRecorder(registry, logger);
  const metrics = options.metrics ?? createMetrics();
  const stopRetention = startRetention(registry, config.auditRetentionDays, logger);

  const upstream = new UpstreamClient(config.upstream, logger, metrics);
  const releases =
    config.downloads.url === undefined
      ? undefined
      : new UpstreamClient(
          { ...config.upstream, url: config.downloads.url, username: config.downloads.mageId, password: config.downloads.token },
          logger,
          metrics,
        );
  const cache = new DocumentCache(
    upstream,
    new MemoryTier(config.memoryCacheBytes),
    redis ? new RedisTier(redis, upstreamNamespace(config.upstream.url), logger) : undefined,
    {
      profile: 'default',
      ttlMs: config.metadataTtlMs,
      staleMs: config.staleMs,
      negativeTtlMs: config.negativeTtlMs,
      metrics,
      lock: redis ? new RedisLock(redis, upstreamNamespace(config.upstream.url), logger) : undefined,
    },
    logger,
  );
  const repository = new UpstreamRepository(cache, upstream);
  const rewriter = new UrlRewriter(upstream);
  const { archives, stop: stopArchives } = await openArchiveCache({
    dataDir: config.dataDir,
    maxBytes: config.archiveCacheBytes,
    db: registry.context.db,
    upstream: createArchiveUpstream(upstream, rewriter, repository),
    logger,
    metrics,
  });

  const notReady = async (): Promise<string | undefined> => {
    try {
      await registry.version();
    } catch {
      return 'registry unavailable';
    }
    if (redis && redis.status !== 'ready') return `Redis not connected (${redis.status})`;
    return undefined;
  };

  const composerDeps: ComposerDeps = {
    access,
    usage,
    repository,
    rewriter,
    dists: new DistIndex(),
    renders: new RenderCache(Math.max(16 * 1024 * 1024, Math.floor(config.memoryCacheBytes / 4))),
    archives,
    publicUrl: config.publicUrl,
    logger,
    notReady,
    metrics,
    downloads: {
      registry,
      throttle,
      logger,
      upstream: releases,
    },
  };
  const composerApp = createComposerApp(composerDeps);
  const adminApp = createAdminApp({ logger, registry, config, composerUrl: () => serverUrl(composerServer) });

  // Warm /p2/ requests and archive hits are answered in front of express (src/composer/fast-metadata.ts,
  // fast-archives.ts), their access-log lines written together.
  const accessLines = new AccessLogLines(composerDeps.logger);
  const composerListener = withFastArchives(composerDeps, composerApp, accessLines);
  const fastMetadata = withFastMetadata(composerDeps, composerListener, { metadataTtlMs: config.metadataTtlMs, lines: accessLines });
  const composerServer = createServer(fastMetadata.listener).listen(config.port, config.host);
  const adminListener = withMetricsRoute(adminApp, metricsHandler(metrics, registry, config.adminToken));
  const adminServer = adminListener.listen(config.adminPort, config.adminHost);
  try {
    await Promise.all([listening(composerServer), listening(adminServer)]);
  } catch (error) {
    // One listener could not bind: release everything, so the process can exit.
    await Promise.all([stopServer(composerServer, 0), stopServer(adminServer, 0)]);
    access.stop();
    stopArchives();
    await usage.stop();
    await upstream.close();
    feed?.stop();
    redis?.disconnect();
    subscriber?.disconnect();
    await registry.close();
    throw new RepogateError('CONFIG_INVALID', `cannot listen: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  composerServer.keepAliveTimeout = 65_000;
  const url = serverUrl(composerServer);
  const adminUrl = serverUrl(adminServer);
  logger.info({ url, adminUrl, upstream: upstream.baseUrl, registry: database.dialect, redis: redis !== undefined }, 'repogate listening');

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      await Promise.all([stopServer(composerServer, 10_000), stopServer(adminServer, 2_000)]);
      fastMetadata.flush();
      access.stop();
      stopRetention();
      stopArchives();
      await usage.stop();
      await upstream.close();
      await releases?.close();
      feed?.stop();
      if (redisModule) await Promise.all([redis && redisModule.closeRedis(redis), subscriber && redisModule.closeRedis(subscriber)]);
      await registry.close();
    })();
    return closing;
  };
  return { url, adminUrl, registry, access, flushUsage: () => usage.flush(), close };
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

function upstreamNamespace(url: string): string {
  return createHash('sha256').update(url).digest('hex').slice(0, 12);
}
