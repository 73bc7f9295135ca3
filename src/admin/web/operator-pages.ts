import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { mageIdPattern } from '../../registry/validation.js';
import { keyStringPattern } from '../../registry/secrets.js';
import type { OperatorService } from '../operator-service.js';
import type { Caller } from '../caller.js';
import { queryText } from './account-pages.js';
import { pageCallerOf, pageContextOf, type WebDeps } from './page-context.js';
import { accessKeysPath } from './views/access-keys-view.js';
import type { Notice } from './views/account-sections.js';
import { accountsPage, type AccountsInput } from './views/accounts-view.js';
import { actionFilters } from './views/events.js';
import { auditPage, type AuditQuery } from './views/audit-view.js';
import { entitlementFormPage, entitlementsPage, type EntitlementFormInput } from './views/entitlements-view.js';
import { keysAttentionPage } from './views/keys-attention-view.js';
import { confirmDeleteAccountPage, managePage, type ManageInput } from './views/manage-view.js';
import { sourcesPage } from './views/sources-view.js';

/** Events per page of the operator's Activity. */
export const auditPageSize = 50;

/** Renders the operator's account list (with the create form as it was sent, when it was refused). */
export async function renderAccounts(deps: WebDeps, res: Response, extras: Pick<AccountsInput, 'notice' | 'create'> & { query?: string } = {}, status = 200): Promise<void> {
  const caller = pageCallerOf(res);
  const query = extras.query ?? '';
  const [summaries, accounts] = await Promise.all([deps.operator.accountSummaries(caller, query), deps.admin.accounts(caller)]);
  const page = accountsPage({ caller, csrf: pageContextOf(res).csrf, summaries, accounts, query, ...extras });
  res.status(status).type('html').send(page);
}

/** Renders an account's Account tab for the operator. */
export async function renderManage(deps: WebDeps, res: Response, id: string, extras: Pick<ManageInput, 'notice' | 'generatedPassword'> = {}, status = 200): Promise<void> {
  const caller = pageCallerOf(res);
  const belongings = await deps.operator.belongings(caller, id);
  const [accounts, entitlements] = await Promise.all([deps.admin.accounts(caller), deps.admin.entitlements(caller)]);
  const page = managePage({ caller, csrf: pageContextOf(res).csrf, belongings, accounts, entitlements, today: deps.admin.today(), once: deps.once.issue(), ...extras });
  res.status(status).type('html').send(page);
}

/** How many accounts hold each entitlement. */
async function holdersOf(operator: OperatorService, caller: Caller): Promise<Map<string, number>> {
  const holders = new Map<string, number>();
  for (const grant of await operator.grantsOfEveryAccount(caller)) holders.set(grant.entitlement, (holders.get(grant.entitlement) ?? 0) + 1);
  return holders;
}

export async function renderEntitlements(deps: WebDeps, res: Response, notice?: Notice, status = 200): Promise<void> {
  const caller = pageCallerOf(res);
  const [entitlements, holders] = await Promise.all([deps.admin.entitlements(caller), holdersOf(deps.operator, caller)]);
  res.status(status).type('html').send(entitlementsPage({ caller, csrf: pageContextOf(res).csrf, entitlements, holders, ...(notice === undefined ? {} : { notice }) }));
}

export function renderEntitlementForm(res: Response, input: Omit<EntitlementFormInput, 'caller' | 'csrf'>, status = 200): void {
  res.status(status).type('html').send(entitlementFormPage({ caller: pageCallerOf(res), csrf: pageContextOf(res).csrf, ...input }));
}

/** The notices after a redirect (Post/Redirect/Get) from the operator's forms. */
function noticeFor(req: Request): Notice | undefined {
  const name = queryText(req, 'name') ?? '';
  switch (queryText(req, 'done')) {
    case 'account-created':
      return { tone: 'success', text: `Account ${name} is created. Set its owner’s password and grant it an entitlement below.` };
    case 'account-deleted':
      return { tone: 'success', text: `Account ${name} is deleted, with its keys, grants and downloads access token.` };
    case 'suspended':
      return { tone: 'success', text: 'The account is suspended: its keys are refused with the reason you gave.' };
    case 'resumed':
      return { tone: 'success', text: 'The account is active again: its enabled keys work at once.' };
    case 'password-set':
      return { tone: 'success', text: 'The owner’s password is set. Every session of the owner has ended.' };
    case 'granted':
      return { tone: 'success', text: `Granted “${name}”.` };
    case 'revoked':
      return { tone: 'success', text: `Revoked “${name}”.` };
    case 'entitlement-saved':
      return { tone: 'success', text: `Entitlement “${name}” is saved. Accounts that hold it get its rules within seconds.` };
    case 'entitlement-deleted':
      return { tone: 'success', text: `Entitlement “${name}” is deleted.` };
    case 'disabled':
      return { tone: 'success', text: `Key “${name}” is disabled: it is refused until it is enabled again.` };
    case 'already-disabled':
      return { tone: 'info', text: `Key “${name}” was already disabled: nothing changed.` };
    case 'already':
      return { tone: 'info', text: 'That form had already been sent, so nothing was done again. A generated password is shown only once.' };
    default:
      return undefined;
  }
}

