import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { isRepogateError } from '../../errors.js';
import { bodyParserStatus } from '../api/api-errors.js';
import { accountPages } from './account-pages.js';
import { keyForms } from './key-forms.js';
import { operatorForms } from './operator-forms.js';
import { operatorPages } from './operator-pages.js';
import { pageContext, pageContextOf, requireSignedIn, type WebDeps } from './page-context.js';
import { sessionForms } from './session-forms.js';
import { signInRoutes } from './sign-in-routes.js';
import { staticRoutes } from './static.js';
import { errorPage } from './views/other-pages.js';

/**
 * Headers for every page: no caching (pages can show a one-time secret), no framing, no inline
 * script or style (the one script and stylesheet come from this origin), no referrer to elsewhere.
 */
function pageHeaders(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader(
    'Content-Security-Policy',
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  );
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'same-origin');
  next();
}

/**
 * The Access Keys page: server-rendered HTML that works without JavaScript (forms post, then
 * redirect), sign-in for owners and the operator, and the static stylesheet and script.
 */
export function createWebRouter(deps: WebDeps): Router {
  const router = Router();
  router.use(staticRoutes());
  router.use(pageHeaders);
  router.use(express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 50 }));
  router.use(pageContext(deps));
  router.use(signInRoutes(deps));
  router.use(requireSignedIn);
  router.use(accountPages(deps));
  router.use(operatorPages(deps));
  router.use(operatorForms(deps));
  router.use(sessionForms(deps));
  router.use(keyForms(deps));

  router.use((_req: Request, res: Response) => {
    res.status(404).type('html').send(errorPage({ title: 'Not found', text: 'There is no such page.', signedIn: true }));
  });
  router.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    const signedIn = (res.locals['page'] as unknown) !== undefined && pageContextOf(res).session !== undefined;
    if (isRepogateError(error)) {
      res.locals['errorCode'] = error.code;
      const title = error.code === 'NOT_FOUND' ? 'Not found' : error.code === 'FORBIDDEN' ? 'Not allowed' : 'That did not work';
      res.status(error.status).type('html').send(errorPage({ title, text: error.message, signedIn, code: error.code }));
      return;
    }
    const parserStatus = bodyParserStatus(error);
    if (parserStatus !== undefined) {
      res.status(parserStatus).type('html').send(errorPage({ title: 'That did not work', text: 'The form could not be read.', signedIn }));
      return;
    }
    deps.logger.error({ err: error instanceof Error ? (error.stack ?? error.message) : String(error) }, 'admin page error');
    res.status(500).type('html').send(errorPage({ title: 'Something went wrong', text: 'The error is in the server log.', signedIn }));
  });
  return router;
}
