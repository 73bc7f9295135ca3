import type { Readable } from 'node:stream';
import { LRUCache } from 'lru-cache';
import { isRepogateError, RepogateError } from '../errors.js';
import type { Logger } from '../logger.js';
import { notEntitledCause, type UpstreamStream } from '../upstream/upstream-client.js';
import { ArchiveFill } from './archive-fill.js';
import type { ArchiveRequest, ArchiveUpstream } from './archive-request.js';
import type { ArchiveStore } from './archive-store.js';

/**
 * Archives as the upstream answers them: a stream for a `200`; NOT_FOUND for a `404`/`410` and
 * UPSTREAM_NOT_ENTITLED for a refusal of this one archive (both 404s to clients, logged as a warning
 * naming the package, and remembered for a while, so that the path is not asked for again meanwhile);
 * UPSTREAM_UNAVAILABLE for anything else; and the temporary file a download is written to.
 */
export class UpstreamArchives {
  readonly #upstream: ArchiveUpstream;
  readonly #store: ArchiveStore;
  readonly #logger: Logger;
  /** Archive paths the upstream answered 404 (or 410) for, or refused: what clients were told. */
  readonly #missing: LRUCache<string, MissingArchive>;

  constructor(upstream: ArchiveUpstream, store: ArchiveStore, missingTtlMs: number, logger: Logger) {
    this.#upstream = upstream;
    this.#store = store;
    this.#logger = logger;
    this.#missing = new LRUCache<string, MissingArchive>({ max: 10_000, ttl: missingTtlMs });
  }

  /** Throws NOT_FOUND (or UPSTREAM_NOT_ENTITLED) when the upstream said so for `path` a short while ago. */
  checkNotMissing(path: string): void {
    const missing = this.#missing.get(path);
    if (missing) throw new RepogateError(missing.code, missing.message);
  }

  async open(request: ArchiveRequest): Promise<{ response: UpstreamStream; upstreamMs: number }> {
    const started = performance.now();
    let response: UpstreamStream;
    try {
      response = await this.#upstream.open(request.path, request.packageName, request.requestId);
    } catch (error) {
      if (isRepogateError(error) && error.code === 'UPSTREAM_NOT_ENTITLED') this.#remember(request, { code: error.code, message: error.message });
      throw error;
    }
    const upstreamMs = performance.now() - started;
    if (response.status === 404 || response.status === 410) {
      discard(response.body);
      const missing: MissingArchive = { code: 'NOT_FOUND', message: `the upstream repository has no such archive (HTTP ${response.status}): ${notEntitledCause}` };
      this.#remember(request, missing);
      throw new RepogateError(missing.code, missing.message);
    }
    if (response.status !== 200) {
      discard(response.body);
      throw new RepogateError('UPSTREAM_UNAVAILABLE', `the upstream repository answered HTTP ${response.status} for this archive`);
    }
    return { response, upstreamMs };
  }

  /** Remembers that the upstream refuses or lacks `request`'s archive, and tells the operator which package. */
  #remember(request: ArchiveRequest, missing: MissingArchive): void {
    this.#missing.set(request.path, missing);
    this.#logger.warn(
      { package: request.packageName, path: request.path, code: missing.code },
      `the upstream repository refused or lacks an archive of ${request.packageName}: ${notEntitledCause}`,
    );
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

interface MissingArchive {
  readonly code: 'NOT_FOUND' | 'UPSTREAM_NOT_ENTITLED';
  readonly message: string;
}

/** Drops an upstream body we won't read (undici reports destroying an unread body as an error). */
function discard(body: Readable): void {
  body.on('error', () => undefined);
  body.destroy();
}
