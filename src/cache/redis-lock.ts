import { randomBytes } from 'node:crypto';
import type { Logger } from '../logger.js';
import type { RedisConnection } from './redis-connection.js';
import { redisKeys } from './redis-keys.js';

/** A lock this instance holds; `release` is safe to call more than once. */
export interface HeldLock {
  readonly state: 'acquired';
  /** Pushes the expiry `ttlMs` further out (while the work takes longer than one lease). */
  extend(): Promise<void>;
  release(): Promise<void>;
}

/**
 * `acquired`: this instance does the work. `held`: another instance does it. `unavailable`: Redis
 * can't say (down, or an error), so each instance does its own work.
 */
export type LockAttempt = HeldLock | { readonly state: 'held' } | { readonly state: 'unavailable' };

/** A short lock shared by every instance, per cache key. */
export interface SharedLock {
  acquire(cacheKey: string, ttlMs: number): Promise<LockAttempt>;
  /** Whether some instance holds the lock now; undefined when Redis can't say. */
  isHeld(cacheKey: string): Promise<boolean | undefined>;
}

/** Deletes or extends the lock only while it still carries our token (never another holder's lock). */
const releaseScript = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;
const extendScript = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;

/**
 * `SET key token NX PX ttl` on Redis: the cross-instance half of single-flight. A holder that dies
 * loses the lock when it expires. Failures never throw: they read as `unavailable` (or undefined).
 */
export class RedisLock implements SharedLock {
  readonly #redis: RedisConnection;
  readonly #namespace: string;
  readonly #logger: Logger;
  #lastWarning = 0;

  /** `namespace` is the one the Redis tier uses (a hash of the upstream URL). */
  constructor(redis: RedisConnection, namespace: string, logger: Logger) {
    this.#redis = redis;
    this.#namespace = namespace;
    this.#logger = logger;
  }

  async acquire(cacheKey: string, ttlMs: number): Promise<LockAttempt> {
    if (this.#redis.status !== 'ready') return { state: 'unavailable' };
    const key = redisKeys.lock(this.#namespace, cacheKey);
    const token = randomBytes(12).toString('hex');
    try {
      const set = await this.#redis.set(key, token, 'PX', ttlMs, 'NX');
      if (set !== 'OK') return { state: 'held' };
    } catch (error) {
      this.#warn(error);
      return { state: 'unavailable' };
    }
    let released = false;
    return {
      state: 'acquired',
      extend: async () => {
        if (released) return;
        await this.#redis.eval(extendScript, 1, key, token, String(ttlMs)).catch((error: unknown) => this.#warn(error));
      },
      release: async () => {
        if (released) return;
        released = true;
        await this.#redis.eval(releaseScript, 1, key, token).catch((error: unknown) => this.#warn(error));
      },
    };
  }

  async isHeld(cacheKey: string): Promise<boolean | undefined> {
    if (this.#redis.status !== 'ready') return undefined;
    try {
      return (await this.#redis.exists(redisKeys.lock(this.#namespace, cacheKey))) === 1;
    } catch (error) {
      this.#warn(error);
      return undefined;
    }
  }

  #warn(error: unknown): void {
    const now = Date.now();
    if (now - this.#lastWarning < 60_000) return;
    this.#lastWarning = now;
    this.#logger.warn({ err: String(error) }, 'Redis lock unavailable; instances fetch from the upstream on their own');
  }
}
