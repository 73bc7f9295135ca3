import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Denial } from '../access/access-control.js';
import type { Principal } from '../access/principal.js';
import type { RecurringUse, UsageRecorder } from '../access/usage-recorder.js';
import { errorCodes, isRepogateError, type ErrorCode } from '../errors.js';
import { isValidPackageName } from '../registry/rules.js';
import type { CacheOutcome } from '../cache/document-cache.js';
import type { PackageSource } from '../upstream/upstream-repository.js';
import { challengeCodes, notModified } from '../http/responses.js';
import { ReusedHead } from '../http/reused-head.js';
import { accessLogFields, requestIdFor, RouteCounter } from '../http/request-context.js';
import type { CounterSeries } from '../metrics/bound-metrics.js';
import { AccessLogLines } from './access-log-lines.js';
import { hostPattern } from './public-base.js';
import type { ComposerDeps } from './composer-deps.js';
import { packageRenderKey, renderPackage } from './render-metadata.js';
import type { Rendered } from './rendered.js';

// The rules of public-base.ts, request-context.ts and responses.ts (imported): this file answers the
// requests those serve through express, byte for byte, without express.
const metadataPathPattern = /^\/p2\/([^/]+)\/([^/]+?)(~dev)?\.json$/;

interface Target {
  readonly name: string;
  readonly dev: boolean;
}

const noFacts = (): Facts => ({ key: undefined, package: undefined, cache: undefined, upstreamMs: undefined, error: undefined });

/** What the access log line says about the request. */
interface Facts {
  /** The key that asked. */
  key: Principal | undefined;
  package: string | undefined;
  cache: string | undefined;
  upstreamMs: number | undefined;
  error: ErrorCode | undefined;
}

/**
 * The hot path in front of express: `GET`/`HEAD /p2/<vendor>/<name>.json` (and `~dev.json`), the
 * request Composer sends most, answered with plain node:http — a credential check against the
 * in-memory cache, the memoised rendering, one write. Status codes, headers, 304s, error bodies, the
 * access log line and the metrics are those of the express route (metadata-routes.ts); every other
 * request (and any p2 request with a query string or an escaped character) goes to `fallback`.
 */
export function withFastMetadata(deps: ComposerDeps, fallback: RequestListener, options: FastMetadataOptions): FastMetadata {
  const log = new AnsweredRequests(options.lines ?? new AccessLogLines(deps.logger), deps.metrics && new RouteCounter(deps.metrics, 'composer', 'p2'));
  const memoryHits = deps.metrics?.cacheLookups.child({ tier: 'memory', outcome: 'hit' });
  const hot = new HotRenderings(options.metadataTtlMs);
  const tickets = new Tickets(deps.usage);
  const targets = new Map<string, Target | null>();
  const bases = new Map<string, string | undefined>();

  const targetOf = (url: string): Target | null => {
    let target = targets.get(url);
    if (target !== undefined) return target;
    const match = metadataPathPattern.exec(url);
    const name = match ? `${match[1]}/${match[2]}` : '';
    target = match && isValidPackageName(name) ? { name, dev: match[3] !== undefined } : null;
    if (targets.size > 50_000) targets.clear();
    targets.set(url, target);
    return target;
  };

  const baseOf = (req: IncomingMessage): string | undefined => {
    if (deps.publicUrl !== undefined) return deps.publicUrl;
    const host = req.headers.host;
    if (host === undefined) return undefined;
    const encrypted = (req.socket as TLSSocket).encrypted === true;
    const key = encrypted ? `s${host}` : host;
    if (bases.has(key)) return bases.get(key);
    const base = host.length > 255 || !hostPattern.test(host) ? undefined : `${encrypted ? 'https' : 'http'}://${host}`;
    if (bases.size > 1000) bases.clear();
    bases.set(key, base);
    return base;
  };

  /**
   * The rendering `serve` would find, when the last one has lapsed (it is kept for a second) but
   * everything it is made from is fresh in this process's memory: found and rendered (or taken from
   * the render memo) without a promise. A CI install asks for each package once, seconds after the
   * last install did.
   */
  const fromMemory = (base: string, url: string, target: Target, pinRevision: number): WarmRendering | undefined => {
    const source = deps.repository.peekPackage(target.name, target.dev);
    if (source === undefined) return undefined;
    const rendered = deps.renders.get(packageRenderKey(source, base, deps.archives), () => renderPackage(source, base, deps.rewriter, deps.dists, deps.archives));
    return hot.set(base, url, { rendered, outcome: source.outcome, upstreamMs: 0, staleConfirmedAt: undefined }, source, pinRevision);
  };

  const listener: RequestListener = (req, res) => {
    const url = req.url ?? '';
    const method = req.method;
    if ((method !== 'GET' && method !== 'HEAD') || !url.startsWith('/p2/') || url.includes('?') || url.includes('%')) {
      fallback(req, res);
      return;
    }
    const target = targetOf(url);
    if (target === null) {
      fallback(req, res);
      return;
    }
    const base = baseOf(req);
    if (base !== undefined) {
      // Warm: a request this key was allowed before, for a rendering still fresh — answered at once,
      // without a promise.
      const address = req.socket.remoteAddress ?? 'unknown';
      const principal = deps.access.allowedPrincipal(req.headers.authorization, address, target.name);
      const pinRevision = principal && deps.archives.pinRevision(target.name);
      const found = pinRevision !== undefined && (hot.get(base, url, pinRevision) ?? fromMemory(base, url, target, pinRevision));
      if (principal && found) {
        const started = performance.now();
        const requestId = requestIdFor(req);
        memoryHits?.inc();
        const ticket = tickets.of(principal, url, address, target);
        deps.usage.use(ticket.use);
        sendWarm(req, res, requestId, found);
        log.warm(req, res, url, requestId, started, principal, target, ticket);
        return;
      }
    }
    void serve({ log, hot, tickets, memoryHits }, deps, req, res, url, target, base);
  };
  return { listener, flush: () => log.flush() };
}

