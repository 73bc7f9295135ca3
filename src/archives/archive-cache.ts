import { createHash } from 'node:crypto';
import { Writable } from 'node:stream';
import { RepogateError } from '../errors.js';
import type { Logger } from '../logger.js';
import { bytesBody, fileBody, type ArchiveBody } from './archive-body.js';
import { ArchiveDownloads } from './archive-downloads.js';
import { noteDrift } from './archive-drift.js';
import { contentTypeOf, pinnedHeaders } from './archive-headers.js';
import type { ArchiveRequest, ArchiveResponse, ArchiveUpstream } from './archive-request.js';
export type { ArchiveOutcome, ArchiveRequest, ArchiveResponse, ArchiveUpstream } from './archive-request.js';
import type { ArchiveStore, ArchiveStoreStats } from './archive-store.js';
import type { PinStore } from './pin-store.js';
import { isProjectArchive, maxInspectedBytes, maxTemplateBytes, ProjectTemplates } from './project-templates.js';
import { UpstreamArchives } from './upstream-archives.js';
import { UpstreamShasums } from './upstream-shasums.js';

export interface ArchiveCacheOptions {
  readonly store: ArchiveStore;
  readonly pins: PinStore;
  readonly upstream: ArchiveUpstream;
  readonly logger: Logger;
  /** How long an upstream 404 for an archive path is remembered (REPOGATE_NEGATIVE_TTL). */
  readonly missingTtlMs?: number;
}

/**
 * Archives, pinned and cached. The first bytes served for a dist path are pinned (sha1 and size, in
 * the registry database) and, when the disk cache is on, kept in the content-addressed store; from
 * then on the path answers those bytes. The metadata repogate serves carries the pinned sha1 (see
 * {@link ArchiveCache.shasumFor}).
 *
 * - Pinned and stored: served from disk; the upstream is not asked.
 * - Otherwise: the upstream's bytes, one download per path at a time (see {@link ArchiveDownloads}):
 *   pinned and stored when they check out; for a pinned path whose bytes are gone, served only when
 *   they match the pin (else ARCHIVE_DRIFT, 409), never silently different content.
 */
export class ArchiveCache {
  readonly #store: ArchiveStore;
  readonly #pins: PinStore;
  readonly #logger: Logger;
  readonly #shasums: UpstreamShasums;
  readonly #source: UpstreamArchives;
  readonly #downloads: ArchiveDownloads;
  readonly #templates: ProjectTemplates;

  constructor(options: ArchiveCacheOptions) {
    this.#store = options.store;
    this.#pins = options.pins;
    this.#logger = options.logger;
    this.#shasums = new UpstreamShasums(options.upstream);
    this.#source = new UpstreamArchives(options.upstream, options.store, options.missingTtlMs ?? 60_000, options.logger);
    this.#templates = new ProjectTemplates(options.upstream);
    this.#downloads = new ArchiveDownloads({ store: this.#store, pins: this.#pins, source: this.#source, shasums: this.#shasums, logger: this.#logger });
  }

  get pins(): PinStore {
    return this.#pins;
  }

  get store(): ArchiveStore {
    return this.#store;
  }

  /** Downloads in progress. */
  get inFlight(): number {
    return this.#downloads.size;
  }

