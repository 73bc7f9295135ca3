import type { Account } from '../../../registry/accounts.js';
import type { Caller } from '../../caller.js';
import { csrfFieldName } from '../csrf.js';
import { html, type SafeHtml } from './html.js';

export interface ChromeInput {
  readonly caller: Caller;
  readonly csrf: string;
  /** The account on screen: its MAGEID is shown at the top left. */
  readonly account?: Account;
  /** For the operator: every account, for the switcher. */
  readonly accounts?: readonly Account[];
  /** The operator's section on screen, highlighted in the operator's menu. */
  readonly section?: OperatorSection;
}

/** The operator's sections; an account owner never sees them. */
export type OperatorSection = 'accounts' | 'entitlements' | 'keys' | 'sources' | 'activity';

const operatorSections: ReadonlyArray<readonly [OperatorSection, string]> = [
  ['accounts', 'Accounts'],
  ['entitlements', 'Entitlements'],
  ['keys', 'Keys'],
  ['sources', 'Sources'],
  ['activity', 'Activity'],
];

/** The operator's menu under the top bar: Accounts, Entitlements, Keys, Sources, Activity. */
function operatorNav(current: OperatorSection | undefined): SafeHtml {
  return html`<nav class="opsnav" aria-label="Operator"><ul>${operatorSections.map(
    ([id, label]) => html`<li><a href="/${id}"${id === current ? html` aria-current="page"` : ''}>${label}</a></li>`,
  )}</ul></nav>`;
}

/** A hidden CSRF field, for every form that changes something. */
export function csrfInput(token: string): SafeHtml {
  return html`<input type="hidden" name="${csrfFieldName}" value="${token}">`;
}

/** The top bar: the MAGEID at the top left; who is signed in, the operator's account switcher, sign out. */
export function topbar(input: ChromeInput): SafeHtml {
  const { caller, account } = input;
  const identity = account
    ? html`<div class="identity"><span class="label">MAGEID</span><span class="mageid">${account.id}</span><span class="account-name">${account.name}</span></div>`
    : html`<div class="identity"><a class="brand" href="/">repo<span>gate</span></a><span class="account-name">Access keys administration</span></div>`;
  const switcher =
    caller.kind === 'operator' && input.accounts !== undefined && input.accounts.length > 0
      ? html`<form class="switcher" method="get" action="/accounts/switch">
  <label for="switch-account">Account</label>
  <select id="switch-account" name="account">
    ${account === undefined ? html`<option value="">Choose…</option>` : ''}
    ${input.accounts.map((a) => html`<option value="${a.id}"${a.id === account?.id ? ' selected' : ''}>${a.id} · ${a.name}</option>`)}
  </select>
  <button class="button button-small" type="submit">Switch</button>
</form>`
      : '';
  const who = caller.kind === 'operator' ? html`<span>Signed in as <strong>operator</strong></span>` : html`<span>Account owner</span>`;
  return html`<header class="topbar"><div class="topbar-inner">
${identity}
<div class="who">
  ${who}
  ${switcher}
  <form method="post" action="/sign-out">${csrfInput(input.csrf)}<button class="button button-small" type="submit">Sign out</button></form>
</div>
</div></header>${caller.kind === 'operator' ? operatorNav(input.section ?? (account === undefined ? undefined : 'accounts')) : ''}`;
}

export type AccountTab = 'access-keys' | 'activity' | 'manage';

/** The tabs of an account: Access Keys and Activity, and for the operator, Account (status, password, grants). */
export function tabs(accountId: string, current: AccountTab, caller: Caller): SafeHtml {
  const tab = (id: AccountTab, label: string) =>
    html`<li><a href="/accounts/${accountId}/${id}"${id === current ? html` aria-current="page"` : ''}>${label}</a></li>`;
  return html`<nav class="tabs" aria-label="Account"><ul>${tab('access-keys', 'Access Keys')}${tab('activity', 'Activity')}${
    caller.kind === 'operator' ? tab('manage', 'Account') : ''
  }</ul></nav>`;
}
