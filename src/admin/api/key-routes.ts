import { Router } from 'express';
import type { IssuedKey } from '../../registry/keys.js';
import { callerOf, param, parseBody, query, type ApiDeps } from './api-context.js';
import { createKeyBody, renameKeyBody } from './schemas.js';

/** The pair as created or regenerated: the fields `keys create --json` prints, plus the key itself. */
function issuedKeyBody(issued: IssuedKey): Record<string, unknown> {
  return {
    publicKey: issued.key.publicKey,
    privateKey: issued.privateKey,
    name: issued.key.name,
    account: issued.key.accountId,
    key: issued.key,
  };
}

/** Access keys: list, create, show, rename, disable, enable, regenerate, delete. */
export function keyRoutes({ admin }: ApiDeps): Router {
  const router = Router();

  router.get('/keys', async (req, res) => {
    res.json(await admin.keys(callerOf(res), query(req, 'account')));
  });

  router.get('/accounts/:id/keys', async (req, res) => {
    res.json(await admin.keys(callerOf(res), param(req, 'id')));
  });

  router.post('/accounts/:id/keys', async (req, res) => {
    const body = parseBody(createKeyBody, req.body);
    const issued = await admin.createKey(callerOf(res), param(req, 'id'), body.name, {
      scope: body.scope,
      expiresOn: body.expiresOn,
      cidrs: body.cidrs,
    });
    res.setHeader('Cache-Control', 'no-store');
    res.status(201).json(issuedKeyBody(issued));
  });

  router.get('/keys/:publicKey', async (req, res) => {
    res.json(await admin.key(callerOf(res), param(req, 'publicKey')));
  });

  router.patch('/keys/:publicKey', async (req, res) => {
    const body = parseBody(renameKeyBody, req.body);
    res.json(await admin.renameKey(callerOf(res), param(req, 'publicKey'), body.name));
  });

  // Disabling a disabled key (or enabling an enabled one) is not an error: 200 with the key as it is.
  router.post('/keys/:publicKey/disable', async (req, res) => {
    res.json((await admin.disableKey(callerOf(res), param(req, 'publicKey'))).key);
  });

  router.post('/keys/:publicKey/enable', async (req, res) => {
    res.json((await admin.enableKey(callerOf(res), param(req, 'publicKey'))).key);
  });

  router.post('/keys/:publicKey/regenerate', async (req, res) => {
    const issued = await admin.regenerateKey(callerOf(res), param(req, 'publicKey'));
    res.setHeader('Cache-Control', 'no-store');
    res.json(issuedKeyBody(issued));
  });

  router.delete('/keys/:publicKey', async (req, res) => {
    const key = await admin.deleteKey(callerOf(res), param(req, 'publicKey'));
    res.json({ publicKey: key.publicKey, deleted: true });
  });

  return router;
}
