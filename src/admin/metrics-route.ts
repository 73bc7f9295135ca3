import { timingSafeEqual } from 'node:crypto';
import express, { type Request, type Response } from 'express';
import { sendError } from '../http/responses.js';
import type { Registry as RegistryService } from '../registry/registry.js';
import type { Metrics } from '../metrics/metrics.js';

function tokenMatches(header: string | undefined, token: string): boolean {
  const match = /^Bearer (.+)$/.exec(header ?? '');
  if (!match) return false;
  const a = Buffer.from(match[1]!);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * `GET /metrics` on the admin listener, in Prometheus text format, behind the operator's bearer
 * token. Registry sizes are counted at scrape time.
 */
export function metricsHandler(metrics: Metrics, registry: RegistryService, adminToken: string | undefined) {
  return async (req: Request, res: Response): Promise<void> => {
    if (adminToken === undefined) {
      return sendError(res, 'FORBIDDEN', 'metrics need REPOGATE_ADMIN_TOKEN to be set; scrape with "Authorization: Bearer <token>"');
    }
    if (!tokenMatches(req.headers.authorization, adminToken)) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="repogate"');
      return sendError(res, 'AUTH_INVALID', 'metrics need the operator token: "Authorization: Bearer <REPOGATE_ADMIN_TOKEN>"', 401);
    }
    const db = registry.context.db;
    const [keys, accounts] = await Promise.all([
      db.selectFrom('access_keys').select(['status', db.fn.countAll<number>().as('n')]).groupBy('status').execute(),
      db.selectFrom('accounts').select(['status', db.fn.countAll<number>().as('n')]).groupBy('status').execute(),
    ]);
    metrics.registryKeys.reset();
    for (const row of keys) metrics.registryKeys.set({ status: row.status }, Number(row.n));
    metrics.registryAccounts.reset();
    for (const row of accounts) metrics.registryAccounts.set({ status: row.status }, Number(row.n));
    res.setHeader('Content-Type', metrics.registry.contentType);
    res.end(await metrics.registry.metrics());
  };
}

/** The admin listener's application: `/metrics` first, then everything the admin app serves. */
export function withMetricsRoute(adminApp: express.Express, handler: (req: Request, res: Response) => Promise<void>): express.Express {
  const root = express();
  root.disable('x-powered-by');
  root.get('/metrics', handler);
  root.use(adminApp);
  return root;
}
