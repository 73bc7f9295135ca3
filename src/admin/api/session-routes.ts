import { Router } from 'express';
import { sendApiError } from './api-errors.js';
import { authenticationOf, parseBody, type ApiDeps } from './api-context.js';
import { signInBody } from './schemas.js';

/** `POST /session` (an owner's MAGEID and password → a bearer session token) — needs no token. */
export function sessionSignInRoutes(deps: ApiDeps): Router {
  const router = Router();
  router.post('/session', async (req, res) => {
    const body = parseBody(signInBody, req.body);
    const result = await deps.signIn.owner(body.mageId, body.password, deps.clientAddress(req), 'api');
    if (!result.ok) {
      sendApiError(res, result.code, result.message, result.code === 'RATE_LIMITED' ? { retryAfterSeconds: result.retryAfterSeconds } : {});
      return;
    }
    const { token, session } = deps.codec.issue(result.caller, { securityStamp: result.securityStamp });
    res.status(201).json({ token, account: body.mageId.trim().toUpperCase(), expiresAt: new Date(session.expiresAtMs).toISOString() });
  });
  return router;
}

/** `GET /me`: who the token or session belongs to. */
export function meRoutes(): Router {
  const router = Router();
  router.get('/me', (_req, res) => {
    const auth = authenticationOf(res);
    const { caller } = auth;
    res.json({
      actor: caller.kind === 'operator' ? { type: 'operator', id: 'admin-token' } : { type: 'account', id: caller.accountId },
      account: caller.kind === 'account' ? caller.accountId : null,
      via: auth.via,
    });
  });
  return router;
}
