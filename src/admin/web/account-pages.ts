import { Router, type Request, type Response } from 'express';
import { notFound } from '../../errors.js';
import type { AccessKey } from '../../registry/keys.js';
import { mageIdPattern } from '../../registry/validation.js';
import type { Caller } from '../caller.js';
import { pageCallerOf, pageContextOf, type WebDeps } from './page-context.js';
import type { Notice } from './views/account-sections.js';
import { accessKeysPage, accessKeysPath, type AccessKeysInput } from './views/access-keys-view.js';
import { activityPage, confirmKeyPage } from './views/other-pages.js';

type PageExtras = Pick<AccessKeysInput, 'issued' | 'notice' | 'createOpen' | 'createName' | 'createExpires' | 'createError'>;

/** Renders the Access Keys page of `accountId` for the signed-in caller (NOT_FOUND for another owner's account). */
export async function renderAccessKeys(deps: WebDeps, res: Response, accountId: string, extras: PageExtras = {}, status = 200): Promise<void> {
  const caller = pageCallerOf(res);
  const overview = await deps.admin.overview(caller, accountId);
  const accounts = caller.kind === 'operator' ? await deps.admin.accounts(caller) : undefined;
  const page = accessKeysPage({
    caller,
    overview,
    accounts,
    csrf: pageContextOf(res).csrf,
    once: () => deps.once.issue(),
    composerHost: deps.composerHost(),
    repositoryUrl: deps.repositoryUrl(),
    ...extras,
  });
  res.status(status).type('html').send(page);
}

/** A key of this account, as the caller may see it: another account's key (or one under the wrong account in the URL) is NOT_FOUND. */
export async function keyOfAccount(deps: WebDeps, caller: Caller, accountId: string, publicKey: string): Promise<AccessKey> {
  const key = await deps.admin.key(caller, publicKey);
  if (key.accountId !== accountId) throw notFound(`key ${publicKey} not found`);
  return key;
}

export function queryText(req: Request, name: string): string | undefined {
  const value: unknown = (req.query as Record<string, unknown>)[name];
  return typeof value === 'string' && value.length <= 200 ? value : undefined;
}

/** The notice after a redirect (Post/Redirect/Get): what was done, to which key. */
function noticeFor(req: Request, keys: readonly AccessKey[]): Notice | undefined {
  const done = queryText(req, 'done');
  const key = keys.find((k) => k.publicKey === queryText(req, 'key'));
  const name = key?.name ?? queryText(req, 'name') ?? 'the key';
  switch (done) {
    case 'disabled':
      return { tone: 'success', text: `Key “${name}” is disabled: it is refused until you enable it again.` };
    case 'enabled':
      return { tone: 'success', text: `Key “${name}” is enabled again.` };
    case 'already-disabled':
      return { tone: 'info', text: `Key “${name}” is already disabled: nothing changed.` };
    case 'already-enabled':
      return { tone: 'info', text: `Key “${name}” is already enabled: nothing changed.` };
    case 'renamed':
      return { tone: 'success', text: `The key is now called “${name}”.` };
    case 'deleted':
      return { tone: 'success', text: `Key “${name}” is deleted: it no longer works.` };
    case 'signed-out-everywhere':
      return { tone: 'success', text: 'Every session of this account’s owner has ended, on every device: they sign in again with their password.' };
    case 'already':
      return {
        tone: 'info',
        text: 'That form had already been sent, so nothing was done again. A private key or token is shown only once, in the answer to the form that made it.',
      };
    default:
      return undefined;
  }
}

/** The pages that only read: home, the operator's account list and switcher, Access Keys, Activity, and the no-JS confirmations. */
export function accountPages(deps: WebDeps): Router {
  const router = Router();

  router.get('/', (_req, res) => {
    const caller = pageCallerOf(res);
    res.redirect(303, caller.kind === 'account' ? accessKeysPath(caller.accountId) : '/accounts');
  });

  router.get('/accounts/switch', (req, res) => {
    const account = queryText(req, 'account')?.trim().toUpperCase();
    res.redirect(303, account !== undefined && mageIdPattern.test(account) ? accessKeysPath(account) : '/accounts');
  });

  router.get('/accounts/:id/access-keys', async (req, res) => {
    const id = String(req.params['id']);
    const caller = pageCallerOf(res);
    const keys = await deps.admin.keys(caller, id);
    await renderAccessKeys(deps, res, id, { notice: noticeFor(req, keys), createOpen: queryText(req, 'create') === '1' });
  });

  router.get('/accounts/:id/activity', async (req, res) => {
    const id = String(req.params['id']);
    const caller = pageCallerOf(res);
    const account = await deps.admin.account(caller, id);
    const [events, accounts] = await Promise.all([
      deps.admin.activity(caller, id, 200),
      caller.kind === 'operator' ? deps.admin.accounts(caller) : Promise.resolve(undefined),
    ]);
    res.type('html').send(activityPage({ caller, csrf: pageContextOf(res).csrf, account, accounts, events }));
  });

  router.get('/accounts/:id/keys/:publicKey/:action', async (req, res) => {
    const action = req.params['action'] === 'confirm-delete' ? 'delete' : req.params['action'] === 'confirm-regenerate' ? 'regenerate' : undefined;
    if (action === undefined) throw notFound('no such page');
    const id = String(req.params['id']);
    const caller = pageCallerOf(res);
    const key = await keyOfAccount(deps, caller, id, String(req.params['publicKey']));
    const account = await deps.admin.account(caller, id);
    const accounts = caller.kind === 'operator' ? await deps.admin.accounts(caller) : undefined;
    res.type('html').send(confirmKeyPage({ caller, csrf: pageContextOf(res).csrf, account, accounts, key, action, once: deps.once.issue() }));
  });

  return router;
}