export interface FastMetadata {
  /** The composer listener's request handler. */
  readonly listener: RequestListener;
  /** Writes the access-log lines and metrics of requests answered so far (on shutdown). */
  flush(): void;
}

export interface FastMetadataOptions {
  /** REPOGATE_METADATA_TTL_SECONDS in ms: how long a package's metadata counts as fresh. */
  readonly metadataTtlMs: number;
  /** Where the access-log lines go, when shared with another lane (else its own, on the logger). */
  readonly lines?: AccessLogLines;
}

/** A rendering ready to send, with what the access log says about how it was obtained. */
interface HotRendering {
  readonly rendered: Rendered;
  readonly outcome: CacheOutcome;
  readonly upstreamMs: number;
  readonly staleConfirmedAt: number | undefined;
}

/** A rendering in `HotRenderings`: fresh, and the heads of its answers, made on first use. */
interface WarmRendering extends HotRendering {
  /** The `200` without gzip. */
  plain: WarmAnswer | undefined;
  /** The `200` with gzip. */
  gzip: WarmAnswer | undefined;
}

/** How a warm `200` of one rendering is answered. */
interface WarmAnswer {
  /** Its headers, for `writeHead` (`X-Request-Id`'s value second, filled in per request). */
  readonly headers: string[];
  /**
   * The head node:http wrote for them, reused on persistent connections: undefined until one is
   * captured, null when node's head can't be reused.
   */
  head: ReusedHead | null | undefined;
}

/** Renderings of fresh metadata are reused for at most this long before the caches are asked again. */
const hotReuseMs = 1000;

/**
 * The last rendering of each metadata URL (per public base), reused while the upstream document is
 * fresh and no pin of the package changed, for at most a second: a warm request then skips the
 * cache tiers, the layout adapter and the render memo. Served from it, a request counts as a
 * memory hit (the outcome it would have had).
 */
class HotRenderings {
  readonly #ttlMs: number;
  /** Public base → metadata path → rendering. */
  readonly #entries = new Map<string, Map<string, { hit: WarmRendering; until: number; pinRevision: number }>>();

  constructor(ttlMs: number) {
    this.#ttlMs = ttlMs;
  }

  get(base: string, path: string, pinRevision: number): WarmRendering | undefined {
    const entries = this.#entries.get(base);
    const entry = entries?.get(path);
    if (entries === undefined || entry === undefined) return undefined;
    if (entry.until <= Date.now() || entry.pinRevision !== pinRevision) {
      entries.delete(path);
      return undefined;
    }
    return entry.hit;
  }

