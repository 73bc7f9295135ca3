import type { Request, Response, Router } from 'express';
import type { ComposerDeps } from './composer-deps.js';
import { registerAdvisories } from './advisories-route.js';
import { registerCatalogue } from './catalogue-routes.js';
import { registerNotifyBatch } from './notify-batch.js';

/** `POST /notify-batch` (download notifications), security advisories, search and list, `GET /healthz`, `GET /readyz`. */
export function registerServiceRoutes(router: Router, deps: ComposerDeps): void {
  router.get('/healthz', (_req: Request, res: Response) => {
    res.json({ status: 'ok' });
  });

  router.get('/readyz', async (_req: Request, res: Response) => {
    const problem = await deps.notReady();
    if (problem === undefined) res.json({ status: 'ready' });
    else res.status(503).json({ status: 'not ready', warning: problem });
  });

  registerNotifyBatch(router, deps);
  registerAdvisories(router, deps);
  registerCatalogue(router, deps);
}
