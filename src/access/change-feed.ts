import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { RedisConnection } from '../cache/redis-connection.js';
import { redisKeys } from '../cache/redis-keys.js';
import type { Logger } from '../logger.js';
import type { AuditEntry } from '../registry/context.js';
import type { Registry } from '../registry/registry.js';

/** What a registry change touched, as announced to the other instances. */
export const registryChangeSchema = z.object({
  /** `key`, `account`, `grant`, `token`, `entitlement` (the audit action's first word), or another word. */
  kind: z.string().min(1).max(40),
  publicKey: z.string().max(64).optional(),
  /** The key's old public key, after a regeneration. */
  previousPublicKey: z.string().max(64).optional(),
  accountId: z.string().max(64).optional(),
  /** The announcing instance (which has already dropped what it cached). */
  origin: z.string().max(64),
});

export type RegistryChange = z.infer<typeof registryChangeSchema>;

/** The part of AccessControl the feed drives. */
export interface CredentialCache {
  invalidate(): void;
}

export interface ChangeFeedOptions {
  readonly registry: Registry;
  readonly access: CredentialCache;
  /** The instance's command connection: publishes. */
  readonly publisher: RedisConnection;
  /** A connection of its own, in subscriber mode. */
  readonly subscriber: RedisConnection;
  readonly logger: Logger;
  /**
   * While the subscriber is not connected, cached credentials are dropped this often, so that a
   * change announced meanwhile (or one this instance could not hear) is not honoured for longer.
   */
  readonly fallbackTtlMs: number;
}

/** The announcement for one committed change. */
export function describeChange(entry: AuditEntry, origin: string): RegistryChange {
  const previous = entry.detail?.['previousPublicKey'];
  return {
    kind: entry.action.split('.')[0] ?? entry.action,
    ...(entry.publicKey ? { publicKey: entry.publicKey } : {}),
    ...(typeof previous === 'string' ? { previousPublicKey: previous } : {}),
    ...(entry.accountId ? { accountId: entry.accountId } : {}),
    origin,
  };
}

/**
 * Announces every registry change this instance commits on a Redis channel, and drops the cached
 * credentials of this instance when another announces one, so that a disabled key is refused by
 * every instance within milliseconds. Pub/sub delivers at most once: after the subscriber
 * reconnects everything cached is dropped (announcements may have been missed), and while it is
 * down cached credentials live at most `fallbackTtlMs`. The registry-version poll of AccessControl
 * runs underneath all this and catches every change, from any process, within its interval.
 */
export class ChangeFeed {
  readonly #options: ChangeFeedOptions;
  readonly #origin = randomUUID();
  readonly #unsubscribe: () => void;
  readonly #fallback: NodeJS.Timeout;
  #heardOnce = false;
  #lastWarning = 0;
  #stopped = false;

  constructor(options: ChangeFeedOptions) {
    this.#options = options;
    const { registry, subscriber } = options;
    this.#unsubscribe = registry.context.onChange((entry) => void this.#publish(entry));
    subscriber.on('message', (channel: string, message: string) => {
      if (channel === redisKeys.changes) this.#received(message);
    });
    subscriber.on('ready', () => void this.#subscribe());
    if (subscriber.status === 'ready') void this.#subscribe();
    this.#fallback = setInterval(() => {
      if (!this.listening) options.access.invalidate();
    }, options.fallbackTtlMs);
    this.#fallback.unref();
  }

  /** This instance's name on the channel. */
  get origin(): string {
    return this.#origin;
  }

  /** True while the subscriber is connected (announcements from other instances arrive). */
  get listening(): boolean {
    return this.#heardOnce && this.#options.subscriber.status === 'ready';
  }

  /** Stops announcing and listening; the connections are the caller's to close. */
  stop(): void {
    this.#stopped = true;
    this.#unsubscribe();
    clearInterval(this.#fallback);
  }

  async #subscribe(): Promise<void> {
    if (this.#stopped) return;
    try {
      await this.#options.subscriber.subscribe(redisKeys.changes);
      // Whatever was announced while this instance was not listening is unknown: start afresh.
      if (this.#heardOnce) this.#options.access.invalidate();
      this.#heardOnce = true;
    } catch (error) {
      this.#warn('could not subscribe to registry changes on Redis', error);
    }
  }

  async #publish(entry: AuditEntry): Promise<void> {
    const { publisher } = this.#options;
    if (this.#stopped || publisher.status !== 'ready') return;
    try {
      await publisher.publish(redisKeys.changes, JSON.stringify(describeChange(entry, this.#origin)));
    } catch (error) {
      this.#warn('could not announce a registry change on Redis; other instances see it at their next registry poll', error);
    }
  }

  #received(message: string): void {
    let change: RegistryChange;
    try {
      change = registryChangeSchema.parse(JSON.parse(message));
    } catch {
      this.#options.access.invalidate();
      return;
    }
    if (change.origin === this.#origin) return;
    this.#options.logger.debug({ change: change.kind, publicKey: change.publicKey, accountId: change.accountId }, 'registry change announced');
    this.#options.access.invalidate();
  }

  #warn(message: string, error: unknown): void {
    const now = Date.now();
    if (now - this.#lastWarning < 60_000) return;
    this.#lastWarning = now;
    this.#options.logger.warn({ err: error instanceof Error ? error.message : String(error) }, message);
  }
}
