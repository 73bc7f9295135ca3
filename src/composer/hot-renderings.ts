import { LRUCache } from 'lru-cache';
import type { CacheOutcome } from '../cache/document-cache.js';
import type { ReusedHead } from '../http/reused-head.js';
import type { Rendered } from '../http/rendered.js';
import type { PackageSource } from '../upstream/upstream-repository.js';

/** A rendering ready to send, with what the access log says about how it was obtained. */
export interface HotRendering {
  readonly rendered: Rendered;
  /** The source it was read from. */
  readonly source: string;
  readonly outcome: CacheOutcome;
  readonly upstreamMs: number;
  readonly staleConfirmedAt: number | undefined;
}

/** A rendering in `HotRenderings`: fresh, and the heads of its answers, made on first use. */
export interface WarmRendering extends HotRendering {
  /** The `200` without gzip. */
  plain: WarmHead | undefined;
  /** The `200` with gzip. */
  gzip: WarmHead | undefined;
}

/** How a warm `200` of one rendering is answered. */
export interface WarmHead {
  /** Its headers, for `writeHead` (`X-Request-Id`'s value second, filled in per request). */
  readonly headers: string[];
  /**
   * The head node:http wrote for them, reused on persistent connections: undefined until one is
   * captured, null when node's head can't be reused.
   */
  head: ReusedHead | null | undefined;
}

interface Entry {
  readonly hit: WarmRendering;
  readonly until: number;
  readonly pinRevision: number;
}

/** Renderings of fresh metadata are reused for at most this long before the caches are asked again. */
const hotReuseMs = 1000;
/** Public bases kept (one per Host a client uses), and metadata paths per base. */
const maxBases = 100;
const maxPathsPerBase = 20_000;

/**
 * The last rendering of each metadata URL (per public base), reused while the upstream document is
 * fresh and no pin of the package changed, for at most a second: a warm request then skips the
 * cache tiers, the layout adapter and the render memo. Served from it, a request counts as a
 * memory hit (the outcome it would have had).
 */
export class HotRenderings {
  readonly #ttlMs: number;
  /**
   * Public base → metadata path → rendering. Entries live a second at most, so the paths are read
   * with `peek` (no reordering on every request): when a base is full, the oldest entry goes.
   */
  readonly #entries = new LRUCache<string, LRUCache<string, Entry>>({
    max: maxBases,
    dispose: (entries) => {
      if (entries === this.#lastEntries) this.#lastBase = this.#lastEntries = undefined;
    },
  });
  /** The base asked for last and its paths: nearly every request names the same base as the last. */
  #lastBase: string | undefined;
  #lastEntries: LRUCache<string, Entry> | undefined;

  constructor(ttlMs: number) {
    this.#ttlMs = ttlMs;
  }

  get(base: string, path: string, pinRevision: number): WarmRendering | undefined {
    const entries = this.#pathsOf(base);
    const entry = entries?.peek(path);
    if (entries === undefined || entry === undefined) return undefined;
    if (entry.until <= Date.now() || entry.pinRevision !== pinRevision) {
      entries.delete(path);
      return undefined;
    }
    return entry.hit;
  }

  /** Keeps `value` while `source` is fresh (at most a second); returns the rendering kept, if any. */
  set(base: string, path: string, value: HotRendering, source: PackageSource, pinRevision: number): WarmRendering | undefined {
    if (value.outcome === 'stale') return undefined;
    const until = Math.min(source.confirmedAt + this.#ttlMs, Date.now() + hotReuseMs);
    if (until <= Date.now()) return undefined;
    let entries = this.#pathsOf(base);
    if (entries === undefined) {
      // Grown as used (no `max`: lru-cache would allocate room for all of it at once).
      entries = new LRUCache<string, Entry>({ maxSize: maxPathsPerBase, sizeCalculation: () => 1 });
      this.#entries.set(base, entries);
      this.#lastBase = base;
      this.#lastEntries = entries;
    }
    const hit: WarmRendering = { rendered: value.rendered, source: value.source, outcome: 'hit', upstreamMs: 0, staleConfirmedAt: undefined, plain: undefined, gzip: undefined };
    entries.set(path, { hit, until, pinRevision });
    return hit;
  }

  #pathsOf(base: string): LRUCache<string, Entry> | undefined {
    if (base === this.#lastBase) return this.#lastEntries;
    const entries = this.#entries.get(base);
    if (entries !== undefined) {
      this.#lastBase = base;
      this.#lastEntries = entries;
    }
    return entries;
  }
}
