import { Router } from 'express';
import { clearCookie } from './cookies.js';
import { pageCallerOf, requireCsrf, type WebDeps } from './page-context.js';
import { sessionCookieName } from './session.js';
import { accessKeysPath } from './views/access-keys-view.js';

/**
 * "Sign out everywhere" on the Access Keys page: ends every session of the account (this one too when
 * the owner asks; the operator's own session stays), audited with the caller and address.
 */
export function sessionForms(deps: WebDeps): Router {
  const router = Router();

  router.post('/accounts/:id/sign-out-everywhere', requireCsrf(deps.codec), async (req, res) => {
    const id = String(req.params['id']);
    const caller = pageCallerOf(res);
    await deps.admin.signOutEverywhere(caller, id, { address: deps.clientAddress(req), via: 'page' });
    if (caller.kind === 'account') {
      clearCookie(req, res, sessionCookieName);
      res.redirect(303, '/sign-in?signed-out=everywhere');
      return;
    }
    res.redirect(303, `${accessKeysPath(id)}?done=signed-out-everywhere`);
  });

  return router;
}
