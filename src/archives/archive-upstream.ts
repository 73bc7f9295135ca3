import type { UrlRewriter } from '../upstream/url-rewriter.js';
import type { UpstreamClient } from '../upstream/upstream-client.js';
import type { UpstreamRepository } from '../upstream/upstream-repository.js';
import type { VersionEntry } from '../upstream/minified-metadata.js';
import type { ArchiveUpstream } from './archive-cache.js';

/**
 * The archive cache's view of the upstream: dist paths map to the upstream's URLs, and the
 * `shasum` (and package type) of a dist path is looked up in the package's metadata (cached, or
 * fetched once when a lock file asks for an archive before any metadata was seen).
 */
export function createArchiveUpstream(client: UpstreamClient, rewriter: UrlRewriter, repository: UpstreamRepository): ArchiveUpstream {
  /** The version entry whose dist is `path`, with its dist. */
  const entryOf = async (path: string, packageName: string): Promise<{ entry: VersionEntry; dist: Record<string, unknown> } | undefined> => {
    for (const dev of [false, true]) {
      const source = await repository.package(packageName, dev);
      for (const entry of source?.versions() ?? []) {
        const dist = entry['dist'];
        if (typeof dist !== 'object' || dist === null || Array.isArray(dist)) continue;
        const { url } = dist as Record<string, unknown>;
        if (typeof url !== 'string' || rewriter.toPublic(url, '') !== path) continue;
        return { entry, dist: dist as Record<string, unknown> };
      }
    }
    return undefined;
  };
  return {
    client,
    toUpstream: (path) => rewriter.toUpstream(path),
    toPublic: (url, base) => rewriter.toPublic(url, base),
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
