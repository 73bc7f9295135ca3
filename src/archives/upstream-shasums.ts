import { LRUCache } from 'lru-cache';
import type { ArchiveRequest, ArchiveUpstream } from './archive-request.js';

/** Upstream shasums remembered from rendered metadata (the oldest dropped first). */
const maxLearned = 200_000;

/**
 * The `shasum` the upstream's metadata gives for each dist path, learned while metadata is
 * rendered, so that a download can be checked against it without fetching the metadata again.
 */
export class UpstreamShasums {
  readonly #upstream: ArchiveUpstream;
  // Grown as used (no `max`: lru-cache would allocate room for all of it at once).
  readonly #learned = new LRUCache<string, string>({ maxSize: maxLearned, sizeCalculation: () => 1 });

  constructor(upstream: ArchiveUpstream) {
    this.#upstream = upstream;
  }

  learn(path: string, shasum: string): void {
    this.#learned.set(path, shasum);
  }

  /** The lowercase shasum the download of `request` must have, when the metadata gives one. */
  async expected(request: ArchiveRequest): Promise<string | undefined> {
    const learned = this.#learned.get(request.path);
    if (learned !== undefined) return learned === '' ? undefined : learned.toLowerCase();
    try {
      const found = await this.#upstream.shasumOf(request.path, request.packageName);
      return found === undefined || found === '' ? undefined : found.toLowerCase();
    } catch {
      return undefined;
    }
  }
}
