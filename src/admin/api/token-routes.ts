import { Router } from 'express';
import { callerOf, param, type ApiDeps } from './api-context.js';

/** The account's downloads access token: whether one exists, and generating a new one (shown once). */
export function tokenRoutes({ admin }: ApiDeps): Router {
  const router = Router();

  router.get('/accounts/:id/downloads-token', async (req, res) => {
    const id = param(req, 'id');
    const token = await admin.downloadsToken(callerOf(res), id);
    res.json({ account: id, exists: token !== null, createdAt: token?.createdAt ?? null });
  });

  router.post('/accounts/:id/downloads-token', async (req, res) => {
    const id = param(req, 'id');
    const { token, info } = await admin.generateToken(callerOf(res), id);
    res.setHeader('Cache-Control', 'no-store');
    res.status(201).json({ account: id, token, credentials: `${id}:${token}`, createdAt: info.createdAt });
  });

  return router;
}
