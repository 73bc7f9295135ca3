import { join } from 'node:path';
import type { Kysely } from 'kysely';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { Database } from '../registry/schema.js';
import { ArchiveCache, type ArchiveUpstream } from './archive-cache.js';
import { ArchiveStore } from './archive-store.js';
import { PinStore } from './pin-store.js';

export interface OpenArchiveCacheOptions {
  readonly dataDir: string;
  /** REPOGATE_ARCHIVE_CACHE_BYTES; 0 keeps no archive bytes (pins still hold). */
  readonly maxBytes: number;
  readonly db: Kysely<Database>;
  readonly upstream: ArchiveUpstream;
  readonly logger: Logger;
  readonly metrics?: Pick<Metrics, 'archiveCacheBytes' | 'archiveCacheEvictions'> | undefined;
  /** How long an upstream 404 for an archive path is remembered (REPOGATE_NEGATIVE_TTL_SECONDS). */
  readonly missingTtlMs?: number;
  /** How often pins written by other processes are picked up (0: never; for the CLI). */
  readonly pinPollMs?: number;
}

/** The directory of the archive disk cache inside the data directory. */
export function archiveDir(dataDir: string): string {
  return join(dataDir, 'archives');
}

/** Opens the archive store (indexing what is on disk) and loads the pins; `stop()` ends the polling. */
export async function openArchiveCache(options: OpenArchiveCacheOptions): Promise<{ archives: ArchiveCache; stop(): void }> {
  const { metrics, logger } = options;
  const store = new ArchiveStore(archiveDir(options.dataDir), options.maxBytes, {
    bytes: (bytes) => metrics?.archiveCacheBytes.set(bytes),
    evicted: () => metrics?.archiveCacheEvictions.inc(),
  });
  await store.open();
  const pins = new PinStore(options.db);
  await pins.load();
  const pollMs = options.pinPollMs ?? 2000;
  if (pollMs > 0) pins.watch(pollMs, (error) => logger.warn({ err: String(error) }, 'could not refresh archive pins'));
  const archives = new ArchiveCache({ store, pins, upstream: options.upstream, logger, missingTtlMs: options.missingTtlMs });
  return { archives, stop: () => pins.stop() };
}
