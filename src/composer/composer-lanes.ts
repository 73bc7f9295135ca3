import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { LRUCache } from 'lru-cache';
import { loggedPath, requestIdFor, RouteCounter } from '../http/request-context.js';
import { parseRequestPath } from '../http/request-path.js';
import { isValidPackageName } from '../registry/rules.js';
import type { DistTarget } from '../archives/dist-index.js';
import { AccessLogLines } from './access-log-lines.js';
import { errorAnswer, type Answer, type ComposerRequest } from './answer.js';
import { AnsweredRequests } from './answered-requests.js';
import { ArchiveAnswers } from './archive-answers.js';
import type { ComposerDeps } from './composer-deps.js';
import { PackageAnswers, type PackageTarget } from './package-answers.js';
import { hostPattern } from './public-base.js';
import { answerRoot } from './root-answer.js';
import { writeAnswer } from './write-answer.js';

/** Where a request target leads, worked out once per distinct target. */
type Route =
  | { readonly to: 'root'; readonly path: string }
  | { readonly to: 'p2'; readonly path: string; readonly target: PackageTarget }
  /** Any other path: an archive when the dist index knows it, else the express app's. */
  | { readonly to: 'path'; readonly path: string }
  | { readonly to: 'bad'; readonly path: string; readonly reason: string };

const metadataPath = /^\/p2\/([^/]+)\/([^/]+?)(~dev)?\.json$/;

function routeOf(url: string): Route {
  const parsed = parseRequestPath(url);
  if (!parsed.ok) return { to: 'bad', path: url.split('?', 1)[0] ?? '', reason: `not a usable request path: ${parsed.reason}` };
  const { path } = parsed.value;
  if (path === '/packages.json') return { to: 'root', path };
  if (path.startsWith('/p2/')) {
    const match = metadataPath.exec(path);
    const name = match ? `${match[1]}/${match[2]}` : '';
    if (match && isValidPackageName(name)) return { to: 'p2', path, target: { name, dev: match[3] !== undefined } };
    return { to: 'bad', path, reason: 'not a package metadata path: expected /p2/vendor/name.json with a lowercase Composer package name' };
  }
  return { to: 'path', path };
}

export interface ComposerLanes {
  /** The composer listener's request handler. */
  readonly listener: RequestListener;
  /** Writes the access-log lines and metrics of requests answered so far (on shutdown). */
  flush(): void;
}

export interface ComposerLanesOptions {
  /** REPOGATE_METADATA_TTL_SECONDS in ms: how long a package's metadata counts as fresh. */
  readonly metadataTtlMs: number;
}

/**
 * The Composer routes, on plain node:http in front of express: `GET`/`HEAD /packages.json`,
 * `/p2/<vendor>/<name>.json` and the dist paths of archives. Each route's answer is decided by one
 * function (root-answer.ts, package-answers.ts, archive-answers.ts) — at once for a warm request,
 * else through a promise — and written by `writeAnswer`; the access-log line and metrics follow.
 * Every other request (other methods and paths, release downloads, notify-batch, health) goes to
 * `fallback`, the express app. Routes work on the parsed path alone: an absolute-form target's
 * host is never used, and a target with dot segments or encoded slashes is a 400.
 */
export function createComposerLanes(deps: ComposerDeps, fallback: RequestListener, options: ComposerLanesOptions): ComposerLanes {
  const log = new AnsweredRequests(new AccessLogLines(deps.logger));
  const counter = (route: string): RouteCounter | undefined => deps.metrics && new RouteCounter(deps.metrics, 'composer', route);
  const counters = { root: counter('packages'), p2: counter('p2'), archive: counter('archive'), other: counter('other') };
  const packages = new PackageAnswers(deps, options.metadataTtlMs);
  const archives = new ArchiveAnswers(deps);
  // Both are memos of pure functions, read with `peek` (a lookup doesn't reorder them, which is
  // cheaper on every request): when full, the entry set longest ago goes, and is worked out again
  // if asked for.
  const routes = new LRUCache<string, Route>({ max: 50_000 });
  /** Host header → public base ('' for a Host repogate won't write into URLs). */
  const bases = new LRUCache<string, string>({ max: 1000 });

  const baseOf = (req: IncomingMessage): string | undefined => {
    if (deps.publicUrl !== undefined) return deps.publicUrl;
    const host = req.headers.host;
    if (host === undefined) return undefined;
    const encrypted = (req.socket as TLSSocket).encrypted === true;
    const key = encrypted ? `s${host}` : host;
    let base = bases.peek(key);
    if (base === undefined) {
      base = host.length > 255 || !hostPattern.test(host) ? '' : `${encrypted ? 'https' : 'http'}://${host}`;
      bases.set(key, base);
    }
    return base === '' ? undefined : base;
  };

  const finish = (request: ComposerRequest, res: ServerResponse, counter: RouteCounter | undefined, started: number, answer: Answer): void => {
    const { req, requestId } = request;
    const path = loggedPath(request.path);
    const written = writeAnswer(req, res, requestId, answer, deps.logger);
    if (answer.kind === 'warm') {
      log.warm(req, res, counter, path, requestId, started, answer.principal, answer.package, answer.ticket);
      return;
    }
    const error = answer.kind === 'error' ? answer.code : undefined;
    answer.facts.address = request.address;
    if (written === undefined) log.add(req, res, counter, path, requestId, started, answer.facts, error);
    else void written.then(() => log.add(req, res, counter, path, requestId, started, answer.facts, error));
  };

  const failed = (error: unknown): Answer => {
    deps.logger.error({ err: error }, 'unexpected error');
    return errorAnswer('INTERNAL', 'internal error; see the repogate log', {});
  };

  const listener: RequestListener = (req, res) => {
    const method = req.method;
    if (method !== 'GET' && method !== 'HEAD') return fallback(req, res);
    const url = req.url ?? '';
    let route = routes.peek(url);
    if (route === undefined) {
      route = routeOf(url);
      routes.set(url, route);
    }
    let counter: RouteCounter | undefined;
    let dist: DistTarget | undefined;
    switch (route.to) {
      case 'root':
        counter = counters.root;
        break;
      case 'p2':
        counter = counters.p2;
        break;
      case 'bad':
        counter = route.path.startsWith('/p2/') ? counters.p2 : counters.other;
        break;
      case 'path':
        dist = deps.dists.targetFor(route.path);
        if (dist === undefined) return fallback(req, res);
        counter = counters.archive;
        break;
    }
    const started = performance.now();
    const request: ComposerRequest = { req, path: route.path, base: baseOf(req), address: deps.clientAddress(req), requestId: requestIdFor(req) };
    let answer: Answer | Promise<Answer>;
    try {
      if (route.to === 'p2') answer = packages.answer(request, route.target);
      else if (dist !== undefined) answer = archives.answer(request, dist);
      else if (route.to === 'root') answer = answerRoot(deps, request);
      else answer = errorAnswer('BAD_REQUEST', route.to === 'bad' ? route.reason : 'not a usable request path', {});
    } catch (error) {
      answer = failed(error);
    }
    if (answer instanceof Promise) void answer.catch(failed).then((a) => finish(request, res, counter, started, a));
    else finish(request, res, counter, started, answer);
  };
  return { listener, flush: () => log.flush() };
}