  /** Keeps `value` while `source` is fresh (at most a second); returns the rendering kept, if any. */
  set(base: string, path: string, value: HotRendering, source: PackageSource, pinRevision: number): WarmRendering | undefined {
    if (value.outcome === 'stale') return undefined;
    const until = Math.min(source.confirmedAt + this.#ttlMs, Date.now() + hotReuseMs);
    if (until <= Date.now()) return undefined;
    let entries = this.#entries.get(base);
    if (entries === undefined || entries.size >= 20_000) {
      if (this.#entries.size >= 100) this.#entries.clear();
      entries = new Map();
      this.#entries.set(base, entries);
    }
    const hit: WarmRendering = { rendered: value.rendered, outcome: 'hit', upstreamMs: 0, staleConfirmedAt: undefined, plain: undefined, gzip: undefined };
    entries.set(path, { hit, until, pinRevision });
    return hit;
  }
}

/** What the warm lane keeps about a key's requests for one metadata path from one address. */
interface Ticket {
  readonly address: string;
  /** The key's use and the audit event, counted without building the event each time. */
  readonly use: RecurringUse;
  /** The access-log line's end (`tailOf`), made on first use. */
  tail: Buffer | undefined;
  /** The line's part from the method to `"ms":` (`middleOf`), for `GET` answered `200` and `304`. */
  middle200: Buffer | undefined;
  middle304: Buffer | undefined;
}

/** Tickets by key (the principal object, replaced whenever the registry changes) and path. */
class Tickets {
  readonly #usage: UsageRecorder;
  readonly #byKey = new WeakMap<Principal, Map<string, Ticket>>();

  constructor(usage: UsageRecorder) {
    this.#usage = usage;
  }

  of(principal: Principal, path: string, address: string, target: Target): Ticket {
    let byPath = this.#byKey.get(principal);
    if (byPath === undefined) this.#byKey.set(principal, (byPath = new Map()));
    let ticket = byPath.get(path);
    if (ticket === undefined || ticket.address !== address) {
      if (byPath.size >= 10_000) byPath.clear();
      const use = this.#usage.recurring({
        publicKey: principal.publicKey,
        accountId: principal.accountId,
        action: 'metadata.fetched',
        package: target.dev ? `${target.name}~dev` : target.name,
        address,
      });
      ticket = { address, use, tail: undefined, middle200: undefined, middle304: undefined };
      byPath.set(path, ticket);
    }
    return ticket;
  }
}

/** What the access log says about a warm answer. */
function warmFacts(principal: Principal, target: Target): Facts {
  return { key: principal, package: target.name, cache: 'hit', upstreamMs: 0, error: undefined };
}

/** A request answered, to be written down: the access log line and the request metrics. */
interface Answered {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly path: string;
  readonly requestId: string;
  readonly started: number;
  readonly facts: Facts;
}

/**
 * Writes down answered requests (access log line, request metrics) as soon as their response has
 * been handed to the socket — which, for metadata, is usually before `res.end()` returns: no
 * listener, no deferred work. A response still being sent (a slow client) is written down when it
 * closes, with the time to its last byte, and marked aborted when it did not finish.
 */
class AnsweredRequests {
  readonly #lines: AccessLogLines;
  readonly #counter: RouteCounter | undefined;

  constructor(lines: AccessLogLines, counter: RouteCounter | undefined) {
    this.#lines = lines;
    this.#counter = counter;
  }

