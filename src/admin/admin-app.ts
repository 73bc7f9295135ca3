import express, { type Request, type Response } from 'express';
import type { Logger } from '../logger.js';
import { accessLog } from '../http/request-context.js';
import { sendError } from '../http/responses.js';

/** The admin listener (REPOGATE_ADMIN_PORT): health for now; the admin API and the web page mount here. */
export function createAdminApp(deps: { logger: Logger }): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(accessLog(deps.logger));
  app.get('/healthz', (_req: Request, res: Response) => {
    res.json({ status: 'ok' });
  });
  app.use((req: Request, res: Response) => {
    sendError(res, 'NOT_FOUND', `no such path: ${req.method} ${req.path.slice(0, 200)}`);
  });
  return app;
}
