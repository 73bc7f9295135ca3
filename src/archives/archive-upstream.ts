import type { UrlRewriter } from '../upstream/url-rewriter.js';
import type { UpstreamClient } from '../upstream/upstream-client.js';
import type { UpstreamRepository } from '../upstream/upstream-repository.js';
import type { ArchiveUpstream } from './archive-cache.js';

/**
 * The archive cache's view of the upstream: dist paths map to the upstream's URLs, and the
 * `shasum` a dist path should have is looked up in the package's metadata (cached, or fetched once
 * when a lock file asks for an archive before any metadata was seen).
 */
export function createArchiveUpstream(client: UpstreamClient, rewriter: UrlRewriter, repository: UpstreamRepository): ArchiveUpstream {
  return {
    client,
    toUpstream: (path) => rewriter.toUpstream(path),
    async shasumOf(path, packageName) {
      for (const dev of [false, true]) {
        const source = await repository.package(packageName, dev);
        for (const entry of source?.versions() ?? []) {
          const dist = entry['dist'];
          if (typeof dist !== 'object' || dist === null || Array.isArray(dist)) continue;
          const { url, shasum } = dist as Record<string, unknown>;
          if (typeof url !== 'string' || rewriter.toPublic(url, '') !== path) continue;
          return typeof shasum === 'string' && shasum !== '' ? shasum : undefined;
        }
      }
      return undefined;
    },
  };
}
