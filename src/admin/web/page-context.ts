import type { NextFunction, Request, Response } from 'express';
import type { ClientAddress } from '../../http/client-address.js';
import type { Logger } from '../../logger.js';
import type { AdminService } from '../admin-service.js';
import type { Authenticator } from '../authenticate.js';
import type { Caller } from '../caller.js';
import type { OperatorService } from '../operator-service.js';
import type { SignIn } from '../sign-in.js';
import type { SourceAdmin } from '../source-admin.js';
import { clearCookie, readCookies, setCookie } from './cookies.js';
import { csrfFieldName, csrfMatches, csrfSeedCookieName, csrfToken, newCsrfSeed } from './csrf.js';
import type { OnceGuard } from './once.js';
import { errorPage } from './views/other-pages.js';
import { sessionCookieName, type Session, type SessionCodec } from './session.js';

/** What the page's routes are built from. */
export interface WebDeps {
  readonly admin: AdminService;
  /** The operator's console: account list, deletion summary, previews, keys needing a look, activity. */
  readonly operator: OperatorService;
  /** Sources, for the operator's read-only Sources section. */
  readonly sources: SourceAdmin;
  readonly signIn: SignIn;
  readonly codec: SessionCodec;
  readonly authenticator: Authenticator;
  readonly once: OnceGuard;
  readonly logger: Logger;
  /** The client's address (through trusted proxies), for sign-in limits and the audit trail. */
  readonly clientAddress: ClientAddress;
  /** `host[:port]` Composer keys credentials by, for the auth.json snippet. */
  readonly composerHost: () => string;
  /** The Composer repository URL, for the `repositories` hint. */
  readonly repositoryUrl: () => string;
}

/** Per request: the session (if signed in) and the CSRF token for the forms on the page. */
export interface PageContext {
  readonly session: Session | undefined;
  readonly csrf: string;
  /** What the CSRF token is bound to: the session id, or the visitor's seed cookie. */
  readonly csrfSeed: string;
}

export function pageContextOf(res: Response): PageContext {
  return res.locals['page'] as PageContext;
}

/** The signed-in caller; only call after `requireSignedIn`. */
export function pageCallerOf(res: Response): Caller {
  const session = pageContextOf(res).session;
  if (session === undefined) throw new Error('pageCallerOf without a session');
  return session.caller;
}

/**
 * Reads the session cookie (dropping it when it is no longer valid) and works out the CSRF token:
 * bound to the session once signed in, else to a random seed cookie set here, so that the sign-in
 * form carries one too.
 */
export function pageContext(deps: WebDeps) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const cookies = readCookies(req);
    const presented = cookies[sessionCookieName];
    const session = presented === undefined ? undefined : await deps.authenticator.session(presented);
    if (presented !== undefined && session === undefined) clearCookie(req, res, sessionCookieName);
    let seed = session?.id ?? cookies[csrfSeedCookieName];
    if (seed === undefined || !/^[A-Za-z0-9_-]{16,64}$/.test(seed)) {
      seed = newCsrfSeed();
      setCookie(req, res, csrfSeedCookieName, seed, 24 * 60 * 60);
    }
    const context: PageContext = { session, csrf: csrfToken(deps.codec, seed), csrfSeed: seed };
    res.locals['page'] = context;
    next();
  };
}

/** Sends visitors without a session to the sign-in page (303, so a POST becomes a GET). */
export function requireSignedIn(req: Request, res: Response, next: NextFunction): void {
  if (pageContextOf(res).session !== undefined) {
    next();
    return;
  }
  res.redirect(303, req.method === 'GET' && req.originalUrl !== '/' ? `/sign-in?next=${encodeURIComponent(req.originalUrl)}` : '/sign-in');
}

/** A form post's text field (`''` when it is missing or not text). */
export function formField(req: Request, name: string): string {
  const value = (req.body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
}

/** True when a form post carries the right CSRF token for this visitor. */
export function csrfValid(req: Request, res: Response, codec: SessionCodec): boolean {
  const body = req.body as Record<string, unknown> | undefined;
  return csrfMatches(codec, pageContextOf(res).csrfSeed, body?.[csrfFieldName]);
}

/**
 * Middleware for the signed-in visitor's form routes: a `POST` without the right CSRF token gets the
 * expired-form page (403 CSRF_INVALID) and goes no further; any other request passes.
 */
export function requireCsrf(codec: SessionCodec): (req: Request, res: Response, next: NextFunction) => void {
  return (req, res, next) => {
    if (req.method !== 'POST' || csrfValid(req, res, codec)) next();
    else refuseExpiredForm(res);
  };
}

/** The page a signed-in visitor gets for a form without the right CSRF token (403 CSRF_INVALID). */
export function refuseExpiredForm(res: Response): void {
  res.locals['errorCode'] = 'CSRF_INVALID';
  res.status(403).type('html').send(
    errorPage({
      title: 'This form has expired',
      text: 'The form was missing its security token or it no longer matches your session. Open the page again and retry.',
      signedIn: true,
      code: 'CSRF_INVALID',
    }),
  );
}
