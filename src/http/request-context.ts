import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../logger.js';
import type { Principal } from '../access/principal.js';
import type { CounterSeries, HistogramSeries } from '../metrics/bound-metrics.js';
import { routeOf, type Metrics } from '../metrics/metrics.js';

/** An X-Request-Id repogate accepts from a client (else it makes its own). */
export const requestIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;

/** Ids this process makes: a random prefix of its own and a counter (unique across instances, and cheap). */
const idPrefix = randomBytes(9).toString('base64url');
let idCount = 0;

/** The id of a request: the client's X-Request-Id when it is sane, else a new one. */
export function requestIdFor(req: IncomingMessage): string {
  const incoming = req.headers['x-request-id'];
  if (typeof incoming === 'string' && requestIdPattern.test(incoming)) return incoming;
  idCount += 1;
  return `${idPrefix}-${idCount}`;
}

/** What the access log says about a request, filled in by the handlers. */
export interface RequestFacts {
  /** The key that asked (a principal will do). */
  key?: Pick<Principal, 'keyName' | 'publicKey'>;
  package?: string;
  /** The source the package was read from (`default`: the environment's upstream). */
  source?: string;
  cache?: string;
  /** The client's address, when it is not the TCP peer's (REPOGATE_TRUSTED_PROXIES). */
  address?: string;
  upstreamMs?: number;
}

export function factsOf(res: Response): RequestFacts {
  let facts = res.locals['facts'] as RequestFacts | undefined;
  if (!facts) {
    facts = {};
    res.locals['facts'] = facts;
  }
  return facts;
}

export function requestIdOf(res: Response): string {
  return String(res.locals['requestId']);
}

/** Codes counted as refusals in `repogate_auth_refusals_total`. */
export const refusalCodes: ReadonlySet<string> = new Set([
  'AUTH_REQUIRED',
  'AUTH_INVALID',
  'KEY_DISABLED',
  'KEY_EXPIRED',
  'ADDRESS_NOT_ALLOWED',
  'ACCOUNT_SUSPENDED',
  'NO_ACTIVE_GRANT',
  'NOT_ENTITLED',
  'RATE_LIMITED',
]);

/**
 * The request metrics of one route (requests by status, latency, refusals by reason), with its
 * series bound once (per status code seen): counting a request is then arithmetic, not a label lookup.
 */
export class RouteCounter {
  readonly #metrics: Metrics;
  readonly #listener: 'composer' | 'admin';
  readonly #route: string;
  readonly #duration: HistogramSeries;
  readonly #byStatus = new Map<number, CounterSeries>();

  constructor(metrics: Metrics, listener: 'composer' | 'admin', route: string) {
    this.#metrics = metrics;
    this.#listener = listener;
    this.#route = route;
    this.#duration = metrics.httpDuration.child({ listener, route });
  }

  /** One answered request: its status, how long it took, and a refusal by its reason. */
  count(status: number, ms: number, errorCode: string | undefined): void {
    let requests = this.#byStatus.get(status);
    if (requests === undefined) {
      requests = this.#metrics.httpRequests.child({ listener: this.#listener, route: this.#route, status: String(status) });
      this.#byStatus.set(status, requests);
    }
    requests.inc();
    this.#duration.observe(ms / 1000);
    if (errorCode !== undefined && refusalCodes.has(errorCode)) this.#metrics.authRefusals.inc({ code: errorCode });
  }
}

/** The fields of an access-log line (undefined ones are left out when written). */
export interface AccessLine {
  readonly requestId: string;
  readonly method: string | undefined;
  readonly path: string;
  readonly status: number;
  readonly ms: number;
  readonly address: string | undefined;
  readonly key: string | undefined;
  readonly publicKey: string | undefined;
  readonly package: string | undefined;
  readonly source?: string | undefined;
  readonly cache: string | undefined;
  readonly upstreamMs: number | undefined;
  readonly error: string | undefined;
  readonly aborted: true | undefined;
}

/** A path as the access log gives it: cut after 300 characters. */
export function loggedPath(path: string): string {
  return path.length > 300 ? `${path.slice(0, 300)}…` : path;
}

/** The fields of one access-log line (the same for the express routes and the fast path). */
export function accessLogFields(
  requestId: string,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  ms: number,
  facts: Readonly<RequestFacts>,
  errorCode: string | undefined,
): AccessLine {
  return {
    requestId,
    method: req.method,
    path,
    status: res.statusCode,
    ms: Math.round(ms * 10) / 10,
    address: facts.address ?? req.socket.remoteAddress,
    key: facts.key?.keyName,
    publicKey: facts.key?.publicKey,
    package: facts.package,
    ...(facts.source === undefined ? {} : { source: facts.source }),
    cache: facts.cache,
    upstreamMs: facts.upstreamMs === undefined ? undefined : Math.round(facts.upstreamMs),
    error: errorCode,
    aborted: !res.writableFinished || undefined,
  };
}

/**
 * Gives each request an id (the client's X-Request-Id when sane) and, when it ends, logs it and
 * counts it (requests by route and status, latency, refusals by reason).
 */
export function accessLog(logger: Logger, observe?: { listener: 'composer' | 'admin'; metrics: Metrics }, clientAddress?: (req: IncomingMessage) => string) {
  // One counter per route label (a small fixed set: routeOf).
  const counters = new Map<string, RouteCounter>();
  const counterOf = (o: NonNullable<typeof observe>, path: string): RouteCounter => {
    const route = routeOf(o.listener, path);
    let counter = counters.get(route);
    if (counter === undefined) counters.set(route, (counter = new RouteCounter(o.metrics, o.listener, route)));
    return counter;
  };
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = performance.now();
    const id = requestIdFor(req);
    res.locals['requestId'] = id;
    if (clientAddress) factsOf(res).address = clientAddress(req);
    res.setHeader('X-Request-Id', id);
    res.on('close', () => {
      const facts = factsOf(res);
      const errorCode = res.locals['errorCode'] as string | undefined;
      const ms = performance.now() - started;
      if (observe) counterOf(observe, req.path).count(res.statusCode, ms, errorCode);
      logger.info(
        accessLogFields(id, req, res, loggedPath(req.path), ms, facts, errorCode),
        'request',
      );
    });
    next();
  };
}
