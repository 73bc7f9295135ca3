import express, { type NextFunction, type Request, type Response } from 'express';
import { isRepogateError } from '../errors.js';
import { accessLog } from '../http/request-context.js';
import { sendError } from '../http/responses.js';
import { registerDownloadsRoutes } from '../downloads/downloads-routes.js';
import type { ComposerDeps } from './composer-deps.js';
import { registerServiceRoutes } from './service-routes.js';

/**
 * The Composer listener's express application: notify-batch, health, release downloads and the 404
 * of unknown paths. The Composer routes themselves (root, `/p2/`, archives) are answered in front of
 * it (composer-lanes.ts).
 */
export function createComposerApp(deps: ComposerDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(accessLog(deps.logger, deps.metrics ? { listener: 'composer', metrics: deps.metrics } : undefined, deps.clientAddress));
  const router = express.Router({ caseSensitive: true, strict: true });
  registerServiceRoutes(router, deps);
  if (deps.downloads) registerDownloadsRoutes(router, deps.downloads);
  app.use(router);
  app.use((req: Request, res: Response) => {
    sendError(res, 'NOT_FOUND', `no such path on this repository: ${req.method} ${req.path.slice(0, 200)}`);
  });
  app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (isRepogateError(error)) return sendError(res, error.code, error.message);
    const status = typeof error === 'object' && error !== null && 'status' in error ? Number(error.status) : 500;
    if (status >= 400 && status < 500) return sendError(res, 'BAD_REQUEST', `bad request (${status})`, { status });
    deps.logger.error({ err: error }, 'unexpected error');
    sendError(res, 'INTERNAL', 'internal error; see the repogate log');
  });
  return app;
}
