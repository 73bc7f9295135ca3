import type { Cluster, Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';

export interface AuthThrottleOptions {
  /** Failed authentications allowed against one public key per window. */
  readonly failuresPerKey: number;
  /** Failed authentications allowed from one client address per window (far higher). */
  readonly failuresPerAddress: number;
  readonly windowSeconds: number;
  /** Shared counters across instances; the in-memory limiter stands in while Redis is unreachable. */
  readonly redis?: Redis | Cluster | undefined;
}

/**
 * Counts failed authentications per public key and per client address (rate-limiter-flexible, in
 * Redis when configured). A key under attack is refused with 429 without locking out other keys
 * from the same address.
 */
export class AuthThrottle {
  readonly #perKey: RateLimiterAbstract;
  readonly #perAddress: RateLimiterAbstract;

  constructor(options: AuthThrottleOptions) {
    const make = (prefix: string, points: number): RateLimiterAbstract => {
      const memory = new RateLimiterMemory({ keyPrefix: prefix, points, duration: options.windowSeconds });
      return options.redis
        ? new RateLimiterRedis({
            storeClient: options.redis,
            keyPrefix: `repogate:throttle:${prefix}`,
            points,
            duration: options.windowSeconds,
            insuranceLimiter: memory,
            rejectIfRedisNotReady: true,
          })
        : memory;
    };
    this.#perKey = make('key', options.failuresPerKey);
    this.#perAddress = make('addr', options.failuresPerAddress);
  }

  /** Seconds until this key or address may try again, or undefined when it may now. */
  async retryAfter(publicKey: string | undefined, address: string): Promise<number | undefined> {
    const [byKey, byAddress] = await Promise.all([
      publicKey === undefined ? null : this.#perKey.get(publicKey).catch(() => null),
      this.#perAddress.get(address).catch(() => null),
    ]);
    let waitMs = 0;
    if (byKey && byKey.remainingPoints <= 0) waitMs = Math.max(waitMs, byKey.msBeforeNext);
    if (byAddress && byAddress.remainingPoints <= 0) waitMs = Math.max(waitMs, byAddress.msBeforeNext);
    return waitMs > 0 ? Math.max(1, Math.ceil(waitMs / 1000)) : undefined;
  }

  /** Records one failed authentication. */
  async failed(publicKey: string | undefined, address: string): Promise<void> {
    await Promise.all([
      publicKey === undefined ? undefined : this.#perKey.consume(publicKey).catch(() => undefined),
      this.#perAddress.consume(address).catch(() => undefined),
    ]);
  }
}
