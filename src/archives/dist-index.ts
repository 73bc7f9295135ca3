import { LRUCache } from 'lru-cache';
import { isValidPackageName } from '../registry/rules.js';
import { parseSourceDistPath } from '../upstream/source-dist-paths.js';

/** What an archive path is: a dist of this package, read from this source. */
export interface DistTarget {
  readonly packageName: string;
  readonly source: string;
}

/**
 * Which package (and source) an archive path belongs to. repo.magento.com's archives live at
 * `/archives/<vendor>/<name>/…` and a registry source's at `/dists/<source>/<vendor>/<name>/…`,
 * which say it directly; the default upstream's other dist paths are learned when metadata naming
 * them is rendered.
 */
export class DistIndex {
  readonly #learned = new LRUCache<string, DistTarget>({ max: 50_000 });

  learn(path: string, packageName: string): void {
    if (packageFromArchivePath(path) !== packageName && parseSourceDistPath(path) === undefined) this.#learned.set(path, { packageName, source: 'default' });
  }

  targetFor(path: string): DistTarget | undefined {
    const fromArchive = packageFromArchivePath(path);
    if (fromArchive !== undefined) return { packageName: fromArchive, source: 'default' };
    return parseSourceDistPath(path) ?? this.#learned.get(path);
  }
}

/** The source an archive path belongs to: `/dists/<source>/…`, else the default upstream. */
export function sourceOfArchivePath(path: string): string {
  return /^\/dists\/([a-z0-9][a-z0-9-]{0,39})\//.exec(path)?.[1] ?? 'default';
}

export function packageFromArchivePath(path: string): string | undefined {
  const match = /^\/archives\/([^/]+)\/([^/]+)\/([A-Za-z0-9][A-Za-z0-9._+~-]*)$/.exec(path);
  if (!match || match[3]!.includes('..')) return undefined;
  const name = `${match[1]}/${match[2]}`.toLowerCase();
  return isValidPackageName(name) ? name : undefined;
}
