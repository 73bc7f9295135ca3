import { Router } from 'express';
import { callerOf, param, parseBody, type ApiDeps } from './api-context.js';
import { addSourceBody, accountSourcesBody } from './schemas.js';

/** Sources (operator only): list, add, show, remove, and the ordered sources of an account. */
export function sourceRoutes({ sources }: ApiDeps): Router {
  const router = Router();

  router.get('/sources', async (_req, res) => {
    res.json(await sources.list(callerOf(res)));
  });

  router.post('/sources', async (req, res) => {
    const body = parseBody(addSourceBody, req.body);
    res.status(201).json(await sources.add(callerOf(res), body));
  });

  router.get('/sources/:name', async (req, res) => {
    res.json(await sources.get(callerOf(res), param(req, 'name')));
  });

  router.delete('/sources/:name', async (req, res) => {
    await sources.remove(callerOf(res), param(req, 'name'));
    res.status(204).end();
  });

  router.put('/accounts/:id/sources', async (req, res) => {
    const body = parseBody(accountSourcesBody, req.body);
    res.json(await sources.setAccountSources(callerOf(res), param(req, 'id'), body.sources));
  });

  return router;
}
