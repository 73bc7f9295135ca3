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

/** A failed authentication that went over a limit: which one, and when to try again. */
export interface ThrottleExceeded {
  /** `address` when the client's address used up its failures (it wins when both did), else `key`. */
  readonly limit: 'address' | 'key';
  readonly retryAfterSeconds: number;
}

/**
 * Counts failed authentications per public key and per client address (rate-limiter-flexible, in
 * Redis when configured). Only failures are counted and only failures are refused: a client that
 * presents a correct secret is never asked here, so wrong guesses against a key (or from a shared
 * NAT address) cannot lock its owner out.
 */
export class AuthThrottle {
  readonly #perKey: RateLimiterAbstract;
  readonly #perAddress: RateLimiterAbstract;
  readonly #options: AuthThrottleOptions;

  constructor(options: AuthThrottleOptions) {
    this.#options = options;
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

  /**
   * Counts one failed authentication against the public key (when there is one) and the address,
   * and says whether that went over a limit. The caller verifies the secret first and calls this only
   * for a wrong one.
   */
  async recordFailure(publicKey: string | undefined, address: string): Promise<ThrottleExceeded | undefined> {
    const [byKey, byAddress] = await Promise.all([
      publicKey === undefined ? undefined : count(this.#perKey, publicKey, this.#options.failuresPerKey),
      count(this.#perAddress, address, this.#options.failuresPerAddress),
    ]);
    if (byAddress !== undefined) return { limit: 'address', retryAfterSeconds: Math.max(byAddress, byKey ?? 0) };
    if (byKey !== undefined) return { limit: 'key', retryAfterSeconds: byKey };
    return undefined;
  }




}

/**
 * Adds one failure to `key`'s count; resolves with the seconds until its window ends when the count
 * is now over `limit`, else undefined. A counter store that fails counts as under the limit.
 */
async function count(limiter: RateLimiterAbstract, key: string, limit: number): Promise<number | undefined> {
  try {
    const res = await limiter.penalty(key, 1);
    return res.consumedPoints > limit ? Math.max(1, Math.ceil(res.msBeforeNext / 1000)) : undefined;
  } catch {
    return undefined;
  }
}
