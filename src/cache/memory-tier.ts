import { LRUCache } from 'lru-cache';
import type { CacheTier } from './cache-tier.js';
import type { CachedDocument } from './cached-document.js';

/** The in-process tier: an LRU bounded in bytes. */
export class MemoryTier implements CacheTier {
  readonly name = 'memory';
  readonly #lru: LRUCache<string, CachedDocument>;

  constructor(maxBytes: number) {
    this.#lru = new LRUCache<string, CachedDocument>({
      maxSize: maxBytes,
      sizeCalculation: (doc, key) => doc.body.length + key.length + 256,
    });
  }

  /** Synchronous lookup for the hot path. */
  peek(key: string): CachedDocument | undefined {
    return this.#lru.get(key);
  }

  get(key: string): Promise<CachedDocument | undefined> {
    return Promise.resolve(this.#lru.get(key));
  }

  set(key: string, doc: CachedDocument, ttlMs: number): Promise<void> {
    this.#lru.set(key, doc, { ttl: ttlMs > 0 ? ttlMs : undefined });
    return Promise.resolve();
  }

  delete(key: string): Promise<void> {
    this.#lru.delete(key);
    return Promise.resolve();
  }

  get size(): number {
    return this.#lru.size;
  }

  get bytes(): number {
    return this.#lru.calculatedSize;
  }
}
