import type { Logger } from '../logger.js';
import type { Registry } from './registry.js';

/**
 * Deletes audit events and download counts older than `days`, at start and then every hour.
 * Returns a function that stops it.
 */
export function startRetention(registry: Registry, days: number, logger: Logger, now: () => Date = () => new Date()): () => void {
  const purge = async (): Promise<void> => {
    const cutoff = new Date(now().getTime() - days * 86_400_000).toISOString();
    try {
      const removed = await registry.usage.purgeBefore(cutoff);
      if (removed > 0) logger.info({ removed, cutoff }, 'audit retention: old events deleted');
    } catch (error) {
      logger.warn({ err: String(error) }, 'audit retention failed');
    }
  };
  void purge();
  const timer = setInterval(() => void purge(), 3_600_000);
  timer.unref();
  return () => clearInterval(timer);
}
