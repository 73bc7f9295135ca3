import type { Request, Response } from 'express';
import type { EffectiveAccess } from '../access/access-rules.js';
import type { Principal } from '../access/principal.js';
import { factsOf } from '../http/request-context.js';
import { sendError } from '../http/responses.js';
import type { ComposerDeps } from './composer-deps.js';
import { denialOptions } from './denials.js';

/** A key whose account may see something now, and what: for the express routes that act for an account. */
export interface AllowedAccount {
  readonly principal: Principal;
  readonly access: EffectiveAccess;
  readonly address: string;
}

/**
 * The one check of the express routes that act for a key's account (notify-batch, advisories,
 * search and list): the credentials (401/429), then the account (403: suspended, no active grant).
 * A refusal is answered here and undefined returned; the key is named in the access log either way.
 */
export async function allowedAccount(deps: ComposerDeps, req: Request, res: Response): Promise<AllowedAccount | undefined> {
  const address = deps.clientAddress(req);
  const auth = await deps.access.authenticate(req.headers.authorization, address);
  if (!auth.ok) {
    sendError(res, auth.code, auth.reason, denialOptions(auth, 'other'));
    return undefined;
  }
  factsOf(res).key = auth.principal;
  const access = deps.access.accountAccess(auth.principal);
  if (!access.ok) {
    sendError(res, access.code, access.reason, denialOptions(access, 'other'));
    return undefined;
  }
  return { principal: auth.principal, access, address };
}
