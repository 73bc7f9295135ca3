import type { AuditEvent } from '../../../registry/audit.js';
import type { Caller } from '../../caller.js';
import { topbar } from './chrome.js';
import { actionFilters, describeActor, describeEvent } from './events.js';
import { timeTag } from './format.js';
import { html, type SafeHtml } from './html.js';
import { layout } from './layout.js';

/** The Activity filters, as given in the query string (already checked). */
export interface AuditQuery {
  readonly account?: string | undefined;
  readonly key?: string | undefined;
  readonly action?: string | undefined;
  readonly from?: string | undefined;
  readonly to?: string | undefined;
  readonly before?: number | undefined;
}

export interface AuditInput {
  readonly caller: Caller;
  readonly csrf: string;
  readonly query: AuditQuery;
  readonly events: readonly AuditEvent[];
  /** True when there are older events than the last one shown. */
  readonly more: boolean;
  /** With a key filter: the key's downloads per package since `downloadsSince`. */
  readonly downloads?: { readonly since: string; readonly perPackage: ReadonlyArray<{ package: string; count: number }> };
  /** A filter that could not be used, with why. */
  readonly problem?: string;
}

export function auditHref(query: AuditQuery): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value !== undefined && value !== '') params.set(name, String(value));
  const text = params.toString();
  return text === '' ? '/activity' : `/activity?${text}`;
}

function filterForm(query: AuditQuery): SafeHtml {
  return html`<form method="get" action="/activity" class="filters" role="search" aria-label="Filter the activity">
  <div class="field"><label for="filter-account">Account</label><input type="text" id="filter-account" name="account" value="${query.account ?? ''}" placeholder="MAG123456789" maxlength="15" spellcheck="false" autocomplete="off"></div>
  <div class="field"><label for="filter-key">Public key</label><input type="text" id="filter-key" name="key" value="${query.key ?? ''}" maxlength="32" spellcheck="false" autocomplete="off"></div>
  <div class="field"><label for="filter-action">Action</label><select id="filter-action" name="action"><option value="">Any</option>${actionFilters.map(
    ([value, label]) => html`<option value="${value}"${value === query.action ? ' selected' : ''}>${label}</option>`,
  )}</select></div>
  <div class="field"><label for="filter-from">From</label><input type="date" id="filter-from" name="from" value="${query.from ?? ''}"></div>
  <div class="field"><label for="filter-to">To</label><input type="date" id="filter-to" name="to" value="${query.to ?? ''}"></div>
  <div class="filter-buttons"><button class="button button-primary" type="submit">Filter</button> <a class="button" href="/activity">Clear</a></div>
</form>`;
}

function downloadsBlock(input: AuditInput): SafeHtml {
  const { downloads } = input;
  if (downloads === undefined) return html``;
  const total = downloads.perPackage.reduce((sum, d) => sum + d.count, 0);
  return html`<section class="block" id="key-downloads" aria-labelledby="key-downloads-title">
<h2 id="key-downloads-title">Downloads of key <code>${input.query.key ?? ''}</code> by package</h2>
<p class="hint">${String(total)} download${total === 1 ? '' : 's'} since ${downloads.since}, as Composer reported them.</p>
${
  downloads.perPackage.length === 0
    ? html`<p class="empty">No downloads recorded.</p>`
    : html`<table class="stack"><caption class="visually-hidden">Downloads by package</caption>
<thead><tr><th scope="col">Package</th><th scope="col">Downloads</th></tr></thead>
<tbody>${downloads.perPackage.map((d) => html`<tr><td data-label="Package"><code>${d.package}</code></td><td class="count" data-label="Downloads">${String(d.count)}</td></tr>`)}</tbody></table>`
}
</section>`;
}

/** The audit trail across accounts, filtered and paged, newest first. */
export function auditPage(input: AuditInput): string {
  const { events, query } = input;
  const last = events[events.length - 1];
  const body = html`${topbar({ caller: input.caller, csrf: input.csrf, section: 'activity' })}
<main id="main">
<div class="page-head"><div><h1>Activity</h1><p>The audit trail of every account, newest first: who changed what, sign-ins, and what keys fetched.</p></div></div>
<section class="block" aria-labelledby="filters-title">
<h2 id="filters-title" class="visually-hidden">Filters</h2>
${filterForm(query)}
${input.problem === undefined ? '' : html`<div class="alert alert-error" role="alert" data-code="VALIDATION"><p>${input.problem}</p></div>`}
</section>
${downloadsBlock(input)}
<section class="block" aria-labelledby="events-title">
<h2 id="events-title">Events${query.before === undefined ? '' : ' (older)'}</h2>
${
  events.length === 0
    ? html`<p class="empty">No event matches.</p>`
    : html`<table class="stack events">
<caption class="visually-hidden">Audit events</caption>
<thead><tr><th scope="col">When</th><th scope="col">Account</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">Public key</th></tr></thead>
<tbody>${events.map(
        (e) => html`<tr data-action="${e.action}"><td class="when" data-label="When">${timeTag(e.at)}</td>
<td data-label="Account">${e.accountId === null ? html`<span class="hint">—</span>` : html`<a class="mono" href="${auditHref({ ...query, account: e.accountId, before: undefined })}">${e.accountId}</a>`}</td>
<td data-label="Who">${describeActor(e)}</td><td data-label="What">${describeEvent(e)}</td>
<td class="public-key" data-label="Public key">${e.publicKey === null ? '' : html`<a href="${auditHref({ ...query, key: e.publicKey, before: undefined })}">${e.publicKey}</a>`}</td></tr>`,
      )}</tbody>
</table>`
}
<nav class="pager" aria-label="Pages">${query.before === undefined ? '' : html`<a class="button" href="${auditHref({ ...query, before: undefined })}">Newest</a>`}${
    input.more && last !== undefined ? html`<a class="button" rel="next" href="${auditHref({ ...query, before: last.id })}">Older events</a>` : ''
  }</nav>
</section>
</main>`;
  return layout({ title: 'Activity', body });
}
