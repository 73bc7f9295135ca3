import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../logger.js';
import { routeOf, type Metrics } from '../metrics/metrics.js';

/** An X-Request-Id repogate accepts from a client (else it makes its own). */
export const requestIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;

/** What the access log says about a request, filled in by the handlers. */
export interface RequestFacts {
  key?: { name: string; publicKey: string };
  package?: string;
  cache?: string;
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
 * Gives each request an id (the client's X-Request-Id when sane) and, when it ends, logs it and
 * counts it (requests by route and status, latency, refusals by reason).
 */
export function accessLog(logger: Logger, observe?: { listener: 'composer' | 'admin'; metrics: Metrics }) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = performance.now();
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && requestIdPattern.test(incoming) ? incoming : randomUUID();
    res.locals['requestId'] = id;
    res.setHeader('X-Request-Id', id);
    res.on('close', () => {
      const facts = factsOf(res);
      const errorCode = res.locals['errorCode'] as string | undefined;
      if (observe) {
        const route = routeOf(observe.listener, req.path);
        observe.metrics.httpRequests.inc({ listener: observe.listener, route, status: String(res.statusCode) });
        observe.metrics.httpDuration.observe({ listener: observe.listener, route }, (performance.now() - started) / 1000);
        if (errorCode !== undefined && refusalCodes.has(errorCode)) observe.metrics.authRefusals.inc({ code: errorCode });
      }
      logger.info(
        {
          requestId: id,
          method: req.method,
          path: req.path.length > 300 ? `${req.path.slice(0, 300)}…` : req.path,
          status: res.statusCode,
          ms: Math.round((performance.now() - started) * 10) / 10,
          address: req.socket.remoteAddress,
          key: facts.key?.name,
          publicKey: facts.key?.publicKey,
          package: facts.package,
          cache: facts.cache,
          upstreamMs: facts.upstreamMs === undefined ? undefined : Math.round(facts.upstreamMs),
          error: errorCode,
          aborted: !res.writableFinished || undefined,
        },
        'request',
      );
    });
    next();
  };
}
