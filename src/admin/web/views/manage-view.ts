import type { Account } from '../../../registry/accounts.js';
import type { Entitlement } from '../../../registry/entitlements.js';
import type { GrantView } from '../../admin-service.js';
import type { AccountBelongings } from '../../operator-service.js';
import type { Caller } from '../../caller.js';
import { noticeBox, type Notice } from './account-sections.js';
import { csrfInput, tabs, topbar } from './chrome.js';
import { badge, days, timeTag } from './format.js';
import { html, type SafeHtml } from './html.js';
import { secretField } from './issued-views.js';
import { layout } from './layout.js';
import { accountSourcesSection } from './sources-view.js';

export interface ManageInput {
  readonly caller: Caller;
  readonly csrf: string;
  readonly belongings: AccountBelongings;
  readonly accounts: readonly Account[];
  readonly entitlements: readonly Entitlement[];
  readonly today: string;
  /** A fresh one-time form id, for the form that generates a password. */
  readonly once: string;
  readonly notice?: Notice;
  /** A password just generated: shown in this answer only. */
  readonly generatedPassword?: string;
}

export function managePath(accountId: string): string {
  return `/accounts/${accountId}/manage`;
}

function grantState(grant: GrantView): SafeHtml {
  if (grant.state === 'expired') return badge('expired', 'Expired');
  if (grant.state === 'expiring') return badge('expiring', grant.daysLeft === 0 ? 'Last day today' : `${days(grant.daysLeft ?? 0)} left`);
  return badge('active', 'Active');
}

function statusSection(input: ManageInput): SafeHtml {
  const { account } = input.belongings;
  const action = `/accounts/${account.id}`;
  if (account.status === 'suspended') {
    return html`<section class="block" id="status" aria-labelledby="status-title">
<h2 id="status-title">Status ${badge('suspended', 'Suspended')}</h2>
<p>Reason shown to developers: <strong class="reason-text">${account.suspensionReason ?? ''}</strong></p>
<p class="hint">Composer shows this reason next to the 403 its keys get. Resuming lets every enabled key install again at once.</p>
<form method="post" action="${action}/resume">${csrfInput(input.csrf)}<button class="button button-primary" type="submit">Resume account</button></form>
</section>`;
  }
  return html`<section class="block" id="status" aria-labelledby="status-title">
<h2 id="status-title">Status ${badge('active', 'Active')}</h2>
<p class="hint">Suspending refuses every key of the account (403) and ends its owner’s sessions; the owner can still sign in and see why. The reason is what Composer shows developers, so write it for them.</p>
<form method="post" action="${action}/suspend" class="inline-form">${csrfInput(input.csrf)}
  <div class="field wide"><label for="suspend-reason">Reason</label><input type="text" id="suspend-reason" name="reason" required maxlength="300" autocomplete="off" placeholder="e.g. Invoice 2025-031 is overdue: contact billing@example.com"></div>
  <button class="button button-danger" type="submit">Suspend account</button>
</form>
</section>`;
}

function passwordSection(input: ManageInput): SafeHtml {
  const { account } = input.belongings;
  return html`<section class="block" id="password" aria-labelledby="password-title">
<h2 id="password-title">Owner’s password</h2>
<p class="hint">The owner signs in on this page with the MAGEID and this password. ${
    account.hasPassword ? 'A password is set; setting a new one ends every session of the owner.' : 'No password is set yet: the owner cannot sign in.'
  }</p>
${
  input.generatedPassword === undefined
    ? ''
    : html`<div class="block issued" id="issued-password" role="group" aria-labelledby="issued-password-title">
<h3 id="issued-password-title">New password for ${account.id}</h3>
<p class="warning" role="alert">Copy the password now and give it to the owner: it is shown only this once.</p>
${secretField('issued-password-value', 'Password', input.generatedPassword)}
</div>`
}
<div class="two-forms">
<form method="post" action="/accounts/${account.id}/password" class="inline-form">${csrfInput(input.csrf)}
  <div class="field"><label for="owner-password">New password</label><input type="password" id="owner-password" name="password" required minlength="10" maxlength="1024" autocomplete="new-password"></div>
  <button class="button" type="submit">Set password</button>
</form>
<span class="or">or</span>
<form method="post" action="/accounts/${account.id}/password/generate">${csrfInput(input.csrf)}<input type="hidden" name="once" value="${input.once}">
  <button class="button" type="submit">Generate a password</button>
</form>
</div>
</section>`;
}

