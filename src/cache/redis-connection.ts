import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { RedisConnectionConfig } from '../config.js';
import type { Logger } from '../logger.js';

/** A connection to Redis: one server or a Sentinel-managed primary (both `Redis`), or a `Cluster`. */
export type RedisConnection = Redis | Cluster;

export interface RedisConnectionOptions {
  /** What the connection is for, in log lines (`commands`, `subscriber`). */
  readonly role: string;
}

/**
 * Opens a connection as configured (REDIS_URL, REDIS_SENTINELS or REDIS_CLUSTER_NODES). Commands
 * fail fast while Redis is unreachable (no offline queue, one retry) so that requests carry on from
 * memory and the upstream; the connection keeps trying in the background, and a lost connection is
 * logged once until it is restored.
 */
export function createRedisConnection(config: RedisConnectionConfig, logger: Logger, options: RedisConnectionOptions): RedisConnection {
  const common = {
    maxRetriesPerRequest: 1,
    connectTimeout: 2000,
    connectionName: `repogate-${options.role}`,
  } satisfies RedisOptions;
  const retry = (attempt: number): number => Math.min(attempt * 200, 2000);
  let redis: RedisConnection;
  switch (config.mode) {
    case 'standalone':
      redis = new Redis(config.url, { ...common, enableOfflineQueue: false, retryStrategy: retry });
      break;
    case 'sentinel':
      redis = new Redis({
        ...common,
        enableOfflineQueue: false,
        retryStrategy: retry,
        sentinels: config.sentinels.map((node) => ({ host: node.host, port: node.port })),
        name: config.name,
        sentinelPassword: config.sentinelPassword,
        sentinelRetryStrategy: retry,
        username: config.username,
        password: config.password,
        tls: config.tls ? {} : undefined,
        enableTLSForSentinelMode: config.tls,
      });
      break;
    case 'cluster':
      redis = new Cluster(
        config.nodes.map((node) => ({ host: node.host, port: node.port })),
        {
          enableOfflineQueue: false,
          clusterRetryStrategy: retry,
          slotsRefreshTimeout: 2000,
          redisOptions: { ...common, username: config.username, password: config.password, tls: config.tls ? {} : undefined },
        },
      );
      break;
  }
  let warned = false;
  redis.on('error', (error: Error) => {
    if (!warned) logger.warn({ err: error.message, role: options.role }, 'Redis connection problem; the in-process cache carries on');
    warned = true;
  });
  redis.on('ready', () => {
    if (warned) logger.info({ role: options.role }, 'Redis connection restored');
    warned = false;
  });
  return redis;
}

/** Gives Redis a moment to connect before traffic starts; repogate starts without it when it doesn't. */
export async function redisReady(redis: RedisConnection, timeoutMs: number): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      redis.off('ready', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    redis.once('ready', done);
  });
}

/** Closes politely (QUIT) when connected, else drops the connection and stops reconnecting. */
export async function closeRedis(redis: RedisConnection): Promise<void> {
  if (redis.status === 'ready') {
    await redis.quit().catch(() => redis.disconnect());
  } else {
    redis.disconnect();
  }
}