const dateText = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'a date YYYY-MM-DD');
const auditQuerySchema = z.object({
  account: z.string().trim().toUpperCase().regex(mageIdPattern, 'a MAGEID such as MAG123456789').optional(),
  key: z.string().trim().regex(keyStringPattern, 'a public key of 32 lowercase hexadecimal characters').optional(),
  action: z.enum(actionFilters.map(([value]) => value) as [string, ...string[]]).optional(),
  from: dateText.optional(),
  to: dateText.optional(),
  before: z.coerce.number().int().positive().optional(),
});

/** The Activity filters from the query string: empty fields are no filter; a bad one is named. */
function auditQueryOf(req: Request): { query: AuditQuery; problem?: string } {
  const given: Record<string, string> = {};
  for (const name of ['account', 'key', 'action', 'from', 'to', 'before']) {
    const value = queryText(req, name);
    if (value !== undefined && value.trim() !== '') given[name] = value;
  }
  const parsed = auditQuerySchema.safeParse(given);
  if (parsed.success) return { query: parsed.data };
  const issue = parsed.error.issues[0];
  const field = String(issue?.path[0] ?? 'filter');
  return { query: {}, problem: `The ${field} filter “${given[field] ?? ''}” is not ${issue?.message ?? 'valid'}: showing everything.` };
}

function daysBefore(day: string, count: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) - count * 86_400_000).toISOString().slice(0, 10);
}

/** The operator's pages that only read: accounts, an account's Account tab, entitlements, keys, sources, activity. */
export function operatorPages(deps: WebDeps): Router {
  const router = Router();

  router.get('/accounts', async (req, res) => {
    const caller = pageCallerOf(res);
    if (caller.kind === 'account') {
      res.redirect(303, accessKeysPath(caller.accountId));
      return;
    }
    await renderAccounts(deps, res, { query: queryText(req, 'q') ?? '', ...(noticeFor(req) === undefined ? {} : { notice: noticeFor(req) }) });
  });

  router.get('/accounts/:id/manage', async (req, res) => {
    const notice = noticeFor(req);
    await renderManage(deps, res, String(req.params['id']), notice === undefined ? {} : { notice });
  });

  router.get('/accounts/:id/confirm-delete', async (req, res) => {
    const caller = pageCallerOf(res);
    const belongings = await deps.operator.belongings(caller, String(req.params['id']));
    const accounts = await deps.admin.accounts(caller);
    res.type('html').send(confirmDeleteAccountPage({ caller, csrf: pageContextOf(res).csrf, belongings, accounts }));
  });

  router.get('/entitlements', async (req, res) => {
    await renderEntitlements(deps, res, noticeFor(req));
  });

  router.get('/entitlements/new', async (_req, res) => {
    await deps.admin.entitlements(pageCallerOf(res));
    renderEntitlementForm(res, { name: '', rulesText: '' });
  });

  router.get('/entitlements/:name/edit', async (req, res) => {
    const caller = pageCallerOf(res);
    const name = String(req.params['name']);
    const existing = (await deps.admin.entitlements(caller)).find((e) => e.name === name);
    if (existing === undefined) {
      await renderEntitlements(deps, res, { tone: 'error', code: 'NOT_FOUND', text: `Entitlement “${name}” not found.` }, 404);
      return;
    }
    renderEntitlementForm(res, { existing, name, rulesText: existing.rules.join('\n') });
  });

  router.get('/keys', async (req, res) => {
    const caller = pageCallerOf(res);
    const lists = await deps.operator.keysNeedingAttention(caller);
    const notice = noticeFor(req);
    res.type('html').send(keysAttentionPage({ caller, csrf: pageContextOf(res).csrf, ...lists, ...(notice === undefined ? {} : { notice }) }));
  });

  router.get('/sources', async (_req, res) => {
    const caller = pageCallerOf(res);
    res.type('html').send(sourcesPage({ caller, csrf: pageContextOf(res).csrf, sources: await deps.sources.list(caller) }));
  });

  router.get('/activity', async (req, res) => {
    const caller = pageCallerOf(res);
    const { query, problem } = auditQueryOf(req);
    const events = await deps.operator.auditPage(caller, {
      accountId: query.account,
      publicKey: query.key,
      action: query.action,
      since: query.from === undefined ? undefined : `${query.from}T00:00:00.000Z`,
      until: query.to === undefined ? undefined : `${daysBefore(query.to, -1)}T00:00:00.000Z`,
      beforeId: query.before,
      limit: auditPageSize + 1,
    });
    let downloads: { since: string; perPackage: Array<{ package: string; count: number }> } | undefined;
    if (query.key !== undefined) {
      const since = query.from ?? daysBefore(deps.admin.today(), 90);
      downloads = { since, perPackage: await deps.operator.keyDownloads(caller, query.key, since) };
    }
    res.type('html').send(
      auditPage({
        caller,
        csrf: pageContextOf(res).csrf,
        query,
        events: events.slice(0, auditPageSize),
        more: events.length > auditPageSize,
        ...(downloads === undefined ? {} : { downloads }),
        ...(problem === undefined ? {} : { problem }),
      }),
    );
  });

  return router;
}
