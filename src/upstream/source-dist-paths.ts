import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import { isValidPackageName } from '../registry/rules.js';
import type { DistMapping } from './dist-mapping.js';
import type { VersionEntry } from './minified-metadata.js';
import type { UpstreamClient } from './upstream-client.js';
import { UrlRewriter } from './url-rewriter.js';

/**
 * A path segment repogate writes as it is; anything else is replaced by a hash. No `..` anywhere and
 * no trailing dot (`<reference>.zip` would hold `..`): `parseSourceDistPath` refuses such paths.
 */
const safeSegment = /^(?!.*\.\.)(?!.*\.$)[A-Za-z0-9][A-Za-z0-9._+-]{0,99}$/;
const archiveTypes = new Set(['zip', 'tar', 'gzip', 'xz', 'phar', 'rar']);

/**
 * The dists of a source added to the registry, wherever they live (its own origin, GitHub, a CDN):
 * `/dists/<source>/<vendor>/<name>/<version>/<reference>.<type>`. Stable for an archive (the same
 * version and reference give the same path, whatever URL the source names for it), so lock files
 * made through repogate name only repogate, and the archive cache and pins hold per source.
 * The path maps back to the URL the source's metadata gave (remembered when rendered; else found
 * again in the package's metadata). `source` references (git URLs) are dropped: a download through
 * repogate is the dist.
 */
export class SourceDistPaths implements DistMapping {
  readonly source: string;
  readonly sourceReferences = 'drop';
  readonly #client: UpstreamClient;
  /** URLs on the source itself (a template's `repositories`), pointed at repogate as `default`'s are. */
  readonly #onSource: UrlRewriter;
  /** Path → the upstream URL it was made from. */
  // Grown as used (no `max`: lru-cache would allocate room for all of it at once).
  readonly #urls = new LRUCache<string, string>({ maxSize: 100_000, sizeCalculation: () => 1 });

  constructor(client: UpstreamClient) {
    this.#client = client;
    this.#onSource = new UrlRewriter(client);
    this.source = client.source;
  }

  pathOf(url: string, entry: VersionEntry, packageName: string): string | undefined {
    let parsed: URL;
    try {
      parsed = this.#client.resolve(url);
    } catch {
      return undefined;
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return undefined;
    const dist = entry['dist'];
    const reference = typeof dist === 'object' && dist !== null && !Array.isArray(dist) ? (dist as Record<string, unknown>)['reference'] : undefined;
    const type = typeof dist === 'object' && dist !== null && !Array.isArray(dist) ? (dist as Record<string, unknown>)['type'] : undefined;
    const version = typeof entry['version_normalized'] === 'string' ? entry['version_normalized'] : typeof entry['version'] === 'string' ? entry['version'] : '';
    const id = typeof reference === 'string' && safeSegment.test(reference) ? reference : hashOf(parsed.href);
    const extension = typeof type === 'string' && archiveTypes.has(type) ? type : 'zip';
    const path = `/dists/${this.source}/${packageName}/${safeSegment.test(version) ? version : hashOf(version)}/${id}.${extension}`;
    this.#urls.set(path, parsed.href);
    return path;
  }

  /** The URL a path was made from, when this process rendered it. */
  upstreamUrlOf(path: string): URL | undefined {
    const url = this.#urls.get(path);
    return url === undefined ? undefined : new URL(url);
  }

  toPublic(url: string, base: string): string | undefined {
    return this.#onSource.toPublic(url, base);
  }
}

function hashOf(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 20);
}

/** `/dists/<source>/<vendor>/<name>/<version>/<id>.<ext>` → its source and package; undefined for any other path. */
export function parseSourceDistPath(path: string): { readonly source: string; readonly packageName: string } | undefined {
  const match = /^\/dists\/([a-z0-9][a-z0-9-]{0,39})\/([a-z0-9][a-z0-9_.-]*)\/([a-z0-9][a-z0-9_.-]*)\/[A-Za-z0-9][A-Za-z0-9._+-]{0,99}\/[A-Za-z0-9][A-Za-z0-9._+-]{0,99}\.[a-z]{2,5}$/.exec(path);
  if (match === null || path.includes('..')) return undefined;
  const packageName = `${match[2]}/${match[3]}`;
  return isValidPackageName(packageName) ? { source: match[1]!, packageName } : undefined;
}
