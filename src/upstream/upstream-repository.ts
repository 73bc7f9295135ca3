import { LRUCache } from 'lru-cache';
import type { CachedDocument } from '../cache/cached-document.js';
import type { CacheOutcome, DocumentCache } from '../cache/document-cache.js';
import { isObject, jsonOf } from '../cache/json-document.js';
import { expandVersions, isDevVersion, type VersionEntry } from './minified-metadata.js';
import { buildIndex, detectLayout, indexExcludes, indexLists, providerIncludes, rootReferences, type RepositoryIndex } from './repository-index.js';
import { isRepogateError } from '../errors.js';
import type { Logger } from '../logger.js';
import { notEntitledCause, type UpstreamClient } from './upstream-client.js';

/** One package's metadata as the upstream has it, before rewriting; cheap to obtain on a cache hit. */
export interface PackageSource {
  readonly name: string;
  readonly dev: boolean;
  /** Identifies the content: what is rendered from it is memoised on this. */
  readonly revision: string;
  readonly lastModifiedMs: number;
  readonly outcome: CacheOutcome;
  readonly upstreamMs: number;
  /** When the upstream last confirmed the content (ms since epoch): a stale answer's age. */
  readonly confirmedAt: number;
  /** Parses (once per revision) and returns the expanded version entries. */
  versions(): readonly VersionEntry[];
}

export interface IndexResult {
  readonly index: RepositoryIndex;
  readonly outcome: CacheOutcome;
  readonly upstreamMs: number;
  readonly confirmedAt: number;
}

/**
 * The upstream adapter: whatever layout the upstream serves (Composer 2 `metadata-url`, Composer 1
 * providers, or everything inline), it answers with the list of package names and, per package, its
 * versions.
 */
export class UpstreamRepository {
  readonly #cache: DocumentCache;
  readonly #upstream: UpstreamClient;
  readonly #indexes = new LRUCache<string, RepositoryIndex>({ max: 4 });
  /** Root documents (by revision) refused for pointing elsewhere: refused again without logging again. */
  readonly #refused = new LRUCache<string, Error>({ max: 4 });
  readonly #versions = new LRUCache<string, readonly VersionEntry[]>({ max: 2000 });
  readonly #logger: Logger | undefined;

  constructor(cache: DocumentCache, upstream: UpstreamClient, logger?: Logger) {
    this.#cache = cache;
    this.#upstream = upstream;
    this.#logger = logger;
  }

  get upstream(): UpstreamClient {
    return this.#upstream;
  }

  /**
   * Whether this repository has the package (any versions, stable or dev) and, if so, the versions
   * asked for (undefined when it has the package but none of those). A repository that lists its
   * packages is asked by its list; one that doesn't (packagist) by the package's metadata files.
   */
  async lookup(name: string, dev: boolean, requestId?: string): Promise<{ readonly has: boolean; readonly source: PackageSource | undefined }> {
    // The index is read once for the whole lookup: every read of a stale root asks the upstream again.
    const indexed = await this.index(requestId);
    if (indexExcludes(indexed.index, name)) return { has: false, source: undefined };
    const source = await this.package(name, dev, requestId, indexed);
    if (source !== undefined || indexLists(indexed.index, name)) return { has: true, source };
    return { has: (await this.package(name, !dev, requestId, indexed)) !== undefined, source: undefined };
  }

  /**
   * `lookup` answered synchronously from this process's memory (a Composer 2 repository whose root
   * and package documents are fresh there): the versions, 'absent' when the repository surely lacks
   * the package, undefined when `lookup` must answer.
   */
  peekLookup(name: string, dev: boolean): PackageSource | 'absent' | undefined {
    const root = this.#cache.peekFresh(this.#upstream.resolve('packages.json'));
    const index = root?.status === 200 ? this.#indexes.get(root.revision) : undefined;
    if (index?.layout !== 'composer2') return undefined;
    if (indexExcludes(index, name)) return 'absent';
    const doc = this.#cache.peekFresh(this.#metadataUrl(index, name, dev));
    if (doc?.status === 200) return this.#metadataSource(name, dev, doc, 'hit', 0);
    if (indexLists(index, name) || doc?.status !== 404) return undefined;
    return this.#cache.peekFresh(this.#metadataUrl(index, name, !dev))?.status === 404 ? 'absent' : undefined;
  }

