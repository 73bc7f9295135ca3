import type { IncomingMessage } from 'node:http';
import type { Principal } from '../access/principal.js';
import type { DistTarget } from '../archives/dist-index.js';
import type { ArchiveBody } from '../archives/archive-body.js';
import { isRepogateError } from '../errors.js';
import { requestedRange } from '../http/byte-range.js';
import type { RequestFacts } from '../http/request-context.js';
import { errorAnswer, type Answer, type ComposerRequest } from './answer.js';
import type { ComposerDeps } from './composer-deps.js';
import { denialOptions } from './denials.js';
import { Tickets } from './tickets.js';

/**
 * The one decision for `GET`/`HEAD` of a dist path repogate rewrote (`/archives/<vendor>/<name>/…`
 * on repo.magento.com): checked against the key's entitlements by package on every request, then
 * answered by the archive cache (src/archives/archive-cache.ts) — the pinned bytes from disk, or
 * streamed from the upstream while they are pinned and stored. The query string is no part of an
 * archive's identity.
 *
 * - Warm (`GET` by a key allowed this package before, of a small archive pinned and stored): the
 *   bytes read at once, without a promise.
 * - Otherwise the credentials are checked (a package the key may not see: 403), the key's use
 *   recorded, and the archive opened; `archive.downloaded` is audited when it is answered.
 */
export class ArchiveAnswers {
  readonly #deps: ComposerDeps;
  readonly #tickets: Tickets;

  constructor(deps: ComposerDeps) {
    this.#deps = deps;
    this.#tickets = new Tickets(deps.usage, 'archive.downloaded');
  }

  answer(request: ComposerRequest, target: DistTarget): Answer | Promise<Answer> {
    const { req, path, address } = request;
    const { packageName, source } = target;
    if (req.method === 'GET') {
      const deps = this.#deps;
      const principal = deps.access.allowedPrincipal(req.headers.authorization, address, packageName);
      const hit = principal && readsSource(principal, source) && deps.archives.storedHit(path);
      if (principal && hit) {
        deps.usage.use(this.#tickets.of(principal, path, address, packageName, source, true).use);
        return archiveAnswer(req, hit.headers, hit.bytes, { key: principal, package: packageName, source, cache: 'hit' });
      }
    }
    return this.#general(request, target);
  }

  async #general(request: ComposerRequest, target: DistTarget): Promise<Answer> {
    const deps = this.#deps;
    const { path, address } = request;
    const { packageName, source } = target;
    const facts: RequestFacts = { package: packageName, source };
    const decision = await deps.access.checkAccess({ authorization: request.req.headers.authorization, address, packageName });
    if (!decision.ok) return errorAnswer(decision.code, decision.reason, facts, denialOptions(decision, 'archive'));
    const principal = decision.principal;
    facts.key = principal;
    // Another account's source: as if there were no such archive (its name tells nothing more).
    if (!readsSource(principal, source)) return errorAnswer('NOT_FOUND', `no such archive among your account's sources (${principal.sources.join(', ')})`, facts);
    // The key was allowed: that is a use, whatever the upstream says next.
    deps.usage.record(principal.publicKey, address);
    let archive;
    try {
      archive = await deps.archives.open({ path, packageName, requestId: request.requestId, base: request.base ?? '' });
    } catch (error) {
      if (isRepogateError(error)) return errorAnswer(error.code, error.message, facts);
      throw error;
    }
    facts.cache = archive.outcome;
    if (archive.upstreamMs !== undefined) facts.upstreamMs = archive.upstreamMs;
    deps.usage.use(this.#tickets.of(principal, path, address, packageName, source, true).use);
    return archiveAnswer(request.req, archive.headers, archive.body, facts);
  }
}

/**
 * The archive, whole (200) or the one range the request asks of it (206, RFC 9110 §14): ranges are
 * served of archives repogate holds (`Accept-Ranges: bytes`), so that a large download can resume
 * (`curl -C -`); a range past the end is a 416. Of an archive still coming from the upstream the
 * whole is sent.
 */
function archiveAnswer(req: IncomingMessage, headers: Readonly<Record<string, string | number>>, body: Buffer | ArchiveBody, facts: RequestFacts): Answer {
  const range = req.headers.range;
  if (range === undefined || headers['accept-ranges'] !== 'bytes') return { kind: 'archive', status: 200, headers, body, facts };
  const slice = Buffer.isBuffer(body) ? (start: number, end: number) => body.subarray(start, end + 1) : body.slice?.bind(body);
  const size = Number(headers['content-length']);
  const wanted = slice && Number.isSafeInteger(size) ? requestedRange(range, stringOf(req.headers['if-range']), size, { etag: stringOf(headers['etag']), lastModified: stringOf(headers['last-modified']) }) : undefined;
  if (wanted === undefined || slice === undefined) return { kind: 'archive', status: 200, headers, body, facts };
  if (wanted === 'unsatisfiable') {
    if (!Buffer.isBuffer(body)) body.discard();
    return errorAnswer('RANGE_NOT_SATISFIABLE', `the range ${range.slice(0, 100)} is outside this archive of ${size} bytes`, facts, { headers: ['Content-Range', `bytes */${size}`] });
  }
  const { start, end } = wanted;
  return {
    kind: 'archive',
    status: 206,
    headers: { ...headers, 'content-range': `bytes ${start}-${end}/${size}`, 'content-length': end - start + 1 },
    body: slice(start, end),
    facts,
  };
}

/** Whether the key's account reads `source` (an archive of another source is none of its business). */
function readsSource(principal: Principal, source: string): boolean {
  return principal.sources.includes(source);
}

function stringOf(value: string | number | string[] | undefined): string | undefined {
  return value === undefined ? undefined : String(value);
}
