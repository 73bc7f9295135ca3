import type { Readable } from 'node:stream';
import { LRUCache } from 'lru-cache';
import { RepogateError } from '../errors.js';
import type { UpstreamStream } from '../upstream/upstream-client.js';
import { ArchiveFill } from './archive-fill.js';
import type { ArchiveRequest, ArchiveUpstream } from './archive-request.js';
import type { ArchiveStore } from './archive-store.js';

/**
 * Archives as the upstream answers them: a stream for a `200`, NOT_FOUND for a `404`/`410` (remembered
 * for a while, so that a missing path is not asked for again meanwhile), UPSTREAM_UNAVAILABLE for
 * anything else; and the temporary file a download is written to.
 */
export class UpstreamArchives {
  readonly #upstream: ArchiveUpstream;
  readonly #store: ArchiveStore;
  /** Archive paths the upstream answered 404 (or 410) for. */
  readonly #missing: LRUCache<string, true>;

  constructor(upstream: ArchiveUpstream, store: ArchiveStore, missingTtlMs: number) {
    this.#upstream = upstream;
    this.#store = store;
    this.#missing = new LRUCache<string, true>({ max: 10_000, ttl: missingTtlMs });
  }

  /** Throws NOT_FOUND when the upstream said so for `path` a short while ago. */
  checkNotMissing(path: string): void {
    if (this.#missing.has(path)) throw notFoundUpstream(path);
  }

  async open(request: ArchiveRequest): Promise<{ response: UpstreamStream; upstreamMs: number }> {
    const started = performance.now();
    const response = await this.#upstream.client.openStream(this.#upstream.toUpstream(request.path), request.requestId);
    const upstreamMs = performance.now() - started;
    if (response.status === 404 || response.status === 410) {
      discard(response.body);
      this.#missing.set(request.path, true);
      throw notFoundUpstream(request.path);
    }
    if (response.status !== 200) {
      discard(response.body);
      throw new RepogateError('UPSTREAM_UNAVAILABLE', `the upstream repository answered HTTP ${response.status} for this archive`);
    }
    return { response, upstreamMs };
  }

  /** A temporary file in the store for `response`'s bytes (the response is dropped when there is none). */
  async fillFor(response: UpstreamStream): Promise<ArchiveFill> {
    try {
      const { file, handle } = await this.#store.createTemp();
      return new ArchiveFill(file, handle);
    } catch (error) {
      discard(response.body);
      throw new RepogateError('INTERNAL', `cannot write to the archive cache directory: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
    }
  }
}

function notFoundUpstream(path: string): RepogateError {
  return new RepogateError('NOT_FOUND', `archive not found upstream: ${path}`);
}

/** Drops an upstream body we won't read (undici reports destroying an unread body as an error). */
function discard(body: Readable): void {
  body.on('error', () => undefined);
  body.destroy();
}
