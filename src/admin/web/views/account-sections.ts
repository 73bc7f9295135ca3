import type { AccountOverview, GrantView } from '../../admin-service.js';
import { csrfInput } from './chrome.js';
import { badge, days, timeTag } from './format.js';
import { html, type SafeHtml } from './html.js';
import { issuedTokenPanel } from './issued-views.js';

export interface Notice {
  readonly tone: 'success' | 'info' | 'warning' | 'error';
  readonly title?: string;
  readonly text: string;
  /** The error code of a refusal, as the API and CLI report it. */
  readonly code?: string;
}

export function noticeBox(notice: Notice): SafeHtml {
  const role = notice.tone === 'error' ? 'alert' : 'status';
  return html`<div class="alert alert-${notice.tone}" role="${role}"${notice.code === undefined ? '' : html` data-code="${notice.code}"`}>${notice.title === undefined ? '' : html`<strong>${notice.title}</strong>`}<p>${notice.text}</p></div>`;
}

function grantSentence(grant: GrantView): string {
  if (grant.daysLeft === null) return `“${grant.entitlement}” has no expiry`;
  if (grant.state === 'expired') return `“${grant.entitlement}” expired on ${grant.expiresOn ?? ''}`;
  if (grant.daysLeft === 0) return `“${grant.entitlement}” expires today (${grant.expiresOn ?? ''} is its last day)`;
  return `“${grant.entitlement}” expires on ${grant.expiresOn ?? ''}, in ${days(grant.daysLeft)}`;
}

/** The warnings at the top: suspension (with its reason), no active entitlement, grants expired or expiring within 30 days. */
export function accountAlerts(overview: AccountOverview): SafeHtml {
  const { account, grants } = overview;
  const parts: SafeHtml[] = [];
  if (account.status === 'suspended') {
    parts.push(html`<div class="alert alert-error" role="alert"><strong>This account is suspended: ${account.suspensionReason ?? 'no reason given'}</strong>
<p>Its keys are refused (403) until the suspension is lifted. You can still manage them here.</p></div>`);
  }
  if (!grants.some((g) => g.state !== 'expired')) {
    parts.push(html`<div class="alert alert-warning" role="status"><strong>No active entitlement</strong>
<p>${grants.length === 0 ? 'No entitlement is granted to this account yet' : 'Every entitlement of this account has expired'}, so its keys can’t install any package (403).</p></div>`);
  }
  const attention = grants.filter((g) => g.state === 'expired' || g.state === 'expiring');
  if (attention.length > 0 && grants.some((g) => g.state !== 'expired')) {
    parts.push(html`<div class="alert alert-warning" role="status"><strong>Entitlements need attention</strong>
<ul>${attention.map((g) => html`<li>${grantSentence(g)}.</li>`)}</ul>
<p>Packages of an expired entitlement can’t be installed with this account’s keys.</p></div>`);
  }
  return html`${parts}`;
}

/** The Downloads Access Token section: state, the one-time token after generating, and the button. */
export function downloadsTokenSection(input: {
  overview: AccountOverview;
  csrf: string;
  once: string;
  issuedToken?: string;
}): SafeHtml {
  const { account, downloadsToken } = input.overview;
  return html`<section class="block" id="downloads-token" aria-labelledby="downloads-token-title">
<h2 id="downloads-token-title">Downloads Access Token</h2>
<p class="hint">Release downloads take your MAGEID with this token, as <code>${account.id}:TOKEN</code>. Generating a new token replaces the current one: the old token stops working at once.</p>
<dl class="facts"><dt>Current token</dt><dd>${downloadsToken === null ? 'None yet' : html`Generated ${timeTag(downloadsToken.createdAt)}`}</dd></dl>
${input.issuedToken === undefined ? '' : issuedTokenPanel({ accountId: account.id, token: input.issuedToken })}
<form method="post" action="/accounts/${account.id}/downloads-token">${csrfInput(input.csrf)}<input type="hidden" name="once" value="${input.once}">
  <button class="button button-primary" type="submit">Generate new token</button>
</form>
</section>`;
}

/** "Sign out everywhere": ends every session of the account (the owner's own one too). */
export function sessionsSection(input: { overview: AccountOverview; csrf: string; ownAccount: boolean }): SafeHtml {
  const { account } = input.overview;
  const text = input.ownAccount
    ? 'Signed in on a computer you no longer use, or think someone else knows your password? Sign out everywhere ends every session of your account, on this page and in the admin API, on every device, this one included.'
    : 'Ends every session of this account’s owner, on this page and in the admin API, on every device. Your own session stays.';
  return html`<section class="block" id="sessions" aria-labelledby="sessions-title">
<h2 id="sessions-title">Sessions</h2>
<p class="hint">${text}</p>
<form method="post" action="/accounts/${account.id}/sign-out-everywhere">${csrfInput(input.csrf)}
  <button class="button" type="submit">Sign out everywhere</button>
</form>
</section>`;
}

function grantState(grant: GrantView): SafeHtml {
  if (grant.state === 'expired') return badge('expired', 'Expired');
  if (grant.state === 'expiring') return badge('expiring', grant.daysLeft === 0 ? 'Last day today' : `${days(grant.daysLeft ?? 0)} left`);
  return badge('active', 'Active');
}

/** The account's entitlements (grants) and their last days; for the operator, a way to the Account tab that changes them. */
export function grantsSection(overview: AccountOverview, operator = false): SafeHtml {
  const { grants } = overview;
  return html`<section class="block" id="entitlements" aria-labelledby="entitlements-title">
<h2 id="entitlements-title">Entitlements</h2>
<p class="hint">What this account’s keys may install. ${
    operator
      ? html`Grant, change or revoke them on the <a href="/accounts/${overview.account.id}/manage#grants">Account</a> tab`
      : 'The operator grants them'
  }; a grant counts up to and including its last day.</p>
${
  grants.length === 0
    ? html`<p class="empty">No entitlement granted.</p>`
    : html`<table class="stack">
<caption class="visually-hidden">Entitlements</caption>
<thead><tr><th scope="col">Entitlement</th><th scope="col">Last day</th><th scope="col">State</th></tr></thead>
<tbody>${grants.map(
        (g) => html`<tr><td data-label="Entitlement"><code>${g.entitlement}</code></td><td data-label="Last day">${g.expiresOn ?? 'No expiry'}</td><td data-label="State">${grantState(g)}</td></tr>`,
      )}</tbody>
</table>`
}
</section>`;
}