  stats(): ArchiveStoreStats & { readonly downloads: number; readonly driftsSeen: number } {
    return { ...this.#store.stats(), downloads: this.#downloads.size, driftsSeen: this.#pins.driftsSeen };
  }

  /** Resolves when every download has been completed (pinned and stored, or given up). */
  async idle(): Promise<void> {
    await this.#downloads.idle();
  }

  /** Changes whenever a pin of `packageName` changes: part of the memo key of its rendered metadata. */
  pinRevision(packageName: string): number {
    return this.#pins.revisionOf(packageName);
  }

  /**
   * The `shasum` to serve for a dist path in metadata: the pinned sha1 when the path is pinned (a
   * different upstream `shasum` is a drift, recorded and logged), else the upstream's.
   */
  shasumFor(path: string, packageName: string, upstreamShasum: string | undefined): string | undefined {
    if (upstreamShasum !== undefined) this.#shasums.learn(path, upstreamShasum);
    const pin = this.#pins.get(path);
    if (!pin) return upstreamShasum;
    if (upstreamShasum !== undefined && upstreamShasum !== '' && upstreamShasum.toLowerCase() !== pin.sha1) {
      noteDrift(this.#pins, this.#logger, pin, upstreamShasum.toLowerCase(), 'metadata');
    }
    return pin.sha1;
  }

  /**
   * The `shasum` to serve through `base` for the dist of a project template (see
   * project-templates.ts): the sha1 of the variant naming `base`, once the upstream's bytes are
   * pinned and at hand; '' before (Composer then checks no sha1), never the upstream's, which the
   * variant doesn't match.
   */
  templateShasumFor(path: string, packageName: string, upstreamShasum: string | undefined, base: string): string {
    this.shasumFor(path, packageName, upstreamShasum);
    this.#templates.learn(path);
    const pin = this.#pins.get(path);
    if (!pin) return '';
    return this.#templates.sha1For(pin.sha1, base, () => this.#store.readSmall(pin.sha1, pin.size)) ?? '';
  }

  /**
   * A small stored archive for `path`, when it is pinned in memory and its bytes are in the store:
   * its headers (as `open` gives them for a hit) and bytes, read synchronously and marked used.
   * Undefined when `open` must answer (not pinned in this process, not stored, larger than 256 KiB,
   * a project template).
   */
  storedHit(path: string): { readonly headers: Record<string, string | number>; readonly bytes: Buffer } | undefined {
    const pin = this.#pins.get(path);
    if (!pin || this.#templates.has(path)) return undefined;
    const bytes = this.#store.readSmall(pin.sha1, pin.size);
    return bytes && { headers: pinnedHeaders(path, pin), bytes };
  }

  /**
   * The archive at `path`. Throws RepogateError: NOT_FOUND (upstream 404/410), UPSTREAM_* (upstream
   * failures), ARCHIVE_DRIFT (pinned bytes gone, upstream bytes different), BAD_REQUEST (a template
   * asked for without a usable public base). A project template asked for through a public base is
   * its variant naming that base.
   */
  async open(request: ArchiveRequest): Promise<ArchiveResponse> {
    this.#source.checkNotMissing(request.path);
    const { base, path } = request;
    const known = base === undefined ? false : this.#templates.known(path);
    const archive = await this.#openUpstreamBytes(request);
    if (base === undefined || known === false) return archive;
    if (known === true) return this.#template(request, archive, await readAll(archive.body), base);
    // Not known in this process: the archive's own composer.json says, when its bytes are held and
    // small (no upstream request for a hit); else the package's metadata, which a download has just
    // consulted for its shasum.
    if (archive.outcome === 'hit' || archive.outcome === 'verified') {
      if (!(Number(archive.headers['content-length']) <= maxInspectedBytes)) {
        this.#templates.remember(path, false);
        return archive;
      }
      const bytes = await readAll(archive.body);
      if (bytes === undefined) throw new RepogateError('INTERNAL', `${path} is larger than its pin says`);
      const template = isProjectArchive(bytes);
      this.#templates.remember(path, template);
      return template ? this.#template(request, archive, bytes, base) : { ...archive, body: bytesBody(bytes) };
    }
    if (!(await this.#templates.isTemplate(path, request.packageName))) return archive;
    return this.#template(request, archive, await readAll(archive.body), base);
  }

  /** The template's variant for `base`, made from the upstream's (pinned) `bytes`. */
  #template(request: ArchiveRequest, archive: ArchiveResponse, bytes: Buffer | undefined, base: string): ArchiveResponse {
    if (base === '') throw new RepogateError('BAD_REQUEST', 'missing or invalid Host header: a project template names the URL it was fetched through');
    if (bytes === undefined) {
      this.#logger.warn({ path: request.path, maxTemplateBytes }, 'project template too large to point at repogate; refused');
      throw new RepogateError('UPSTREAM_INVALID', `the project template ${request.path} is larger than ${maxTemplateBytes} bytes, too large for repogate to point its repositories at itself`);
    }
    const variant = this.#templates.variant(bytes, createHash('sha1').update(bytes).digest('hex'), base);
    const headers = { 'content-type': contentTypeOf(request.path), 'content-length': variant.bytes.length, etag: `"${variant.sha1}"`, 'accept-ranges': 'bytes' };
    return { outcome: archive.outcome, headers, body: bytesBody(variant.bytes), ...(archive.upstreamMs === undefined ? {} : { upstreamMs: archive.upstreamMs }) };
  }

  async #openUpstreamBytes(request: ArchiveRequest): Promise<ArchiveResponse> {
    for (let attempt = 0; ; attempt++) {
      const pin = await this.#pins.lookup(request.path);
      if (pin) {
        const stored = await this.#store.openArchive(pin.sha1, pin.size);
        if (stored) {
          const body = 'bytes' in stored ? bytesBody(stored.bytes) : fileBody(stored.handle, stored.size);
          return { outcome: 'hit', headers: pinnedHeaders(request.path, pin), body };
        }
      }
      const answer = await this.#downloads.open(request, pin);
      // The download finished and let go of its file between our lookup and now: look again.
      if (answer) return answer;
      if (attempt >= 2) throw new RepogateError('INTERNAL', `the download of ${request.path} ended before it could be read`);
    }
  }
}

/** Every byte of `body`, in memory; undefined (the body let go) past {@link maxTemplateBytes}. */
async function readAll(body: ArchiveBody): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      size += chunk.length;
      if (size > maxTemplateBytes) {
        callback(new Error('too large'));
        return;
      }
      // copyTo reuses its chunks once written: keep copies.
      chunks.push(Buffer.from(chunk));
      callback();
    },
  });
  try {
    await body.copyTo(sink);
  } catch (error) {
    if (size > maxTemplateBytes) return undefined;
    throw error;
  }
  return Buffer.concat(chunks);
}
