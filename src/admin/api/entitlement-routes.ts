import { Router } from 'express';
import { callerOf, param, parseBody, type ApiDeps } from './api-context.js';
import { defineEntitlementBody, grantBody } from './schemas.js';

/** Entitlements (operator only) and the grants of an account (owners read their own). */
export function entitlementRoutes({ admin }: ApiDeps): Router {
  const router = Router();

  router.get('/entitlements', async (_req, res) => {
    res.json(await admin.entitlements(callerOf(res)));
  });

  router.put('/entitlements/:name', async (req, res) => {
    const body = parseBody(defineEntitlementBody, req.body);
    res.json(await admin.defineEntitlement(callerOf(res), param(req, 'name'), body.rules));
  });

  router.delete('/entitlements/:name', async (req, res) => {
    const name = param(req, 'name');
    await admin.deleteEntitlement(callerOf(res), name);
    res.json({ entitlement: name, deleted: true });
  });

  router.get('/accounts/:id/grants', async (req, res) => {
    res.json(await admin.grants(callerOf(res), param(req, 'id')));
  });

  router.put('/accounts/:id/grants/:entitlement', async (req, res) => {
    const body = parseBody(grantBody, req.body);
    res.json(await admin.grant(callerOf(res), param(req, 'id'), param(req, 'entitlement'), body.expiresOn ?? null));
  });

  router.delete('/accounts/:id/grants/:entitlement', async (req, res) => {
    const id = param(req, 'id');
    const entitlement = param(req, 'entitlement');
    await admin.revoke(callerOf(res), id, entitlement);
    res.json({ account: id, entitlement, revoked: true });
  });

  return router;
}
