import { pipeline } from 'node:stream/promises';
import type { NextFunction, Request, Response, Router } from 'express';
import { isRepogateError } from '../errors.js';
import { sendError } from '../http/responses.js';
import { factsOf, requestIdOf } from '../http/request-context.js';
import type { ComposerDeps } from './composer-deps.js';
import { sendDenial } from './denials.js';

const passHeaders = ['content-type', 'content-length', 'last-modified', 'etag'] as const;

/**
 * Archives: any GET for a dist path repogate rewrote (`/archives/<vendor>/<name>/…` on
 * repo.magento.com). Checked against the key's entitlements by package, then streamed from the
 * upstream with bounded memory.
 */
export function registerArchiveRoutes(router: Router, deps: ComposerDeps): void {
  router.get(/.*/, async (req: Request, res: Response, next: NextFunction) => {
    const path = req.path;
    const packageName = deps.dists.packageFor(path);
    if (packageName === undefined) return next();
    const facts = factsOf(res);
    facts.package = packageName;
    const address = req.socket.remoteAddress ?? 'unknown';
    const decision = await deps.access.checkAccess({ authorization: req.headers.authorization, address, packageName });
    if (!decision.ok) return sendDenial(res, decision, 'archive');
    facts.key = { name: decision.principal.keyName, publicKey: decision.principal.publicKey };
    deps.usage.record(decision.principal.publicKey, address);
    const query = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?')) : '';
    const started = performance.now();
    let upstream;
    try {
      upstream = await deps.repository.upstream.openStream(deps.rewriter.toUpstream(path + query), requestIdOf(res));
    } catch (error) {
      if (isRepogateError(error)) return sendError(res, error.code, error.message);
      throw error;
    }
    facts.upstreamMs = performance.now() - started;
    facts.cache = 'pass';
    if (upstream.status === 404 || upstream.status === 410) {
      upstream.body.destroy();
      return sendError(res, 'NOT_FOUND', `archive not found upstream: ${path}`);
    }
    if (upstream.status !== 200) {
      upstream.body.destroy();
      return sendError(res, 'UPSTREAM_UNAVAILABLE', `the upstream repository answered HTTP ${upstream.status} for this archive`);
    }
    res.status(200);
    for (const name of passHeaders) {
      const value = upstream.headers[name];
      if (value !== undefined) res.setHeader(name, value);
    }
    if (!res.hasHeader('content-type')) res.setHeader('content-type', 'application/zip');
    try {
      await pipeline(upstream.body, res);
    } catch (error) {
      deps.logger.warn({ path, err: error instanceof Error ? error.message : String(error) }, 'archive stream ended early');
      res.destroy();
    }
  });
}
