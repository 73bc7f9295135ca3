import { RepogateError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics/metrics.js';
import type { DocumentSource } from './document-source.js';
import type { CacheTier } from './cache-tier.js';
import { revisionOf, type CachedDocument } from './cached-document.js';
import type { MemoryTier } from './memory-tier.js';
import type { SharedLock } from './redis-lock.js';
import { SingleFlight } from './single-flight.js';
import { isObject, rememberJson } from './json-document.js';

/** How a document was obtained, for the access log and metrics. */
export type CacheOutcome = 'hit' | 'miss' | 'stale' | 'revalidated';

export interface DocumentResult {
  readonly doc: CachedDocument;
  readonly outcome: CacheOutcome;
  /** Milliseconds spent waiting for the upstream (0 on a hit). */
  readonly upstreamMs: number;
}

export interface DocumentCacheOptions {
  /** Upstream profile; part of every cache key (room for one upstream credential per account later). */
  readonly profile: string;
  readonly ttlMs: number;
  readonly staleMs: number;
  readonly negativeTtlMs: number;
  readonly now?: () => number;
  /**
   * The cross-instance half of single-flight (with a shared tier): before going upstream on a miss,
   * an instance takes this lock; while another instance holds it, it waits for that instance's
   * result to appear in the shared tier instead.
   */
  readonly lock?: SharedLock;
  /** Lease of that lock (renewed while the fetch lasts), default 5000 ms. */
  readonly lockTtlMs?: number;
  /** How often a waiting instance looks for the result, default 25 ms. */
  readonly lockPollMs?: number;
  /** Counts lookups by tier and outcome, and single-flight waits. */
  readonly metrics?: Pick<Metrics, 'cacheLookups' | 'singleFlightWaits'>;
}

/**
 * Upstream metadata documents, cached in tiers (memory, then Redis when configured) under
 * `{profile}:{path}`. Fresh for `ttlMs`; then revalidated with If-Modified-Since / If-None-Match;
 * served stale for `staleMs` more when the upstream fails. Only 200s with a JSON object body and
 * 404s (for `negativeTtlMs`) are stored. One upstream fetch per key at a time.
 */
export class DocumentCache {
  readonly #upstream: DocumentSource;
  readonly #memory: MemoryTier;
  readonly #shared: CacheTier | undefined;
  readonly #options: DocumentCacheOptions;
  readonly #logger: Logger;
  readonly #flights = new SingleFlight<DocumentResult>();
  readonly #now: () => number;

  constructor(upstream: DocumentSource, memory: MemoryTier, shared: CacheTier | undefined, options: DocumentCacheOptions, logger: Logger) {
    this.#upstream = upstream;
    this.#memory = memory;
    this.#shared = shared;
    this.#options = options;
    this.#logger = logger;
    this.#now = options.now ?? Date.now;
  }

  keyFor(url: URL): string {
    return `${this.#options.profile}:${url.pathname}${url.search}`;
  }

  /**
   * The document at `url` when this process's memory tier holds it fresh, synchronously (the warm
   * lane's way to a package whose rendering it no longer keeps); undefined when `get` must answer.
   */
  peekFresh(url: URL): CachedDocument | undefined {
    const doc = this.#memory.peek(this.keyFor(url));
    return doc && this.#isFresh(doc) ? doc : undefined;
  }

  /**
   * The document at `url` (on the upstream). `immutable` documents (content-addressed files such as
   * `/p/vendor/name$sha256.json`) are never revalidated once stored.
   */
  async get(url: URL, options: { immutable?: boolean; requestId?: string } = {}): Promise<DocumentResult> {
    const key = this.keyFor(url);
    const inMemory = this.#memory.peek(key);
    const cached = inMemory ?? (await this.#fromShared(key));
    const metrics = this.#options.metrics;
    if (cached && (options.immutable || this.#isFresh(cached))) {
      metrics?.cacheLookups.inc({ tier: inMemory ? 'memory' : 'redis', outcome: 'hit' });
      return { doc: cached, outcome: 'hit', upstreamMs: 0 };
    }
    const { promise, shared } = this.#flights.run(key, () => this.#refresh(key, url, cached, options.requestId));
    if (shared) metrics?.singleFlightWaits.inc();
    if (!metrics) return promise;
    return promise.then((result) => {
      metrics.cacheLookups.inc({ tier: result.outcome === 'stale' ? (inMemory ? 'memory' : 'redis') : 'upstream', outcome: result.outcome });
      return result;
    });
  }

  /** Number of refreshes in flight (single-flight leaders). */
  get inFlight(): number {
    return this.#flights.size;
  }

  #isFresh(doc: CachedDocument): boolean {
    const ttl = doc.status === 404 ? this.#options.negativeTtlMs : this.#options.ttlMs;
    return this.#now() - doc.fetchedAt < ttl;
  }

  async #fromShared(key: string): Promise<CachedDocument | undefined> {
    if (!this.#shared) return undefined;
    const doc = await this.#shared.get(key);
    if (doc) await this.#memory.set(key, doc, this.#retentionMs(doc));
    return doc;
  }

  #retentionMs(doc: CachedDocument): number {
    return doc.status === 404 ? this.#options.negativeTtlMs : this.#options.ttlMs + this.#options.staleMs;
  }

  async #store(key: string, doc: CachedDocument): Promise<void> {
    const retention = this.#retentionMs(doc);
    await this.#memory.set(key, doc, retention);
    if (this.#shared) await this.#shared.set(key, doc, retention);
  }

  /**
   * One instance goes upstream per key: with a shared tier and lock, the lock holder fetches and the
   * other instances pick its result up from the shared tier. Without Redis (or when it fails, or the
   * holder gives up without a result and the lock lapses) this instance fetches on its own.
   */
  async #refresh(key: string, url: URL, cached: CachedDocument | undefined, requestId: string | undefined): Promise<DocumentResult> {
    const lock = this.#options.lock;
    if (!lock || !this.#shared) return this.#fetch(key, url, cached, requestId);
    const started = performance.now();
    const ttlMs = this.#options.lockTtlMs ?? 5000;
    const pickedUp = (doc: CachedDocument): DocumentResult => ({ doc, outcome: 'hit', upstreamMs: performance.now() - started });
    // Another instance may have refreshed it since this one's memory tier was filled.
    const newer = await this.#newerShared(key, cached, true);
    if (newer) return pickedUp(newer);
    for (let attempt = 0; attempt < 3; attempt++) {
      const held = await lock.acquire(key, ttlMs);
      if (held.state === 'unavailable') break;
      if (held.state === 'acquired') {
        const renew = setInterval(() => void held.extend(), Math.max(100, Math.floor(ttlMs / 2)));
        try {
          // The previous holder may have stored its result between our look and our lock.
          const stored = await this.#newerShared(key, cached, false);
          if (stored) return pickedUp(stored);
          return await this.#fetch(key, url, cached, requestId);
        } finally {
          clearInterval(renew);
          await held.release();
        }
      }
      const result = await this.#awaitOtherInstance(key, cached, lock);
      if (result) return pickedUp(result);
    }
    return this.#fetch(key, url, cached, requestId);
  }

  /** A document in the shared tier fetched after `cached` (and, if `fresh`, still fresh), now also in memory. */
  async #newerShared(key: string, cached: CachedDocument | undefined, fresh: boolean): Promise<CachedDocument | undefined> {
    const doc = await this.#shared?.get(key);
    if (!doc || (cached && doc.fetchedAt <= cached.fetchedAt) || (fresh && !this.#isFresh(doc))) return undefined;
    await this.#memory.set(key, doc, this.#retentionMs(doc));
    return doc;
  }

  /** Polls the shared tier while another instance holds the lock; undefined when it let go without a result. */
  async #awaitOtherInstance(key: string, cached: CachedDocument | undefined, lock: SharedLock): Promise<CachedDocument | undefined> {
    const pollMs = this.#options.lockPollMs ?? 25;
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, pollMs));
      const doc = await this.#newerShared(key, cached, false);
      if (doc) return doc;
      const held = await lock.isHeld(key);
      // Released (look once more: it stores before it releases), expired, or Redis can't say.
      if (held !== true) return this.#newerShared(key, cached, false);
    }
  }

  async #fetch(key: string, url: URL, cached: CachedDocument | undefined, requestId: string | undefined): Promise<DocumentResult> {
    const started = performance.now();
    const conditional = cached?.status === 200 ? { ifModifiedSince: cached.lastModified, ifNoneMatch: cached.etag } : {};
    try {
      const response = await this.#upstream.fetchDocument(url, { ...conditional, requestId });
      const upstreamMs = performance.now() - started;
      const now = this.#now();
      if (response.status === 304 && cached?.status === 200) {
        const doc: CachedDocument = { ...cached, fetchedAt: now };
        await this.#store(key, doc);
        return { doc, outcome: 'revalidated', upstreamMs };
      }
      if (response.status === 404 || response.status === 410) {
        const doc: CachedDocument = { status: 404, body: Buffer.alloc(0), lastModified: null, etag: null, fetchedAt: now, changedAt: now, revision: 'absent' };
        await this.#store(key, doc);
        return { doc, outcome: 'miss', upstreamMs };
      }
      if (response.status !== 200) {
        throw new RepogateError(
          response.status >= 500 ? 'UPSTREAM_UNAVAILABLE' : 'UPSTREAM_INVALID',
          `the upstream repository answered HTTP ${response.status} for ${url.pathname}`,
        );
      }
      assertJsonObject(response.body, url);
      const revision = revisionOf(response.body);
      const unchanged = cached?.status === 200 && cached.revision === revision;
      const doc: CachedDocument = {
        status: 200,
        body: response.body,
        lastModified: response.lastModified,
        etag: response.etag,
        fetchedAt: now,
        changedAt: unchanged ? cached.changedAt : now,
        revision,
      };
      await this.#store(key, doc);
      return { doc, outcome: unchanged ? 'revalidated' : 'miss', upstreamMs };
    } catch (error) {
      const upstreamMs = performance.now() - started;
      if (cached?.status === 200 && this.#now() - cached.fetchedAt < this.#options.ttlMs + this.#options.staleMs) {
        this.#logger.warn(
          { path: url.pathname, err: error instanceof Error ? error.message : String(error), ageMs: this.#now() - cached.fetchedAt },
          'upstream failed; serving stale metadata',
        );
        return { doc: cached, outcome: 'stale', upstreamMs };
      }
      throw error;
    }
  }
}

function assertJsonObject(body: Buffer, url: URL): void {
  let value: unknown;
  try {
    value = JSON.parse(body.toString('utf8'));
  } catch (error) {
    throw new RepogateError('UPSTREAM_INVALID', `the upstream sent invalid JSON for ${url.pathname}`, { cause: error });
  }
  if (!isObject(value)) {
    throw new RepogateError('UPSTREAM_INVALID', `the upstream sent a JSON document that is not an object for ${url.pathname}`);
  }
  rememberJson(body, value);
}
