import { createHash } from 'node:crypto';
import { createArchiveUpstream, defaultArchiveUrls, sourceArchiveUrls } from '../archives/archive-upstream.js';
import type { ArchiveUpstream } from '../archives/archive-cache.js';
import { DocumentCache } from '../cache/document-cache.js';
import type { MemoryTier } from '../cache/memory-tier.js';
import type { RedisConnection } from '../cache/redis-connection.js';
import { RedisLock } from '../cache/redis-lock.js';
import { RedisTier } from '../cache/redis-tier.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { DistMapping } from '../upstream/dist-mapping.js';
import { SourceDistPaths } from '../upstream/source-dist-paths.js';
import { UpstreamClient, type UpstreamOptions } from '../upstream/upstream-client.js';
import { UpstreamRepository } from '../upstream/upstream-repository.js';
import { UrlRewriter } from '../upstream/url-rewriter.js';

/**
 * A Composer repository repogate reads, with everything of its own: the HTTP client (its
 * credentials, sent to its origin only; its circuit breaker), its metadata cache namespace (and so
 * its single-flight and Redis lock), the layout adapter, and how its dists map to repogate paths.
 */
export interface Source {
  readonly name: string;
  readonly client: UpstreamClient;
  readonly repository: UpstreamRepository;
  readonly mapping: DistMapping;
  readonly archives: ArchiveUpstream;
  close(): Promise<void>;
}

/** What every source shares: the memory tier (keys carry the source), Redis, metrics, the settings of the environment's upstream. */
export interface SourceShared {
  readonly logger: Logger;
  readonly metrics: Metrics | undefined;
  readonly memory: MemoryTier;
  readonly redis: RedisConnection | undefined;
  readonly cache: { readonly ttlMs: number; readonly staleMs: number; readonly negativeTtlMs: number };
  /** Timeouts, breaker, User-Agent, document size: the environment's upstream settings, for every source. */
  readonly upstream: Omit<UpstreamOptions, 'url' | 'username' | 'password' | 'source' | 'githubToken'>;
}

/** A source as the registry holds it, its secrets opened. */
export interface SourceSettings {
  readonly name: string;
  readonly url: string;
  readonly username: string | null;
  readonly password: string | null;
  readonly githubToken: string | null;
  readonly updatedAt: string;
}

/**
 * The environment's upstream, the source named `default`: its cache keys, Redis namespace and
 * archive paths are what they were before there were sources, so nothing changes for an existing
 * installation.
 */
export function createDefaultSource(options: UpstreamOptions, shared: SourceShared): Source {
  const client = new UpstreamClient({ ...options, source: 'default' }, shared.logger, shared.metrics);
  const namespace = createHash('sha256').update(options.url).digest('hex').slice(0, 12);
  const repository = new UpstreamRepository(documentCache(client, 'default', namespace, shared), client, shared.logger);
  const mapping = new UrlRewriter(client);
  return { name: 'default', client, repository, mapping, archives: createArchiveUpstream(client, defaultArchiveUrls(mapping), repository), close: () => client.close() };
}

/**
 * A source from the registry. Its cache namespace is its name, URL and when it was stored: two
 * merchants' sources on the same URL never share metadata, and a source added again starts afresh.
 */
export function createRegistrySource(settings: SourceSettings, shared: SourceShared): Source {
  const client = new UpstreamClient(
    {
      ...shared.upstream,
      url: settings.url,
      username: settings.username ?? undefined,
      password: settings.password ?? undefined,
      githubToken: settings.githubToken ?? undefined,
      source: settings.name,
    },
    shared.logger,
    shared.metrics,
  );
  const namespace = createHash('sha256').update(`${settings.name}\n${settings.url}\n${settings.updatedAt}`).digest('hex').slice(0, 12);
  const repository = new UpstreamRepository(documentCache(client, `${settings.name}@${namespace}`, namespace, shared), client, shared.logger);
  const mapping = new SourceDistPaths(client);
  return { name: settings.name, client, repository, mapping, archives: createArchiveUpstream(client, sourceArchiveUrls(mapping), repository), close: () => client.close() };
}

function documentCache(client: UpstreamClient, profile: string, namespace: string, shared: SourceShared): DocumentCache {
  const { redis, logger, metrics } = shared;
  return new DocumentCache(
    client,
    shared.memory,
    redis && new RedisTier(redis, namespace, logger),
    { profile, ...shared.cache, metrics, lock: redis && new RedisLock(redis, namespace, logger) },
    logger,
  );
}
