import type { CachedDocument } from './cached-document.js';

/** One tier of the metadata cache. Tiers never throw: a failing tier behaves like a miss. */
export interface CacheTier {
  readonly name: 'memory' | 'redis';
  get(key: string): Promise<CachedDocument | undefined>;
  set(key: string, doc: CachedDocument, ttlMs: number): Promise<void>;
  delete(key: string): Promise<void>;
}
