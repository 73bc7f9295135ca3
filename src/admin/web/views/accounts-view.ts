import type { Account } from '../../../registry/accounts.js';
import type { GrantView } from '../../admin-service.js';
import type { AccountSummary } from '../../operator-service.js';
import type { Caller } from '../../caller.js';
import { noticeBox, type Notice } from './account-sections.js';
import { csrfInput, topbar } from './chrome.js';
import { badge, days, stampTag } from './format.js';
import { html, type SafeHtml } from './html.js';
import { layout } from './layout.js';

export interface AccountsInput {
  readonly caller: Caller;
  readonly csrf: string;
  readonly summaries: readonly AccountSummary[];
  /** Every account (the search may show fewer), for the count and the switcher. */
  readonly accounts: readonly Account[];
  readonly query: string;
  readonly notice?: Notice;
  /** The create form as it was sent, when it was refused. */
  readonly create?: { readonly id: string; readonly name: string; readonly email: string; readonly error: Notice };
}

/** `commerce ends in 12 days`, `marketplace expired on 2025-01-31`. */
function grantNote(grant: GrantView): string {
  if (grant.state === 'expired') return `${grant.entitlement} expired on ${grant.expiresOn ?? ''}`;
  if (grant.daysLeft === 0) return `${grant.entitlement} ends today`;
  return `${grant.entitlement} ends in ${days(grant.daysLeft ?? 0)}`;
}

function stateCell(summary: AccountSummary): SafeHtml {
  const { account } = summary;
  if (account.status === 'suspended') {
    return html`<div>${badge('suspended', 'Suspended')}<small class="reason">${account.suspensionReason ?? ''}</small></div>`;
  }
  return badge('active', 'Active');
}

function createForm(input: AccountsInput): SafeHtml {
  const sent = input.create;
  return html`<section class="block" id="create-account" aria-labelledby="create-account-title">
<h2 id="create-account-title">Create an account</h2>
<p class="hint">The MAGEID is the account’s id, as on the Commerce Marketplace: MAG followed by digits. Set the owner’s password on the account’s page afterwards.</p>
${sent === undefined ? '' : noticeBox(sent.error)}
<form method="post" action="/accounts" class="inline-form">${csrfInput(input.csrf)}
  <div class="field"><label for="new-mageid">MAGEID</label><input type="text" id="new-mageid" name="id" required maxlength="15" autocomplete="off" autocapitalize="characters" spellcheck="false" placeholder="MAG123456789" value="${sent?.id ?? ''}"></div>
  <div class="field"><label for="new-name">Name</label><input type="text" id="new-name" name="name" required maxlength="100" autocomplete="off" placeholder="e.g. Example Agency Ltd" value="${sent?.name ?? ''}"></div>
  <div class="field"><label for="new-email">Email (optional)</label><input type="email" id="new-email" name="email" maxlength="254" autocomplete="off" value="${sent?.email ?? ''}"></div>
  <button class="button button-primary" type="submit">Create account</button>
</form>
</section>`;
}

/** The operator's list of accounts: search, state, keys, last use, grants ending soon; and the create form. */
export function accountsPage(input: AccountsInput): string {
  const { summaries } = input;
  const attention = summaries.filter((s) => s.attention.length > 0).length;
  const body = html`${topbar({ caller: input.caller, csrf: input.csrf, accounts: input.accounts, section: 'accounts' })}
<main id="main">
${input.notice === undefined ? '' : noticeBox(input.notice)}
<div class="page-head"><div><h1>Accounts</h1><p>Every account (MAGEID), its state, its keys and when they were last used. Accounts with a grant that has expired or ends within 30 days are highlighted.</p></div></div>
<section class="block" aria-labelledby="accounts-title">
<div class="section-head">
<h2 id="accounts-title">Accounts <span class="badge">${input.query === '' ? String(input.accounts.length) : `${summaries.length} of ${input.accounts.length}`}</span>${
    attention > 0 ? html` <span class="badge badge-expiring">${attention} need${attention === 1 ? 's' : ''} attention</span>` : ''
  }</h2>
<form method="get" action="/accounts" class="search" role="search">
  <label for="account-search" class="visually-hidden">Search accounts</label>
  <input type="search" id="account-search" name="q" value="${input.query}" placeholder="MAGEID, name or email" maxlength="100">
  <button class="button button-small" type="submit">Search</button>${input.query === '' ? '' : html` <a href="/accounts" class="button button-small">Clear</a>`}
</form>
</div>
${
  summaries.length === 0
    ? html`<p class="empty">${input.accounts.length === 0 ? 'No accounts yet: create the first one below.' : `No account matches “${input.query}”.`}</p>`
    : html`<table class="stack accounts">
<caption class="visually-hidden">Accounts</caption>
<thead><tr><th scope="col">MAGEID</th><th scope="col">Name</th><th scope="col">State</th><th scope="col">Keys</th><th scope="col">Last use</th><th scope="col">Grants</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
<tbody>${summaries.map(
        (s) => html`<tr${s.attention.length > 0 ? html` class="attention"` : ''} data-account="${s.account.id}">
<td data-label="MAGEID"><a class="mono" href="/accounts/${s.account.id}/access-keys">${s.account.id}</a></td>
<td data-label="Name"><div>${s.account.name}${s.account.email === null ? '' : html`<small class="hint">${s.account.email}</small>`}</div></td>
<td data-label="State">${stateCell(s)}</td>
<td class="count" data-label="Keys">${String(s.keys)}</td>
<td class="when" data-label="Last use">${s.lastUsedAt === null ? html`<span class="hint">Never</span>` : stampTag(s.lastUsedAt)}</td>
<td data-label="Grants">${
          s.grants === 0
            ? html`<span class="hint">None</span>`
            : s.attention.length === 0
              ? `${s.grants} active`
              : html`<div class="attention-note">${s.attention.map((g) => html`${badge(g.state, grantNote(g))} `)}</div>`
        }</td>
<td data-label="Actions"><a class="button button-small" href="/accounts/${s.account.id}/manage">Manage<span class="visually-hidden"> ${s.account.id}</span></a></td>
</tr>`,
      )}</tbody>
</table>`
}
</section>
${createForm(input)}
</main>`;
  return layout({ title: 'Accounts', body });
}