  /** Call once the response has been written (or destroyed). */
  add(req: IncomingMessage, res: ServerResponse, path: string, requestId: string, started: number, facts: Facts): void {
    const answered: Answered = { req, res, path, requestId, started, facts };
    if (res.writableFinished || res.closed) this.#write(answered, performance.now() - started);
    else res.once('close', () => this.#write(answered, performance.now() - started));
  }

  /**
   * A warm answer (`sendWarm`): the line's parts kept on the ticket. A response not yet finished,
   * or a logger that can't be written to directly, takes the general way.
   */
  warm(req: IncomingMessage, res: ServerResponse, path: string, requestId: string, started: number, principal: Principal, target: Target, ticket: Ticket): void {
    if (!res.writableFinished) {
      this.add(req, res, path, requestId, started, warmFacts(principal, target));
      return;
    }
    const ms = performance.now() - started;
    const status = res.statusCode;
    this.#counter?.count(status, ms, undefined);
    if (!this.#lines.direct) {
      if (this.#lines.enabled) this.#lines.write(accessLogFields(requestId, req, res, path, ms, warmFacts(principal, target), undefined));
      return;
    }
    let tail = ticket.tail;
    if (tail === undefined) {
      const line = accessLogFields(requestId, req, res, path, ms, warmFacts(principal, target), undefined);
      tail = this.#lines.tailOf(line);
      if (line.address === ticket.address) ticket.tail = tail;
    }
    let middle: Buffer;
    if (req.method !== 'GET' || (status !== 200 && status !== 304)) middle = this.#lines.middleOf(req.method, path, status);
    else if (status === 200) middle = ticket.middle200 ??= this.#lines.middleOf('GET', path, 200);
    else middle = ticket.middle304 ??= this.#lines.middleOf('GET', path, 304);
    this.#lines.writeParts(requestId, middle, ms, tail);
  }

  /** Writes the access-log lines still queued (on shutdown, once the listener has closed). */
  flush(): void {
    this.#lines.flush();
  }

  #write(a: Answered, ms: number): void {
    const { facts } = a;
    this.#counter?.count(a.res.statusCode, ms, facts.error);
    if (!this.#lines.enabled) return;
    this.#lines.write(accessLogFields(a.requestId, a.req, a.res, a.path, ms, facts, facts.error));
  }
}

interface Lane {
  readonly log: AnsweredRequests;
  readonly hot: HotRenderings;
  readonly tickets: Tickets;
  /** `repogate_cache_lookups_total{tier="memory",outcome="hit"}` */
  readonly memoryHits: CounterSeries | undefined;
}

/** A request the warm lane could not answer: the credential check or the metadata may need I/O. */
async function serve(lane: Lane, deps: ComposerDeps, req: IncomingMessage, res: ServerResponse, path: string, target: Target, base: string | undefined): Promise<void> {
  const started = performance.now();
  const requestId = requestIdFor(req);
  // Headers go out in one writeHead (as a flat list, in the express route's order): X-Request-Id first.
  const headers: string[] = ['X-Request-Id', requestId];
  const facts = noFacts();
  try {
    if (base === undefined) return sendError(res, headers, facts, 'BAD_REQUEST', 'missing or invalid Host header');
    const { name, dev } = target;
    facts.package = name;
    const address = req.socket.remoteAddress ?? 'unknown';
    const decision = await deps.access.checkAccess({ authorization: req.headers.authorization, address, packageName: name });
    if (!decision.ok) return sendDenial(res, headers, facts, decision);
    const principal = decision.principal;
    facts.key = principal;
    let found: HotRendering | undefined = lane.hot.get(base, path, deps.archives.pinRevision(name));
    if (found) {
      lane.memoryHits?.inc();
    } else {
      const source = await deps.repository.package(name, dev, requestId);
      if (!source) return sendError(res, headers, facts, 'NOT_FOUND', `package ${name} not found in the upstream repository`);
      const rendered = deps.renders.get(packageRenderKey(source, base, deps.archives), () =>
        renderPackage(source, base, deps.rewriter, deps.dists, deps.archives),
      );
      found = { rendered, outcome: source.outcome, upstreamMs: source.upstreamMs, staleConfirmedAt: source.outcome === 'stale' ? source.confirmedAt : undefined };
      lane.hot.set(base, path, found, source, deps.archives.pinRevision(name));
    }
    facts.cache = found.outcome;
    facts.upstreamMs = found.upstreamMs;
    deps.usage.use(lane.tickets.of(principal, path, address, target).use);
    sendRendered(req, res, headers, found.rendered, found.staleConfirmedAt);
  } catch (error) {
    if (isRepogateError(error)) return sendError(res, headers, facts, error.code, error.message);
    deps.logger.error({ err: error }, 'unexpected error');
    sendError(res, headers, facts, 'INTERNAL', 'internal error; see the repogate log');
  } finally {
    lane.log.add(req, res, path, requestId, started, facts);
  }
}

/**
 * A warm rendering sent: unless the request is conditional, with the head node:http wrote for the
 * first such answer (the headers `sendRendered` would send, in its order), or when that can't be
 * reused, with the rendering's header list made once.
 */
function sendWarm(req: IncomingMessage, res: ServerResponse, requestId: string, warm: WarmRendering): void {
  const { rendered } = warm;
  if (req.headers['if-none-match'] !== undefined || req.headers['if-modified-since'] !== undefined) {
    sendRendered(req, res, ['X-Request-Id', requestId], rendered, undefined);
    return;
  }
  const gzip = gzipOf(req, rendered);
  const answer = gzip ? (warm.gzip ??= okAnswer(rendered, gzip, true)) : (warm.plain ??= okAnswer(rendered, rendered.body, false));
  const body = req.method === 'HEAD' ? undefined : (gzip ?? rendered.body);
  if (answer.head?.applyTo(req, res, requestId) !== true) {
    // writeHead reads the list at once and keeps nothing of it: the slot is this request's until then.
    answer.headers[1] = requestId;
    res.writeHead(200, answer.headers);
    if (answer.head === undefined) answer.head = ReusedHead.capture(req, res, requestId);
  }
  res.end(body);
}

/** A `200` with `body`: its headers, an empty `X-Request-Id` first. */
function okAnswer(rendered: Rendered, body: Buffer, gzip: boolean): WarmAnswer {
  return { headers: ['X-Request-Id', '', ...validatorHeaders(rendered), ...contentHeaders(body, gzip)], head: undefined };
}

/** The gzipped body, when the client takes gzip and the rendering has one. */
function gzipOf(req: IncomingMessage, rendered: Rendered): Buffer | null {
  return rendered.gzip !== null && /\bgzip\b/i.test(req.headers['accept-encoding'] ?? '') ? rendered.gzip : null;
}

/** Headers of every metadata answer, `200` or `304`. */
function validatorHeaders(rendered: Rendered): string[] {
  return ['Last-Modified', rendered.lastModified, 'ETag', rendered.etag, 'Cache-Control', 'private, no-cache', 'Vary', 'Authorization, Accept-Encoding'];
}

/** Headers of a `200`'s body. */
function contentHeaders(body: Buffer, gzip: boolean): string[] {
  return gzip ? ['Content-Type', 'application/json', 'Content-Encoding', 'gzip', 'Content-Length', String(body.length)] : ['Content-Type', 'application/json', 'Content-Length', String(body.length)];
}

function sendRendered(req: IncomingMessage, res: ServerResponse, headers: string[], rendered: Rendered, staleConfirmedAt: number | undefined): void {
  if (staleConfirmedAt !== undefined) {
    // RFC 9111 §5.2 (Age) and the RFC 7234 Warning 110: served from cache because the upstream failed.
    headers.push('Age', String(Math.max(0, Math.floor((Date.now() - staleConfirmedAt) / 1000))), 'Warning', '110 repogate "Response is Stale"');
  }
  headers.push(...validatorHeaders(rendered));
  if (notModified(req, rendered)) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  const gzip = gzipOf(req, rendered);
  headers.push(...contentHeaders(gzip ?? rendered.body, gzip !== null));
  res.writeHead(200, headers);
  res.end(req.method === 'HEAD' ? undefined : (gzip ?? rendered.body));
}

function sendDenial(res: ServerResponse, headers: string[], facts: Facts, denial: Denial): void {
  if (denial.retryAfterSeconds !== undefined) headers.push('Retry-After', String(denial.retryAfterSeconds));
  // A package the key may not see is a 404 on metadata, as for a name this repository doesn't hold.
  sendError(res, headers, facts, denial.code, denial.reason, denial.code === 'NOT_ENTITLED' ? 404 : undefined);
}

function sendError(res: ServerResponse, headers: string[], facts: Facts, code: ErrorCode, message: string, status?: number): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  facts.error = code;
  if (challengeCodes.has(code)) headers.push('WWW-Authenticate', 'Basic realm="repogate"');
  const body = JSON.stringify({ warning: message.replace(/\s*\n\s*/g, ' ').slice(0, 500), code });
  headers.push('Content-Type', 'application/json', 'Cache-Control', 'no-store', 'Content-Length', String(Buffer.byteLength(body)));
  res.writeHead(status ?? errorCodes[code].status, headers);
  res.end(body);
}
