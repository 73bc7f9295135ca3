import { RepogateError } from '../errors.js';
import type { DistMapping } from '../upstream/dist-mapping.js';
import type { VersionEntry } from '../upstream/minified-metadata.js';
import type { UpstreamClient, UpstreamStream } from '../upstream/upstream-client.js';
import type { UpstreamRepository } from '../upstream/upstream-repository.js';
import type { ArchiveUpstream } from './archive-cache.js';
import { sourceOfArchivePath } from './dist-index.js';

/** How one source's dist paths lead back to its URLs. */
export interface ArchiveUrls {
  readonly mapping: DistMapping;
  /**
   * The upstream URL of a path without looking at metadata, when the path says it (the default
   * upstream's own paths) or this process remembers it.
   */
  urlOf(path: string): URL | undefined;
  /**
   * Opens `url`: on the source's own origin with its credentials; a URL elsewhere (a registry
   * source's dist on GitHub) following redirects, without them.
   */
  open(client: UpstreamClient, url: URL, requestId: string | undefined): Promise<UpstreamStream>;
}

/**
 * The archive cache's view of one source: dist paths map to the source's URLs, and the `shasum`
 * (and package type) of a dist path is looked up in the package's metadata (cached, or fetched once
 * when a lock file asks for an archive before any metadata was seen).
 */
export function createArchiveUpstream(client: UpstreamClient, urls: ArchiveUrls, repository: UpstreamRepository): ArchiveUpstream {
  /** The version entry whose dist is `path`, with its dist. */
  const entryOf = async (path: string, packageName: string): Promise<{ entry: VersionEntry; dist: Record<string, unknown>; url: string } | undefined> => {
    for (const dev of [false, true]) {
      const source = await repository.package(packageName, dev);
      for (const entry of source?.versions() ?? []) {
        const dist = entry['dist'];
        if (typeof dist !== 'object' || dist === null || Array.isArray(dist)) continue;
        const { url } = dist as Record<string, unknown>;
        if (typeof url !== 'string' || urls.mapping.pathOf(url, entry, packageName) !== path) continue;
        return { entry, dist: dist as Record<string, unknown>, url };
      }
    }
    return undefined;
  };
  return {
    async open(path, packageName, requestId) {
      const url = urls.urlOf(path) ?? (await entryOf(path, packageName).then((found) => (found === undefined ? undefined : client.resolve(found.url))));
      if (url === undefined) throw new RepogateError('NOT_FOUND', `no version of ${packageName} in the upstream metadata has this archive`);
      return urls.open(client, url, requestId);
    },
    toPublic: (url, base) => urls.mapping.toPublic(url, base),
    async shasumOf(path, packageName) {
      const shasum = (await entryOf(path, packageName))?.dist['shasum'];
      return typeof shasum === 'string' && shasum !== '' ? shasum : undefined;
    },
    async typeOf(path, packageName) {
      const type = (await entryOf(path, packageName))?.entry['type'];
      return typeof type === 'string' ? type : undefined;
    },
  };
}

/** The default upstream's archives: its own paths, on its own origin. */
export function defaultArchiveUrls(mapping: DistMapping & { toUpstream(path: string): URL }): ArchiveUrls {
  return {
    mapping,
    urlOf: (path) => mapping.toUpstream(path),
    open: (client, url, requestId) => client.openStream(url, requestId),
  };
}

/** A registry source's archives: `/dists/<source>/…`, wherever the source's metadata says they are. */
export function sourceArchiveUrls(mapping: DistMapping & { upstreamUrlOf(path: string): URL | undefined }): ArchiveUrls {
  return {
    mapping,
    urlOf: (path) => mapping.upstreamUrlOf(path),
    open: (client, url, requestId) => client.openArchive(url, requestId),
  };
}

/**
 * One `ArchiveUpstream` for every source: a path under `/dists/<source>/` goes to that source's,
 * any other path to the default upstream's. A source that is gone answers NOT_FOUND.
 */
export function routeArchiveUpstreams(
  defaultUpstream: ArchiveUpstream,
  named: (source: string) => ArchiveUpstream | undefined,
  all: () => readonly ArchiveUpstream[],
): ArchiveUpstream {
  const of = (path: string): ArchiveUpstream => {
    const source = sourceOfArchivePath(path);
    if (source === 'default') return defaultUpstream;
    const upstream = named(source);
    if (upstream === undefined) throw new RepogateError('NOT_FOUND', `no source named ${source} is configured on this repogate`);
    return upstream;
  };
  return {
    open: async (path, packageName, requestId) => of(path).open(path, packageName, requestId),
    // A template names the repository it came from: whichever source that is, its URL becomes the base.
    toPublic: (url, base) => {
      for (const upstream of all()) {
        const found = upstream.toPublic(url, base);
        if (found !== undefined) return found;
      }
      return undefined;
    },
    shasumOf: async (path, packageName) => of(path).shasumOf(path, packageName),
    typeOf: async (path, packageName) => of(path).typeOf(path, packageName),
  };
}
