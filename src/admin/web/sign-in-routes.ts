import { Router, type Request, type Response } from 'express';
import type { Caller } from '../caller.js';
import type { SignInResult } from '../sign-in.js';
import { clearCookie, setCookie } from './cookies.js';
import { csrfSeedCookieName } from './csrf.js';
import { csrfValid, formField, pageContextOf, type WebDeps } from './page-context.js';
import { sessionCookieName, sessionLifetimeMs } from './session.js';
import { errorPage } from './views/other-pages.js';
import { signInPage, type SignInInput } from './views/sign-in-view.js';

/** Where to go after signing in: only a page of this site (never another origin) that the caller may open. */
function safeNext(value: unknown, caller: Caller): string | undefined {
  if (typeof value !== 'string') return undefined;
  if (caller.kind === 'account') return /^\/accounts\/MAG\d{1,12}\/(access-keys|activity)$/.test(value) ? value : undefined;
  return /^\/(accounts(\/MAG\d{1,12}\/(access-keys|activity|manage))?|entitlements|keys|activity)$/.test(value) ? value : undefined;
}

/** Sign-in (owners: MAGEID and password; the operator: admin token) and sign-out, with Post/Redirect/Get. */
export function signInRoutes(deps: WebDeps): Router {
  const router = Router();

  const render = (res: Response, status: number, input: Omit<SignInInput, 'csrf' | 'operatorEnabled'>): void => {
    res.status(status).type('html').send(signInPage({ ...input, csrf: pageContextOf(res).csrf, operatorEnabled: deps.signIn.operatorEnabled }));
  };

  const refuseForgery = (res: Response): void => {
    res.status(403).type('html').send(
      errorPage({ title: 'This form has expired', text: 'The form was missing its security token or it no longer matches. Open the page again and retry.', signedIn: false }),
    );
  };

  const finish = (req: Request, res: Response, result: SignInResult, onError: (message: string) => void): void => {
    if (!result.ok) {
      if (result.code === 'RATE_LIMITED') res.setHeader('Retry-After', String(result.retryAfterSeconds));
      res.status(result.code === 'RATE_LIMITED' ? 429 : 401);
      onError(result.code === 'RATE_LIMITED' ? capitalise(result.message) : capitalise(result.message) + '.');
      return;
    }
    const { token } = deps.codec.issue(result.caller, { securityStamp: result.securityStamp });
    setCookie(req, res, sessionCookieName, token, Math.floor(sessionLifetimeMs / 1000));
    clearCookie(req, res, csrfSeedCookieName);
    const next = safeNext((req.query as Record<string, unknown>)['next'], result.caller);
    const home = result.caller.kind === 'account' ? `/accounts/${result.caller.accountId}/access-keys` : '/accounts';
    res.redirect(303, next ?? home);
  };

  router.get('/sign-in', (req, res) => {
    if (pageContextOf(res).session !== undefined) {
      res.redirect(303, '/');
      return;
    }
    const signedOut = (req.query as Record<string, unknown>)['signed-out'];
    const info =
      signedOut === 'everywhere'
        ? 'You are signed out everywhere: every session of your account has ended, on every device.'
        : signedOut === '1'
          ? 'You are signed out.'
          : undefined;
    render(res, 200, info === undefined ? {} : { info });
  });

  router.post('/sign-in', async (req, res) => {
    if (!csrfValid(req, res, deps.codec)) return refuseForgery(res);
    const mageId = formField(req, 'mageid').trim().toUpperCase();
    const result = await deps.signIn.owner(mageId, formField(req, 'password'), deps.clientAddress(req), 'page');
    finish(req, res, result, (message) => render(res, res.statusCode, { mageId, error: message }));
  });

  router.post('/sign-in/operator', async (req, res) => {
    if (!csrfValid(req, res, deps.codec)) return refuseForgery(res);
    if (!deps.signIn.operatorEnabled) {
      render(res, 404, { operatorError: 'Operator sign-in is off: REPOGATE_ADMIN_TOKEN is not set.' });
      return;
    }
    const result = await deps.signIn.operator(formField(req, 'token'), deps.clientAddress(req), 'page');
    finish(req, res, result, (message) => render(res, res.statusCode, { operatorError: message }));
  });

  router.post('/sign-out', async (req, res) => {
    const { session } = pageContextOf(res);
    if (session !== undefined) {
      if (!csrfValid(req, res, deps.codec)) return refuseForgery(res);
      await deps.admin.record(session.caller, 'session.signed_out', { address: deps.clientAddress(req) });
      deps.authenticator.end(session);
    }
    clearCookie(req, res, sessionCookieName);
    res.redirect(303, '/sign-in?signed-out=1');
  });

  return router;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
