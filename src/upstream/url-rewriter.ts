import type { DistMapping } from './dist-mapping.js';
import type { UpstreamClient } from './upstream-client.js';

/**
 * Points URLs on the upstream host at repogate (keeping the path below the upstream's base path),
 * and maps repogate paths back to the upstream. URLs on other hosts are left alone.
 */
export class UrlRewriter implements DistMapping {
  readonly #upstream: UpstreamClient;
  readonly sourceReferences = 'rewrite';

  constructor(upstream: UpstreamClient) {
    this.#upstream = upstream;
  }

  get source(): string {
    return this.#upstream.source;
  }

  pathOf(url: string): string | undefined {
    return this.toPublic(url, '');
  }

  /** The rewritten URL, or undefined when `url` is not on the upstream (leave it alone). */
  toPublic(url: string, base: string): string | undefined {
    let parsed: URL;
    try {
      parsed = this.#upstream.resolve(url);
    } catch {
      return undefined;
    }
    if (!this.#upstream.isUpstreamUrl(parsed)) return undefined;
    return `${base}${parsed.pathname.slice(this.#upstream.basePath.length)}${parsed.search}`;
  }

  /** The upstream URL for a path repogate serves on its behalf (archives). */
  toUpstream(pathAndQuery: string): URL {
    return new URL(`${this.#upstream.baseUrl}${pathAndQuery}`);
  }
}
