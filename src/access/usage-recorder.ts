import type { Logger } from '../logger.js';
import type { Registry } from '../registry/registry.js';

/**
 * Last-used time and address per key, gathered in memory and written in batches, so that the
 * request path never waits for a database write.
 */
export class UsageRecorder {
  readonly #registry: Registry;
  readonly #logger: Logger;
  #pending = new Map<string, { at: string; address: string }>();
  #timer: NodeJS.Timeout | undefined;

  constructor(registry: Registry, logger: Logger, flushIntervalMs = 5000) {
    this.#registry = registry;
    this.#logger = logger;
    this.#timer = setInterval(() => void this.flush(), flushIntervalMs);
    this.#timer.unref();
  }

  record(publicKey: string, address: string): void {
    this.#pending.set(publicKey, { at: new Date().toISOString(), address });
  }

  async flush(): Promise<void> {
    if (this.#pending.size === 0) return;
    const batch = [...this.#pending].map(([publicKey, usage]) => ({ publicKey, ...usage }));
    this.#pending = new Map();
    try {
      await this.#registry.keys.recordUsage(batch);
    } catch (error) {
      this.#logger.warn({ err: String(error), keys: batch.length }, 'could not record key usage');
    }
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.flush();
  }
}
