import { Router, type Request, type Response } from 'express';
import { RepogateError, isRepogateError } from '../../errors.js';
import { assertEntitlementName } from '../../registry/validation.js';
import { formField, pageCallerOf, requireCsrf, type WebDeps } from './page-context.js';
import { renderAccounts, renderEntitlementForm, renderEntitlements, renderManage } from './operator-pages.js';
import type { Notice } from './views/account-sections.js';
import { managePath } from './views/manage-view.js';

/** The refusals a form shows next to itself (a person can fix them), with the API's code and message. */
const shownInPlace = new Set(['VALIDATION', 'ALREADY_EXISTS', 'CONFLICT']);

function refusalOf(error: unknown): RepogateError | undefined {
  return isRepogateError(error) && shownInPlace.has(error.code) ? error : undefined;
}

function refusalNotice(error: RepogateError): Notice {
  return { tone: 'error', code: error.code, text: error.message.charAt(0).toUpperCase() + error.message.slice(1) + '.' };
}

/** Rules from the textarea: one a line (commas and spaces also separate), blank lines ignored. */
export function rulesFrom(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((rule) => rule.trim())
    .filter((rule) => rule !== '');
}

/**
 * The operator's forms: accounts (create, suspend, resume, password, delete), grants, entitlements.
 * Each checks the CSRF token, acts through the admin or operator service as the operator (recorded in
 * the audit trail; an owner is refused FORBIDDEN by the service), then redirects back (Post/Redirect/Get). A
 * refusal a person can fix is shown on the form's page with the API's code and message.
 */
export function operatorForms(deps: WebDeps): Router {
  const router = Router();

  router.use(requireCsrf(deps.codec));

  const done = (res: Response, path: string, query: Record<string, string>): void => {
    res.redirect(303, `${path}?${new URLSearchParams(query).toString()}`);
  };

  /** Runs a change on an account's Account tab; a refusal is shown on that tab. */
  const onAccount = async (req: Request, res: Response, change: (id: string) => Promise<Record<string, string>>): Promise<void> => {
    const id = String(req.params['id']);
    try {
      done(res, managePath(id), await change(id));
    } catch (error) {
      const refusal = refusalOf(error);
      if (refusal === undefined) throw error;
      await renderManage(deps, res, id, { notice: refusalNotice(refusal) }, refusal.status);
    }
  };

  router.post('/accounts', async (req, res) => {
    const caller = pageCallerOf(res);
    const sent = { id: formField(req, 'id').trim().toUpperCase(), name: formField(req, 'name'), email: formField(req, 'email').trim() };
    try {
      const account = await deps.admin.createAccount(caller, { id: sent.id, name: sent.name, email: sent.email === '' ? undefined : sent.email });
      done(res, managePath(account.id), { done: 'account-created', name: account.id });
    } catch (error) {
      const refusal = refusalOf(error);
      if (refusal === undefined) throw error;
      await renderAccounts(deps, res, { create: { ...sent, error: refusalNotice(refusal) } }, refusal.status);
    }
  });

  router.post('/accounts/:id/suspend', (req, res) =>
    onAccount(req, res, async (id) => {
      await deps.admin.suspendAccount(pageCallerOf(res), id, formField(req, 'reason'));
      return { done: 'suspended' };
    }),
  );

  router.post('/accounts/:id/resume', (req, res) =>
    onAccount(req, res, async (id) => {
      await deps.admin.resumeAccount(pageCallerOf(res), id);
      return { done: 'resumed' };
    }),
  );

  router.post('/accounts/:id/password', (req, res) =>
    onAccount(req, res, async (id) => {
      await deps.admin.setPassword(pageCallerOf(res), id, formField(req, 'password'));
      return { done: 'password-set' };
    }),
  );

  router.post('/accounts/:id/password/generate', async (req, res) => {
    const id = String(req.params['id']);
    const caller = pageCallerOf(res);
    await deps.operator.belongings(caller, id);
    if (!deps.once.use(formField(req, 'once'))) {
      done(res, managePath(id), { done: 'already' });
      return;
    }
    const password = await deps.operator.resetPassword(caller, id);
    await renderManage(deps, res, id, { generatedPassword: password, notice: { tone: 'success', text: 'A new password is set. Every session of the owner has ended.' } });
  });

  router.post('/accounts/:id/grants', (req, res) =>
    onAccount(req, res, async (id) => {
      const entitlement = formField(req, 'entitlement');
      const expires = formField(req, 'expires').trim();
      await deps.admin.grant(pageCallerOf(res), id, entitlement, expires === '' ? null : expires);
      return { done: 'granted', name: entitlement };
    }),
  );

  router.post('/accounts/:id/grants/:entitlement/revoke', (req, res) =>
    onAccount(req, res, async (id) => {
      const entitlement = String(req.params['entitlement']);
      await deps.admin.revoke(pageCallerOf(res), id, entitlement);
      return { done: 'revoked', name: entitlement };
    }),
  );

  router.post('/accounts/:id/delete', async (req, res) => {
    const id = String(req.params['id']);
    if (formField(req, 'confirm') !== 'yes') {
      res.redirect(303, `/accounts/${id}/confirm-delete`);
      return;
    }
    await deps.admin.deleteAccount(pageCallerOf(res), id);
    done(res, '/accounts', { done: 'account-deleted', name: id });
  });

  router.post('/entitlements', async (req, res) => {
    const caller = pageCallerOf(res);
    const isNew = formField(req, 'mode') === 'new';
    const name = formField(req, 'name').trim();
    const rulesText = formField(req, 'rules').replace(/\r\n?/g, '\n').trim();
    const rules = rulesFrom(rulesText);
    const existing = (await deps.admin.entitlements(caller)).find((e) => e.name === name);
    const form = { name, rulesText, ...(isNew || existing === undefined ? {} : { existing }) };
    try {
      assertEntitlementName(name);
      if (isNew && existing !== undefined) throw new RepogateError('ALREADY_EXISTS', `entitlement "${name}" already exists: edit it from the list of entitlements instead`);
      const preview = await deps.operator.previewRules(caller, rules);
      const previewed = rulesFrom(formField(req, 'previewed')).join('\n');
      if (formField(req, 'intent') !== 'save' || previewed !== rules.join('\n')) {
        const changed = formField(req, 'intent') === 'save';
        renderEntitlementForm(res, {
          ...form,
          preview,
          ...(changed ? { notice: { tone: 'info', text: 'The rules changed since the preview: check this preview of them, then save.' } } : {}),
        });
        return;
      }
      const saved = await deps.admin.defineEntitlement(caller, name, rules);
      done(res, '/entitlements', { done: 'entitlement-saved', name: saved.name });
    } catch (error) {
      const refusal = refusalOf(error);
      if (refusal === undefined) throw error;
      renderEntitlementForm(res, { ...form, notice: refusalNotice(refusal) }, refusal.status);
    }
  });

  router.post('/entitlements/:name/delete', async (req, res) => {
    const name = String(req.params['name']);
    try {
      await deps.admin.deleteEntitlement(pageCallerOf(res), name);
      done(res, '/entitlements', { done: 'entitlement-deleted', name });
    } catch (error) {
      const refusal = refusalOf(error);
      if (refusal === undefined) throw error;
      await renderEntitlements(deps, res, refusalNotice(refusal), refusal.status);
    }
  });

  return router;
}
