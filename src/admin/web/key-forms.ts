import { Router, type Request, type Response } from 'express';
import { isRepogateError } from '../../errors.js';
import { renderAccessKeys, keyOfAccount } from './account-pages.js';
import { formField, pageCallerOf, requireCsrf, type WebDeps } from './page-context.js';
import { accessKeysPath } from './views/access-keys-view.js';
import { errorPage } from './views/other-pages.js';

/**
 * The forms that change something. Each checks the CSRF token, acts through the admin service as
 * the signed-in caller (recorded in the audit trail), then redirects back to the page (Post/Redirect/
 * Get) — except when a secret was issued: that answer shows it once, and is never stored anywhere.
 */
export function keyForms(deps: WebDeps): Router {
  const router = Router();

  router.use(requireCsrf(deps.codec));

  const back = (res: Response, accountId: string, query: Record<string, string>): void => {
    res.redirect(303, `${accessKeysPath(accountId)}?${new URLSearchParams(query).toString()}`);
  };

  /** A repeated one-time form (reloading a page that showed a secret) does nothing and goes back to the page. */
  const firstTime = (req: Request, res: Response, accountId: string): boolean => {
    if (deps.once.use(formField(req, 'once'))) return true;
    back(res, accountId, { done: 'already' });
    return false;
  };

  router.post('/accounts/:id/keys', async (req, res) => {
    const id = String(req.params['id']);
    const caller = pageCallerOf(res);
    await deps.admin.account(caller, id);
    if (!firstTime(req, res, id)) return;
    const name = formField(req, 'name');
    const expires = formField(req, 'expires');
    try {
      const issued = await deps.admin.createKey(caller, id, name, { expiresOn: expires === '' ? undefined : expires });
      await renderAccessKeys(deps, res, id, { issued: { kind: 'key', issued } });
    } catch (error) {
      if (!isRepogateError(error) || error.code !== 'VALIDATION') throw error;
      await renderAccessKeys(deps, res, id, { createName: name, createExpires: expires, createError: capitalise(error.message) + '.' }, 400);
    }
  });

  router.post('/accounts/:id/keys/:publicKey/:action', async (req, res) => {
    const id = String(req.params['id']);
    const publicKey = String(req.params['publicKey']);
    const action = String(req.params['action']);
    const caller = pageCallerOf(res);
    const key = await keyOfAccount(deps, caller, id, publicKey);
    switch (action) {
      case 'disable': {
        const { changed } = await deps.admin.disableKey(caller, publicKey);
        // Disable in place on the operator's list of keys across accounts: back to that list.
        if (formField(req, 'back') === 'keys' && caller.kind === 'operator') {
          return res.redirect(303, `/keys?${new URLSearchParams({ done: changed ? 'disabled' : 'already-disabled', name: key.name }).toString()}`);
        }
        return back(res, id, { done: changed ? 'disabled' : 'already-disabled', key: publicKey });
      }
      case 'enable': {
        const { changed } = await deps.admin.enableKey(caller, publicKey);
        return back(res, id, { done: changed ? 'enabled' : 'already-enabled', key: publicKey });
      }
      case 'rename':
        try {
          await deps.admin.renameKey(caller, publicKey, formField(req, 'name'));
        } catch (error) {
          if (!isRepogateError(error) || error.code !== 'VALIDATION') throw error;
          return renderAccessKeys(deps, res, id, { notice: { tone: 'error', text: capitalise(error.message) + '.' } }, 400);
        }
        return back(res, id, { done: 'renamed', key: publicKey });
      case 'delete':
        if (formField(req, 'confirm') !== 'yes') return res.redirect(303, `/accounts/${id}/keys/${publicKey}/confirm-delete`);
        await deps.admin.deleteKey(caller, publicKey);
        return back(res, id, { done: 'deleted', name: key.name });
      case 'regenerate': {
        if (formField(req, 'confirm') !== 'yes') return res.redirect(303, `/accounts/${id}/keys/${publicKey}/confirm-regenerate`);
        if (!firstTime(req, res, id)) return;
        const issued = await deps.admin.regenerateKey(caller, publicKey);
        return renderAccessKeys(deps, res, id, { issued: { kind: 'key', issued, regeneratedFrom: publicKey } });
      }
      default:
        res.status(404).type('html').send(errorPage({ title: 'Not found', text: 'There is no such action.', signedIn: true }));
    }
  });

  router.post('/accounts/:id/downloads-token', async (req, res) => {
    const id = String(req.params['id']);
    const caller = pageCallerOf(res);
    await deps.admin.account(caller, id);
    if (!firstTime(req, res, id)) return;
    const { token } = await deps.admin.generateToken(caller, id);
    await renderAccessKeys(deps, res, id, { issued: { kind: 'token', token } });
  });

  return router;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
