import { accessRoutes } from './access-routes.js';
import { auditRoutes } from './audit-routes.js';
import express, { Router, type NextFunction, type Request, type Response } from 'express';
import { openApiDocument } from '../openapi.js';
import { accountRoutes } from './account-routes.js';
import { sendApiError, sendApiFailure } from './api-errors.js';
import type { ApiDeps } from './api-context.js';
import { entitlementRoutes } from './entitlement-routes.js';
import { keyRoutes } from './key-routes.js';
import { meRoutes, sessionSignInRoutes } from './session-routes.js';
import { sourceRoutes } from './source-routes.js';
import { tokenRoutes } from './token-routes.js';

/**
 * The JSON admin API, mounted at `/api/v1`: `openapi.json` and `POST /session` need no token;
 * everything else is authenticated (admin token, session token, or the page's session cookie with
 * a CSRF header) and answers errors as `{"warning", "code"}`.
 */
export function createApiRouter(deps: ApiDeps): Router {
  const router = Router();
  router.use(express.json({ limit: '64kb' }));

  router.get('/openapi.json', (_req, res) => {
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    res.setHeader('Cache-Control', 'no-cache');
    res.send(openApiDocument());
  });
  router.use(sessionSignInRoutes(deps));

  router.use(async (req: Request, res: Response, next: NextFunction) => {
    const auth = await deps.authenticator.api(req);
    if (!auth.ok) {
      sendApiError(res, auth.code, auth.message, auth.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: auth.retryAfterSeconds });
      return;
    }
    res.locals['authentication'] = auth;
    res.setHeader('Cache-Control', 'no-store');
    next();
  });
  router.use(meRoutes(), accountRoutes(deps), entitlementRoutes(deps), keyRoutes(deps), tokenRoutes(deps), auditRoutes(deps), accessRoutes(deps), sourceRoutes(deps));

  router.use((req: Request, res: Response) => {
    sendApiError(res, 'NOT_FOUND', `no such API route: ${req.method} ${req.baseUrl}${req.path.slice(0, 200)}`);
  });
  router.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    sendApiFailure(res, error, deps.logger);
  });
  return router;
}
