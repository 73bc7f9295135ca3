import { Router } from 'express';
import { invalid } from '../../errors.js';
import { assertMageId, assertPublicKey, assertSince } from '../../registry/validation.js';
import { callerOf, query, type ApiDeps } from './api-context.js';

/** `GET /audit?key=&account=&since=&limit=`: the audit trail, as `repogate audit` shows it. */
export function auditRoutes({ admin }: ApiDeps): Router {
  const router = Router();
  router.get('/audit', async (req, res) => {
    const key = query(req, 'key');
    const account = query(req, 'account');
    const since = query(req, 'since');
    const limitText = query(req, 'limit');
    if (limitText !== undefined && !/^\d{1,5}$/.test(limitText)) throw invalid(`invalid limit "${limitText}": expected a whole number`);
    res.json(
      await admin.auditTrail(callerOf(res), {
        publicKey: key === undefined ? undefined : assertPublicKey(key),
        accountId: account === undefined ? undefined : assertMageId(account),
        since: since === undefined ? undefined : assertSince(since),
        limit: Math.max(1, Math.min(10_000, Number(limitText ?? 200))),
      }),
    );
  });
  return router;
}