  async index(requestId?: string): Promise<IndexResult> {
    const root = await this.#cache.get(this.#upstream.resolve('packages.json'), { requestId });
    if (root.doc.status !== 200) {
      return { index: buildIndex(emptyRoot(root.doc), []), outcome: root.outcome, upstreamMs: root.upstreamMs, confirmedAt: root.doc.fetchedAt };
    }
    const rootJson = jsonOf(root.doc);
    let upstreamMs = root.upstreamMs;
    const memoKey = root.doc.revision;
    let index = this.#indexes.get(memoKey);
    if (!index) {
      this.#checkReferences(memoKey, rootJson);
      const includes: CachedDocument[] = [];
      if (detectLayout(rootJson) === 'providers') {
        for (const include of providerIncludes(rootJson)) {
          let result;
          try {
            result = await this.#cache.get(this.#upstream.metadataUrl(include.path, 'provider-includes'), { immutable: true, requestId });
          } catch (error) {
            // One include refused: the packages it lists are left out, the others are served.
            if (!isRepogateError(error) || error.code !== 'UPSTREAM_NOT_ENTITLED') throw error;
            this.#logger?.warn({ include: include.path }, `the upstream repository refused the provider-include ${include.path}; the packages it lists are left out: ${notEntitledCause}`);
            continue;
          }
          upstreamMs += result.upstreamMs;
          if (result.doc.status === 200) includes.push(result.doc);
        }
      }
      index = buildIndex(root.doc, includes);
      this.#indexes.set(memoKey, index);
    }
    return { index, outcome: root.outcome, upstreamMs, confirmedAt: root.doc.fetchedAt };
  }

  /**
   * The package's stable (`dev` false) or dev versions, or undefined when the upstream doesn't have it.
   * Throws UPSTREAM_NOT_ENTITLED when the upstream refuses the package's metadata; that, and a `404`
   * for a package the upstream lists, is logged as a warning naming the package.
   */
  async package(name: string, dev: boolean, requestId?: string, indexed?: IndexResult): Promise<PackageSource | undefined> {
    try {
      return await this.#package(name, dev, requestId, indexed);
    } catch (error) {
      if (isRepogateError(error) && error.code === 'UPSTREAM_NOT_ENTITLED') this.#warnRefused(name, 'refused');
      throw error;
    }
  }

