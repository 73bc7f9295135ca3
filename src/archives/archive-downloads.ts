import { unlink } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { RepogateError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ArchiveFill } from './archive-fill.js';
import { noteDrift } from './archive-drift.js';
import { numberHeader, pinnedHeaders, upstreamHeaders } from './archive-headers.js';
import type { ArchiveOutcome, ArchiveRequest, ArchiveResponse } from './archive-request.js';
import type { ArchiveStore } from './archive-store.js';
import type { ArchivePin, PinStore } from './pin-store.js';
import type { UpstreamArchives } from './upstream-archives.js';
import type { UpstreamShasums } from './upstream-shasums.js';

export interface ArchiveDownloadsOptions {
  readonly store: ArchiveStore;
  readonly pins: PinStore;
  readonly source: UpstreamArchives;
  readonly shasums: UpstreamShasums;
  readonly logger: Logger;
}

interface Flight {
  readonly fill: ArchiveFill;
  readonly headers: Readonly<Record<string, string | number>>;
  readonly upstreamMs: number;
}

/**
 * The upstream downloads of archive paths, one per path at a time, written to a temporary file that
 * every client asking meanwhile follows (the first client is not held back).
 *
 * - Not pinned: complete, of the announced size and matching the metadata's `shasum` (when it gives
 *   one), the bytes are stored (disk cache on) and pinned.
 * - Pinned, bytes not stored: downloaded whole and served only if they match the pin; other bytes
 *   are a drift, recorded, and the answer is ARCHIVE_DRIFT (409).
 */
export class ArchiveDownloads {
  readonly #store: ArchiveStore;
  readonly #pins: PinStore;
  readonly #source: UpstreamArchives;
  readonly #shasums: UpstreamShasums;
  readonly #logger: Logger;
  readonly #flights = new Map<string, Promise<Flight>>();
  /** Downloads still being completed (pinned, stored) after their clients got the headers. */
  readonly #finishing = new Set<Promise<void>>();

  constructor(options: ArchiveDownloadsOptions) {
    this.#store = options.store;
    this.#pins = options.pins;
    this.#source = options.source;
    this.#shasums = options.shasums;
    this.#logger = options.logger;
  }

  /** Downloads in progress. */
  get size(): number {
    return this.#flights.size;
  }

