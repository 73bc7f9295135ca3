import type { Account } from '../../../registry/accounts.js';
import type { AuditEvent } from '../../../registry/audit.js';
import type { AccessKey } from '../../../registry/keys.js';
import type { Caller } from '../../caller.js';
import { noticeBox } from './account-sections.js';
import { csrfInput, tabs, topbar } from './chrome.js';
import { describeActor, describeEvent } from './events.js';
import { timeTag } from './format.js';
import { html } from './html.js';
import { layout } from './layout.js';

/** The no-JS confirmation step for deleting or regenerating a key. */
export function confirmKeyPage(input: {
  caller: Caller;
  csrf: string;
  account: Account;
  accounts?: readonly Account[];
  key: AccessKey;
  action: 'delete' | 'regenerate';
  once: string;
}): string {
  const { key, account } = input;
  const back = `/accounts/${account.id}/access-keys`;
  const title = input.action === 'delete' ? `Delete key “${key.name}”?` : `Regenerate key “${key.name}”?`;
  const text =
    input.action === 'delete'
      ? 'Its public and private key stop working at once. This cannot be undone.'
      : 'The key gets a new public and private key, shown once. The current pair stops working at once: update auth.json wherever it is used.';
  const body = html`${topbar({ caller: input.caller, csrf: input.csrf, account, accounts: input.accounts })}
${tabs(account.id, 'access-keys', input.caller)}
<main id="main">
<section class="block" aria-labelledby="confirm-page-title">
<h1 id="confirm-page-title">${title}</h1>
<p>${text}</p>
<dl class="facts"><dt>Public key</dt><dd class="mono">${key.publicKey}</dd></dl>
<form method="post" action="/accounts/${account.id}/keys/${key.publicKey}/${input.action}">${csrfInput(input.csrf)}
  <input type="hidden" name="confirm" value="yes"><input type="hidden" name="once" value="${input.once}">
  <div class="confirm-actions">
    <a class="button" href="${back}">Cancel</a>
    <button class="button button-danger-solid" type="submit">${input.action === 'delete' ? 'Delete' : 'Regenerate'}</button>
  </div>
</form>
</section>
</main>`;
  return layout({ title, body });
}

/** The account's audit trail, newest first. */
export function activityPage(input: { caller: Caller; csrf: string; account: Account; accounts?: readonly Account[]; events: readonly AuditEvent[] }): string {
  const { account } = input;
  const body = html`${topbar({ caller: input.caller, csrf: input.csrf, account, accounts: input.accounts })}
${tabs(account.id, 'activity', input.caller)}
<main id="main">
<div class="page-head"><div><h1>Activity</h1><p>Every change to this account’s keys, token and grants, and every sign-in, newest first.</p></div></div>
<section class="block" aria-label="Activity">
${
  input.events.length === 0
    ? html`<p class="empty">Nothing recorded yet.</p>`
    : html`<table class="stack">
<caption class="visually-hidden">Activity</caption>
<thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">Public key</th></tr></thead>
<tbody>${input.events.map(
        (e) => html`<tr><td class="when" data-label="When">${timeTag(e.at)}</td><td data-label="Who">${describeActor(e)}</td><td data-label="What">${describeEvent(e)}</td><td class="public-key" data-label="Public key">${e.publicKey ?? ''}</td></tr>`,
      )}</tbody>
</table>`
}
</section>
</main>`;
  return layout({ title: `Activity · ${account.id}`, body });
}

/** A page for errors: not found, refused, CSRF failures. */
export function errorPage(input: { title: string; text: string; signedIn: boolean; code?: string }): string {
  const body = html`<main id="main" class="signin">
<div class="brand-line">repo<span>gate</span></div>
${noticeBox({ tone: 'error', title: input.title, text: input.text, ...(input.code === undefined ? {} : { code: input.code }) })}
<p><a href="${input.signedIn ? '/' : '/sign-in'}">${input.signedIn ? 'Back to the page' : 'Go to the sign-in page'}</a></p>
</main>`;
  return layout({ title: input.title, body });
}

