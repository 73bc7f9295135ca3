import type { Logger } from '../logger.js';
import type { CacheTier } from './cache-tier.js';
import { deserialiseDocument, serialiseDocument, type CachedDocument } from './cached-document.js';
import type { RedisConnection } from './redis-connection.js';
import { redisKeys } from './redis-keys.js';

/**
 * The shared tier: Redis, used by every instance. Any Redis failure is logged (at most once a
 * minute) and treated as a miss, so requests go on from the memory tier and the upstream.
 */
export class RedisTier implements CacheTier {
  readonly name = 'redis';
  readonly #redis: RedisConnection;
  readonly #logger: Logger;
  readonly #namespace: string;
  #lastWarning = 0;

  /** `namespace` identifies the upstream (a hash of its URL), so that deployments sharing a Redis don't mix. */
  constructor(redis: RedisConnection, namespace: string, logger: Logger) {
    this.#redis = redis;
    this.#namespace = namespace;
    this.#logger = logger;
  }

  async get(key: string): Promise<CachedDocument | undefined> {
    if (this.#redis.status !== 'ready') return undefined;
    try {
      const data = await this.#redis.getBuffer(redisKeys.document(this.#namespace, key));
      return data ? deserialiseDocument(data) : undefined;
    } catch (error) {
      this.#warn(error);
      return undefined;
    }
  }

  async set(key: string, doc: CachedDocument, ttlMs: number): Promise<void> {
    if (this.#redis.status !== 'ready') return;
    try {
      await this.#redis.set(redisKeys.document(this.#namespace, key), serialiseDocument(doc), 'PX', Math.max(1000, Math.round(ttlMs)));
    } catch (error) {
      this.#warn(error);
    }
  }

  async delete(key: string): Promise<void> {
    if (this.#redis.status !== 'ready') return;
    try {
      await this.#redis.del(redisKeys.document(this.#namespace, key));
    } catch (error) {
      this.#warn(error);
    }
  }

  #warn(error: unknown): void {
    const now = Date.now();
    if (now - this.#lastWarning < 60_000) return;
    this.#lastWarning = now;
    this.#logger.warn({ err: String(error) }, 'Redis cache tier unavailable; serving from memory and the upstream');
  }
}
