import type { NextFunction, Request, Response, Router } from 'express';
import type { Principal } from '../access/principal.js';
import type { UsageRecorder } from '../access/usage-recorder.js';
import { isRepogateError } from '../errors.js';
import { sendError } from '../http/responses.js';
import { factsOf, requestIdOf } from '../http/request-context.js';
import type { ComposerDeps } from './composer-deps.js';
import { sendDenial } from './denials.js';

/**
 * Archives: any GET for a dist path repogate rewrote (`/archives/<vendor>/<name>/…` on
 * repo.magento.com). Checked against the key's entitlements by package on every request (cached
 * or not), then answered by the archive cache: the pinned bytes from disk, or streamed from the
 * upstream with bounded memory while they are pinned and stored (src/archives/archive-cache.ts).
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
    facts.key = decision.principal;
    recordDownload(deps.usage, decision.principal, packageName, address, path);
    const query = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?')) : '';
    let archive;
    try {
      archive = await deps.archives.open({ path: path + query, packageName, requestId: requestIdOf(res) });
    } catch (error) {
      if (isRepogateError(error)) return sendError(res, error.code, error.message);
      throw error;
    }
    facts.cache = archive.outcome;
    if (archive.upstreamMs !== undefined) facts.upstreamMs = archive.upstreamMs;
    res.status(200);
    for (const [name, value] of Object.entries(archive.headers)) res.setHeader(name, value);
    if (req.method === 'HEAD') {
      archive.body.discard();
      res.end();
      return;
    }
    try {
      await archive.body.copyTo(res);
      res.end();
    } catch (error) {
      deps.logger.warn({ path, err: error instanceof Error ? error.message : String(error) }, 'archive stream ended early');
      res.destroy();
    }
  });
}

/** A key's download of an archive: its last use, and the `archive.downloaded` audit event. */
export function recordDownload(usage: UsageRecorder, principal: Principal, packageName: string, address: string, path: string): void {
  usage.record(principal.publicKey, address);
  usage.activity({ publicKey: principal.publicKey, accountId: principal.accountId, action: 'archive.downloaded', package: packageName, address, detail: { path } });
}
