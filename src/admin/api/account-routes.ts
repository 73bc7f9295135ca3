import { Router } from 'express';
import { callerOf, param, parseBody, query, type ApiDeps } from './api-context.js';
import { createAccountBody, passwordBody, suspendBody } from './schemas.js';

/** Accounts: list, create, show (with grants, key count, token state), suspend, resume, delete, password, sign out everywhere, audit trail. */
export function accountRoutes({ admin, clientAddress }: ApiDeps): Router {
  const router = Router();

  router.get('/accounts', async (_req, res) => {
    res.json(await admin.accounts(callerOf(res)));
  });

  router.post('/accounts', async (req, res) => {
    const body = parseBody(createAccountBody, req.body);
    res.status(201).json(await admin.createAccount(callerOf(res), body));
  });

  router.get('/accounts/:id', async (req, res) => {
    const overview = await admin.overview(callerOf(res), param(req, 'id'));
    // The same document as `repogate accounts show --json`.
    res.json({
      ...overview.account,
      grants: overview.grants.map((g) => ({ entitlement: g.entitlement, expiresOn: g.expiresOn, expired: g.state === 'expired' })),
      keys: overview.keys.length,
      downloadsToken: overview.downloadsToken === null ? null : { createdAt: overview.downloadsToken.createdAt },
    });
  });

  router.delete('/accounts/:id', async (req, res) => {
    const id = param(req, 'id');
    const keysDeleted = await admin.deleteAccount(callerOf(res), id);
    res.json({ account: id, deleted: true, keysDeleted });
  });

  router.post('/accounts/:id/suspend', async (req, res) => {
    const body = parseBody(suspendBody, req.body);
    res.json(await admin.suspendAccount(callerOf(res), param(req, 'id'), body.reason));
  });

  router.post('/accounts/:id/resume', async (req, res) => {
    res.json(await admin.resumeAccount(callerOf(res), param(req, 'id')));
  });

  router.put('/accounts/:id/password', async (req, res) => {
    const body = parseBody(passwordBody, req.body);
    const id = param(req, 'id');
    await admin.setPassword(callerOf(res), id, body.password);
    res.json({ account: id, passwordSet: true });
  });

  router.delete('/accounts/:id/sessions', async (req, res) => {
    const id = param(req, 'id');
    await admin.signOutEverywhere(callerOf(res), id, { address: clientAddress(req), via: 'api' });
    res.json({ account: id, sessionsEnded: true });
  });

  router.get('/accounts/:id/audit', async (req, res) => {
    const limitText = query(req, 'limit');
    const limit = limitText !== undefined && /^\d{1,4}$/.test(limitText) ? Math.max(1, Number(limitText)) : 100;
    res.json(await admin.activity(callerOf(res), param(req, 'id'), limit));
  });

  return router;
}
