import type { Request, Response, Router } from 'express';
import { packageDenial } from '../access/access-rules.js';
import { isRepogateError } from '../errors.js';
import { sendError } from '../http/responses.js';
import { listSources, searchSources } from '../sources/catalogue.js';
import { allowedAccount } from './account-request.js';
import type { ComposerDeps } from './composer-deps.js';

/**
 * `GET /search.json?q=…&type=…` (`composer search`) and `GET /packages/list.json?filter=…` (name
 * listings), offered in the root document when one of the key's sources offers them: answered
 * from the key's sources in order, with only the packages the key may see.
 */
export function registerCatalogue(router: Router, deps: ComposerDeps): void {
  const guard = async (req: Request, res: Response) => {
    const allowed = await allowedAccount(deps, req, res);
    if (allowed === undefined) return undefined;
    const { principal, access, address } = allowed;
    deps.usage.record(principal.publicKey, address);
    return { principal, visible: (name: string) => packageDenial(principal, access, name) === undefined };
  };
  const text = (value: unknown, max: number): string | undefined => (typeof value === 'string' && value.length <= max ? value : undefined);

  router.get('/search.json', async (req: Request, res: Response) => {
    const query = text(req.query['q'], 200);
    if (query === undefined) return sendError(res, 'BAD_REQUEST', 'expected ?q=<words> (at most 200 characters)');
    const type = text(req.query['type'], 100);
    const allowed = await guard(req, res);
    if (allowed === undefined) return;
    try {
      const results = await searchSources(deps.sources, allowed.principal.sources, query, type === '' ? undefined : type, allowed.visible, deps.logger);
      res.json({ results, total: results.length });
    } catch (error) {
      if (isRepogateError(error)) return sendError(res, error.code, error.message);
      throw error;
    }
  });

  router.get('/packages/list.json', async (req: Request, res: Response) => {
    const filter = req.query['filter'] === undefined ? undefined : text(req.query['filter'], 200);
    if (req.query['filter'] !== undefined && filter === undefined) return sendError(res, 'BAD_REQUEST', 'expected ?filter=<glob> (at most 200 characters)');
    const allowed = await guard(req, res);
    if (allowed === undefined) return;
    try {
      res.json({ packageNames: await listSources(deps.sources, allowed.principal.sources, filter, allowed.visible, deps.logger) });
    } catch (error) {
      if (isRepogateError(error)) return sendError(res, error.code, error.message);
      throw error;
    }
  });
}