function grantsSection(input: ManageInput): SafeHtml {
  const { account, grants } = input.belongings;
  return html`<section class="block" id="grants" aria-labelledby="grants-title">
<h2 id="grants-title">Entitlements</h2>
<p class="hint">What this account’s keys may install. A grant counts up to and including its last day; granting an entitlement the account already holds changes its last day.</p>
${
  grants.length === 0
    ? html`<p class="empty">No entitlement granted: the account’s keys can’t install anything.</p>`
    : html`<table class="stack">
<caption class="visually-hidden">Grants</caption>
<thead><tr><th scope="col">Entitlement</th><th scope="col">Last day</th><th scope="col">State</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
<tbody>${grants.map(
        (g) => html`<tr data-grant="${g.entitlement}"><td data-label="Entitlement"><code>${g.entitlement}</code></td><td data-label="Last day">${g.expiresOn ?? 'No expiry'}</td><td data-label="State">${grantState(g)}</td>
<td data-label="Actions"><form method="post" action="/accounts/${account.id}/grants/${g.entitlement}/revoke">${csrfInput(input.csrf)}<button class="button button-small button-danger" type="submit">Revoke<span class="visually-hidden"> ${g.entitlement}</span></button></form></td></tr>`,
      )}</tbody>
</table>`
}
${
  input.entitlements.length === 0
    ? html`<p class="hint">No entitlement is defined yet: <a href="/entitlements/new">define one</a> first.</p>`
    : html`<form method="post" action="/accounts/${account.id}/grants" class="inline-form grant-form">${csrfInput(input.csrf)}
  <div class="field"><label for="grant-entitlement">Entitlement</label><select id="grant-entitlement" name="entitlement" required>${input.entitlements.map(
    (e) => html`<option value="${e.name}">${e.name}</option>`,
  )}</select></div>
  <div class="field"><label for="grant-expires">Last day (optional)</label><input type="date" id="grant-expires" name="expires" min="${input.today}"></div>
  <button class="button button-primary" type="submit">Grant</button>
</form>`
}
</section>`;
}

function deleteSection(input: ManageInput): SafeHtml {
  const { account } = input.belongings;
  return html`<section class="block danger-zone" id="delete" aria-labelledby="delete-title">
<h2 id="delete-title">Delete account</h2>
<p class="hint">Deletes the account with its keys, grants and downloads access token. Its audit trail is kept.</p>
<form method="get" action="/accounts/${account.id}/confirm-delete"><button class="button button-danger" type="submit">Delete account…</button></form>
</section>`;
}

/** The operator's Account tab: status (suspend with a reason, resume), owner's password, grants, delete. */
export function managePage(input: ManageInput): string {
  const { account } = input.belongings;
  const body = html`${topbar({ caller: input.caller, csrf: input.csrf, account, accounts: input.accounts, section: 'accounts' })}
${tabs(account.id, 'manage', input.caller)}
<main id="main">
${input.notice === undefined ? '' : noticeBox(input.notice)}
<div class="page-head"><div><h1>Account</h1><p>${account.name}${account.email === null ? '' : ` · ${account.email}`} · created ${account.createdAt.slice(0, 10)} · ${String(input.belongings.keys.length)} key${
    input.belongings.keys.length === 1 ? '' : 's'
  }</p></div></div>
${statusSection(input)}
${grantsSection(input)}
${accountSourcesSection(account)}
${passwordSection(input)}
${deleteSection(input)}
</main>`;
  return layout({ title: `Account · ${account.id}`, body, canonical: managePath(account.id) });
}

/** The confirmation before deleting an account, naming what goes with it. */
export function confirmDeleteAccountPage(input: { caller: Caller; csrf: string; belongings: AccountBelongings; accounts: readonly Account[] }): string {
  const { account, keys, grants, downloadsToken } = input.belongings;
  const title = `Delete account ${account.id}?`;
  const body = html`${topbar({ caller: input.caller, csrf: input.csrf, account, accounts: input.accounts, section: 'accounts' })}
${tabs(account.id, 'manage', input.caller)}
<main id="main">
<section class="block" aria-labelledby="confirm-page-title">
<h1 id="confirm-page-title">${title}</h1>
<p><strong>${account.name}</strong> and everything below go for good. Developers and CI jobs using its keys are refused at once. The audit trail keeps the account’s history.</p>
<ul class="goes">
<li>${keys.length === 0 ? 'No access keys' : html`${String(keys.length)} access key${keys.length === 1 ? '' : 's'}: ${keys.map((k, i) => html`${i === 0 ? '' : ', '}“${k.name}”`)}`}</li>
<li>${grants.length === 0 ? 'No grants' : html`${String(grants.length)} grant${grants.length === 1 ? '' : 's'}: ${grants.map((g, i) => html`${i === 0 ? '' : ', '}<code>${g.entitlement}</code>`)}`}</li>
<li>${downloadsToken === null ? 'No downloads access token' : html`Its downloads access token (generated ${timeTag(downloadsToken.createdAt)})`}</li>
<li>${account.hasPassword ? 'The owner’s password and sessions' : 'No owner password'}</li>
</ul>
<form method="post" action="/accounts/${account.id}/delete">${csrfInput(input.csrf)}<input type="hidden" name="confirm" value="yes">
  <div class="confirm-actions">
    <a class="button" href="${managePath(account.id)}">Cancel</a>
    <button class="button button-danger-solid" type="submit">Delete account ${account.id}</button>
  </div>
</form>
</section>
</main>`;
  return layout({ title, body });
}