  /** A package the upstream lists (or refuses) but has no metadata for: the operator is told which. */
  #warnRefused(name: string, what: 'refused' | 'lacks'): void {
    this.#logger?.warn({ package: name }, `the upstream repository ${what} the metadata of ${name}: ${notEntitledCause}`);
  }

  async #package(name: string, dev: boolean, requestId: string | undefined, indexed: IndexResult | undefined): Promise<PackageSource | undefined> {
    const { index, outcome: indexOutcome, upstreamMs: indexMs, confirmedAt: indexConfirmedAt } = indexed ?? (await this.index(requestId));
    if (indexExcludes(index, name)) return undefined;
    switch (index.layout) {
      case 'composer2': {
        const url = this.#upstream.metadataUrl(this.#metadataUrl(index, name, dev), 'metadata-url');
        const result = await this.#cache.get(url, { requestId });
        if (result.doc.status !== 200) {
          // Only a fresh answer is news (a remembered 404 was told already); a listed dev file may well be absent.
          if (result.outcome === 'miss' && indexLists(index, name) && !dev) this.#warnRefused(name, 'lacks');
          return undefined;
        }
        return this.#metadataSource(name, dev, result.doc, result.outcome, result.upstreamMs + indexMs);
      }
      case 'providers': {
        const hash = index.providerHashes!.get(name);
        if (hash === undefined) return undefined;
        const path = index.providersUrl!.replace('%package%', name).replace('%hash%', hash);
        const result = await this.#cache.get(this.#upstream.metadataUrl(path, 'providers-url'), { immutable: true, requestId });
        if (result.doc.status !== 200) {
          if (result.outcome === 'miss') this.#warnRefused(name, 'lacks');
          return undefined;
        }
        const doc = result.doc;
        return this.#source(name, dev, doc.revision, lastModifiedMs(doc), worst(indexOutcome, result.outcome), result.upstreamMs + indexMs, indexConfirmedAt, () =>
          versionMap(jsonOf(doc)['packages'], name),
        );
      }
      case 'inline': {
        const packages = index.inlinePackages!;
        const key = Object.keys(packages).find((k) => k.toLowerCase() === name);
        if (key === undefined) return undefined;
        return this.#source(name, dev, index.revision, index.rootLastModifiedMs, indexOutcome, indexMs, indexConfirmedAt, () =>
          versionMap({ [name]: packages[key] }, name),
        );
      }
    }
  }

  /**
   * Refuses (UPSTREAM_INVALID, logged once per root revision) a root document whose metadata URLs or
   * `notify-batch` name a host other than the upstream's own and those REPOGATE_UPSTREAM_METADATA_HOSTS
   * allows: nothing it names is fetched then.
   */
  #checkReferences(revision: string, root: Record<string, unknown>): void {
    const refused = this.#refused.get(revision);
    if (refused) throw refused;
    try {
      for (const [field, reference] of rootReferences(root)) this.#upstream.metadataUrl(reference, field);
    } catch (error) {
      if (error instanceof Error) this.#refused.set(revision, error);
      throw error;
    }
  }

  /** Where a Composer 2 upstream keeps a package's metadata (its `metadata-url`, `~dev` for dev versions). */
  #metadataUrl(index: RepositoryIndex, name: string, dev: boolean): URL {
    return this.#upstream.resolve(index.metadataUrl!.replace('%package%', `${name}${dev ? '~dev' : ''}`));
  }

  /** A package's source from its Composer 2 metadata document (`/p2/<name>.json`). */
  #metadataSource(name: string, dev: boolean, doc: CachedDocument, outcome: CacheOutcome, upstreamMs: number): PackageSource {
    return this.#source(name, dev, doc.revision, lastModifiedMs(doc), outcome, upstreamMs, doc.fetchedAt, () => {
      const json = jsonOf(doc);
      const packages = isObject(json['packages']) ? json['packages'] : {};
      const list = packages[name];
      const entries = Array.isArray(list) ? list.filter(isObject) : [];
      return json['minified'] === 'composer/2.0' ? expandVersions(entries) : entries;
    });
  }

  #source(
    name: string,
    dev: boolean,
    docRevision: string,
    lastModified: number,
    outcome: CacheOutcome,
    upstreamMs: number,
    confirmedAt: number,
    parseAll: () => VersionEntry[],
  ): PackageSource {
    // The source's name is part of it: the same document read from two sources renders differently.
    const revision = `${this.#upstream.source}|${docRevision}:${name}${dev ? '~dev' : ''}`;
    const memo = this.#versions;
    return {
      name,
      dev,
      revision,
      lastModifiedMs: lastModified,
      outcome,
      upstreamMs,
      confirmedAt,
      versions(): readonly VersionEntry[] {
        let versions = memo.get(revision);
        if (!versions) {
          const all = parseAll().map((entry) => ({ ...entry, name }));
          versions = all.filter((entry) => isDevVersion(entry) === dev);
          memo.set(revision, versions);
        }
        return versions;
      },
    };
  }
}

/** `{"vendor/name": {"1.0.0": {…}, …}}` (Composer 1 and inline layouts) → a list of entries. */
function versionMap(packages: unknown, name: string): VersionEntry[] {
  if (!isObject(packages)) return [];
  const entry = Object.entries(packages).find(([key]) => key.toLowerCase() === name)?.[1];
  if (Array.isArray(entry)) return entry.filter(isObject);
  if (!isObject(entry)) return [];
  return Object.values(entry).filter(isObject);
}

function lastModifiedMs(doc: CachedDocument): number {
  const ms = doc.lastModified === null ? NaN : Date.parse(doc.lastModified);
  return Number.isNaN(ms) ? doc.changedAt : ms;
}

const severity: Record<CacheOutcome, number> = { hit: 0, revalidated: 1, miss: 2, stale: 3 };
function worst(a: CacheOutcome, b: CacheOutcome): CacheOutcome {
  return severity[a] >= severity[b] ? a : b;
}

function emptyRoot(doc: CachedDocument): CachedDocument {
  return { ...doc, status: 200, body: Buffer.from('{"packages":{}}'), revision: 'empty' };
}
