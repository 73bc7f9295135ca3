import { randomUUID } from 'node:crypto';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { Denial } from '../access/access-control.js';
import { errorCodes, isRepogateError, type ErrorCode } from '../errors.js';
import { isValidPackageName } from '../registry/rules.js';
import type { Metrics } from '../metrics/metrics.js';
import type { CacheOutcome } from '../cache/document-cache.js';
import type { PackageSource } from '../upstream/upstream-repository.js';
import { challengeCodes, notModified } from '../http/responses.js';
import { accessLogFields, countRequest, requestIdPattern } from '../http/request-context.js';
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

/** What the access log line says about the request. */
interface Facts {
  key: { name: string; publicKey: string } | undefined;
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
export function withFastMetadata(deps: ComposerDeps, fallback: RequestListener, options: FastMetadataOptions): RequestListener {
  const log: AccessLog = { lines: new AccessLogLines(deps.logger), metrics: deps.metrics };
  const hot = new HotRenderings(options.metadataTtlMs);
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

  return (req, res) => {
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
    void serve(deps, log, hot, req, res, url, target, baseOf(req));
  };
}

export interface FastMetadataOptions {
  /** REPOGATE_METADATA_TTL_SECONDS in ms: how long a package's metadata counts as fresh. */
  readonly metadataTtlMs: number;
}

/** A rendering ready to send, with what the access log says about how it was obtained. */
interface HotRendering {
  readonly rendered: Rendered;
  readonly outcome: CacheOutcome;
  readonly upstreamMs: number;
  readonly staleConfirmedAt: number | undefined;
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
  readonly #entries = new Map<string, { hit: HotRendering; until: number; pinRevision: number }>();

  constructor(ttlMs: number) {
    this.#ttlMs = ttlMs;
  }

  get(key: string, pinRevision: number): HotRendering | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (entry.until <= Date.now() || entry.pinRevision !== pinRevision) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.hit;
  }

  set(key: string, value: HotRendering, source: PackageSource, pinRevision: number): void {
    if (value.outcome === 'stale') return;
    const until = Math.min(source.confirmedAt + this.#ttlMs, Date.now() + hotReuseMs);
    if (until <= Date.now()) return;
    if (this.#entries.size >= 20_000) this.#entries.clear();
    this.#entries.set(key, { hit: { ...value, outcome: 'hit', upstreamMs: 0 }, until, pinRevision });
  }
}

interface AccessLog {
  readonly lines: AccessLogLines;
  readonly metrics: Metrics | undefined;
}

async function serve(
  deps: ComposerDeps,
  log: AccessLog,
  hot: HotRenderings,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  target: Target,
  base: string | undefined,
): Promise<void> {
  const started = performance.now();
  const incoming = req.headers['x-request-id'];
  const requestId = typeof incoming === 'string' && requestIdPattern.test(incoming) ? incoming : randomUUID();
  // Headers go out in one writeHead (as a flat list, in the express route's order): X-Request-Id first.
  const headers: string[] = ['X-Request-Id', requestId];
  const facts: Facts = { key: undefined, package: undefined, cache: undefined, upstreamMs: undefined, error: undefined };
  res.on('close', () => logRequest(log, req, res, path, requestId, started, facts));
  try {
    if (base === undefined) return sendError(res, headers, facts, 'BAD_REQUEST', 'missing or invalid Host header');
    const { name, dev } = target;
    facts.package = name;
    const address = req.socket.remoteAddress ?? 'unknown';
    const decision = await deps.access.checkAccess({ authorization: req.headers.authorization, address, packageName: name });
    if (!decision.ok) return sendDenial(res, headers, facts, decision);
    const principal = decision.principal;
    facts.key = { name: principal.keyName, publicKey: principal.publicKey };
    deps.usage.record(principal.publicKey, address);
    const memoKey = `${base}${path}`;
    let found = hot.get(memoKey, deps.archives.pinRevision(name));
    if (found) {
      deps.metrics?.cacheLookups.inc({ tier: 'memory', outcome: 'hit' });
    } else {
      const source = await deps.repository.package(name, dev, requestId);
      if (!source) return sendError(res, headers, facts, 'NOT_FOUND', `package ${name} not found in the upstream repository`);
      const rendered = deps.renders.get(packageRenderKey(source, base, deps.archives), () =>
        renderPackage(source, base, deps.rewriter, deps.dists, deps.archives),
      );
      found = { rendered, outcome: source.outcome, upstreamMs: source.upstreamMs, staleConfirmedAt: source.outcome === 'stale' ? source.confirmedAt : undefined };
      hot.set(memoKey, found, source, deps.archives.pinRevision(name));
    }
    facts.cache = found.outcome;
    facts.upstreamMs = found.upstreamMs;
    deps.usage.activity({
      publicKey: principal.publicKey,
      accountId: principal.accountId,
      action: 'metadata.fetched',
      package: dev ? `${name}~dev` : name,
      address,
    });
    sendRendered(req, res, headers, found.rendered, found.staleConfirmedAt);
  } catch (error) {
    if (isRepogateError(error)) return sendError(res, headers, facts, error.code, error.message);
    deps.logger.error({ err: error }, 'unexpected error');
    sendError(res, headers, facts, 'INTERNAL', 'internal error; see the repogate log');
  }
}

function sendRendered(req: IncomingMessage, res: ServerResponse, headers: string[], rendered: Rendered, staleConfirmedAt: number | undefined): void {
  if (staleConfirmedAt !== undefined) {
    // RFC 9111 §5.2 (Age) and the RFC 7234 Warning 110: served from cache because the upstream failed.
    headers.push('Age', String(Math.max(0, Math.floor((Date.now() - staleConfirmedAt) / 1000))), 'Warning', '110 repogate "Response is Stale"');
  }
  headers.push('Last-Modified', rendered.lastModified, 'ETag', rendered.etag, 'Cache-Control', 'private, no-cache', 'Vary', 'Authorization, Accept-Encoding');
  if (notModified(req, rendered)) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  headers.push('Content-Type', 'application/json');
  const gzip = rendered.gzip !== null && /\bgzip\b/i.test(req.headers['accept-encoding'] ?? '') ? rendered.gzip : null;
  const body = gzip ?? rendered.body;
  if (gzip) headers.push('Content-Encoding', 'gzip');
  headers.push('Content-Length', String(body.length));
  res.writeHead(200, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
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

function logRequest(log: AccessLog, req: IncomingMessage, res: ServerResponse, path: string, requestId: string, started: number, facts: Facts): void {
  if (log.metrics) countRequest(log.metrics, 'composer', 'p2', res, started, facts.error);
  log.lines.write(accessLogFields(requestId, req, res, path, started, facts, facts.error));
}