  /** Resolves when every download has been completed (pinned and stored, or given up). */
  async idle(): Promise<void> {
    while (this.#flights.size > 0 || this.#finishing.size > 0) {
      await Promise.allSettled([...this.#flights.values(), ...this.#finishing]);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  /**
   * The upstream's bytes for `request.path`, following the download in progress or starting one
   * (checked against `pin` when there is one). Undefined when the download finished and let go of
   * its file before this client could attach: the caller looks at the store again.
   */
  async open(request: ArchiveRequest, pin: ArchivePin | undefined): Promise<ArchiveResponse | undefined> {
    let outcome: ArchiveOutcome = 'join';
    let flight = this.#flights.get(request.path);
    if (!flight) {
      outcome = pin ? 'verified' : 'miss';
      flight = pin ? this.#verify(request, pin) : this.#download(request);
    }
    const { fill, headers, upstreamMs } = await flight;
    const body = fill.body();
    if (!body) return undefined;
    return { outcome, headers, body, ...(outcome === 'join' ? {} : { upstreamMs }) };
  }

  /** Starts the one download of an unpinned path; clients follow it while it runs. */
  #download(request: ArchiveRequest): Promise<Flight> {
    const flight = (async (): Promise<Flight> => {
      const expected = this.#shasums.expected(request);
      const { response, upstreamMs } = await this.#source.open(request);
      const fill = await this.#source.fillFor(response);
      const contentLength = numberHeader(response.headers['content-length']);
      const finishing = this.#finishDownload(request, fill, response.body, expected, contentLength);
      this.#finishing.add(finishing);
      void finishing.finally(() => this.#finishing.delete(finishing));
      return { fill, headers: upstreamHeaders(response), upstreamMs };
    })();
    this.#track(request.path, flight);
    return flight;
  }

  async #finishDownload(
    request: ArchiveRequest,
    fill: ArchiveFill,
    body: Readable,
    expected: Promise<string | undefined>,
    contentLength: number | undefined,
  ): Promise<void> {
    const { path, packageName } = request;
    let kept = false;
    let failed = false;
    try {
      await fill.run(body);
      const result = await fill.done;
      if (contentLength !== undefined && result.size !== contentLength) {
        this.#logger.warn({ path, size: result.size, contentLength }, 'archive shorter or longer than announced; not pinned or cached');
        return;
      }
      const shasum = await expected;
      if (shasum !== undefined && shasum !== result.sha1) {
        this.#logger.warn(
          { path, package: packageName, sha1: result.sha1, metadataShasum: shasum },
          'archive bytes do not match the shasum in the upstream metadata; not pinned or cached',
        );
        return;
      }
      // With the disk cache on, a pin stands for bytes repogate holds: what it could not store (too
      // large, a full disk) is not pinned. Off, pins alone keep the upstream's later bytes out.
      if (this.#store.enabled) {
        kept = await this.#store.commit(fill.file, result.sha1, result.size);
        if (!kept) return;
      }
      const held = await this.#pins.pin({ path, packageName, sha1: result.sha1, size: result.size });
      if (held.sha1 !== result.sha1) noteDrift(this.#pins, this.#logger, held, result.sha1, 'download');
    } catch (error) {
      // A failed download is not to be followed: the next request starts a new one.
      this.#flights.delete(path);
      failed = true;
      this.#logger.warn({ path, err: error instanceof Error ? error.message : String(error) }, 'archive download failed; not pinned or cached');
    } finally {
      if (!kept) await unlink(fill.file).catch(() => undefined);
      if (!failed) {
        // Let clients that are about to follow this download attach their readers first.
        await new Promise((resolve) => setImmediate(resolve));
        this.#flights.delete(path);
      }
      await fill.release();
    }
  }

  /** Downloads a pinned path whose bytes are not stored, whole, and serves it only if it matches the pin. */
  #verify(request: ArchiveRequest, pin: ArchivePin): Promise<Flight> {
    const flight = (async (): Promise<Flight> => {
      const { response, upstreamMs } = await this.#source.open(request);
      const fill = await this.#source.fillFor(response);
      let kept = false;
      try {
        await fill.run(response.body);
        const result = await fill.done;
        if (result.sha1 !== pin.sha1 || result.size !== pin.size) {
          noteDrift(this.#pins, this.#logger, pin, result.sha1, 'download');
          throw new RepogateError(
            'ARCHIVE_DRIFT',
            `the upstream now serves different bytes for ${request.path} (sha1 ${result.sha1}) than repogate pinned (sha1 ${pin.sha1}), and the pinned bytes are no longer cached; the operator can see this with "repogate cache drift"`,
          );
        }
        kept = await this.#store.commit(fill.file, result.sha1, result.size);
        // Readers use the open file handle: without the cache, the file can go now.
        return { fill, headers: pinnedHeaders(request.path, pin), upstreamMs };
      } catch (error) {
        await fill.release();
        throw error;
      } finally {
        if (!kept) await unlink(fill.file).catch(() => undefined);
      }
    })();
    this.#track(request.path, flight, (settled) => {
      // Let the clients that waited for this download attach their readers first.
      setImmediate(() => {
        this.#flights.delete(request.path);
        if (settled) void settled.fill.release();
      });
    });
    return flight;
  }

  #track(path: string, flight: Promise<Flight>, onVerified?: (settled: Flight | undefined) => void): void {
    this.#flights.set(path, flight);
    flight.then(
      (settled) => onVerified?.(settled),
      () => {
        if (onVerified) onVerified(undefined);
        else this.#flights.delete(path);
      },
    );
  }
}
