import express, { type Request, type Response, type Router } from 'express';
import { packageDenial } from '../access/access-rules.js';
import { isRepogateError } from '../errors.js';
import { requestIdOf } from '../http/request-context.js';
import { sendError } from '../http/responses.js';
import { isValidPackageName } from '../registry/rules.js';
import { advisoriesFor } from '../sources/advisories.js';
import { allowedAccount } from './account-request.js';
import type { ComposerDeps } from './composer-deps.js';

/** Names one request may ask about (a Magento project installs about 500 packages). */
export const maxAdvisoryNames = 5000;

/**
 * `POST /api/security-advisories/` (and `GET` with the same parameters): what `composer audit`
 * asks of a repository whose root offers `security-advisories` (repogate's does when one of the
 * key's sources does). The names come as `packages[]=…` (form body or query, as Composer's
 * http_build_query writes them); only names the key may see are asked about, each of the source
 * that serves it. The answer is `{"advisories": {name: [advisory, …]}}`, as the sources give them.
 */
export function registerAdvisories(router: Router, deps: ComposerDeps): void {
  const path = '/api/security-advisories/';
  const handle = async (req: Request, res: Response): Promise<void> => {
    const allowed = await allowedAccount(deps, req, res);
    if (allowed === undefined) return;
    const { principal, access, address } = allowed;
    const asked = namesOf(req.method === 'POST' ? (req.body as unknown) : undefined, req.query['packages']);
    if (asked === 'too many') return sendError(res, 'PAYLOAD_TOO_LARGE', `at most ${maxAdvisoryNames} package names in one request`);
    if (asked === undefined) return sendError(res, 'BAD_REQUEST', 'expected packages[]=vendor/name, as a form body or in the query');
    const names = asked.filter((name) => packageDenial(principal, access, name) === undefined);
    deps.usage.record(principal.publicKey, address);
    try {
      const advisories = await advisoriesFor(deps.sources, principal.sources, names, deps.logger, requestIdOf(res));
      res.json({ advisories });
    } catch (error) {
      if (isRepogateError(error)) return sendError(res, error.code, error.message);
      throw error;
    }
  };
  const form = express.urlencoded({ extended: true, limit: '1mb', parameterLimit: maxAdvisoryNames + 10 });
  router.post(path, form, handle);
  router.get(path, handle);
}

/** The valid package names asked about (lowercased, each once), from the body's or the query's `packages`. */
function namesOf(body: unknown, query: unknown): string[] | 'too many' | undefined {
  const fromBody = typeof body === 'object' && body !== null ? (body as Record<string, unknown>)['packages'] : undefined;
  const value = fromBody ?? query;
  // `packages[0]=a&packages[1]=b` arrives as an array, or (past qs's array limit) an object by index.
  const list = Array.isArray(value) ? value : typeof value === 'object' && value !== null ? Object.values(value) : typeof value === 'string' ? [value] : undefined;
  if (list === undefined) return undefined;
  if (list.length > maxAdvisoryNames) return 'too many';
  const names = new Set<string>();
  for (const item of list) {
    if (typeof item !== 'string') continue;
    const name = item.toLowerCase();
    if (isValidPackageName(name)) names.add(name);
  }
  return [...names];
}
