import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from '../logger.js';

const requestIdPattern = /^[A-Za-z0-9._:-]{1,128}$/;

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

/** Gives each request an id (the client's X-Request-Id when sane) and logs it when it ends. */
export function accessLog(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = performance.now();
    const incoming = req.headers['x-request-id'];
    const id = typeof incoming === 'string' && requestIdPattern.test(incoming) ? incoming : randomUUID();
    res.locals['requestId'] = id;
    res.setHeader('X-Request-Id', id);
    res.on('close', () => {
      const facts = factsOf(res);
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
          error: res.locals['errorCode'] as string | undefined,
          aborted: !res.writableFinished || undefined,
        },
        'request',
      );
    });
    next();
  };
}
