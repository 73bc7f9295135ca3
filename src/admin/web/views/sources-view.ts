import type { Account } from '../../../registry/accounts.js';
import type { SourceView } from '../../../registry/sources.js';
import type { Caller } from '../../caller.js';
import { topbar } from './chrome.js';
import { html, type SafeHtml } from './html.js';
import { layout } from './layout.js';

export interface SourcesInput {
  readonly caller: Caller;
  readonly csrf: string;
  readonly sources: readonly SourceView[];
}

/** Whether a secret is set; the secret itself never reaches the page. */
function setOrNot(set: boolean): SafeHtml {
  return set ? html`<span class="badge">set</span>` : html`<span class="hint">—</span>`;
}

/** The operator's Sources: default (the environment's upstream) and the added ones, read-only. */
export function sourcesPage(input: SourcesInput): string {
  const body = html`${topbar({ caller: input.caller, csrf: input.csrf, section: 'sources' })}
<main id="main">
<div class="page-head"><div><h1>Sources</h1><p>The Composer repositories repogate reads. <code>default</code> is the upstream the environment configures (REPOGATE_UPSTREAM_URL); the others are added with <code>repogate sources add</code>, and accounts read them in the order <code>repogate accounts set-sources</code> gives.</p></div></div>
<section class="block" id="sources" aria-labelledby="sources-title">
<h2 id="sources-title">Sources <span class="badge">${String(input.sources.length)}</span></h2>
<table class="stack">
<caption class="visually-hidden">Sources</caption>
<thead><tr><th scope="col">Name</th><th scope="col">URL</th><th scope="col">Origin</th><th scope="col">Username</th><th scope="col">Password</th><th scope="col">GitHub token</th><th scope="col">Accounts reading it</th></tr></thead>
<tbody>${input.sources.map(
    (s) => html`<tr id="source-${s.name}" data-source="${s.name}"><td data-label="Name"><code>${s.name}</code></td><td data-label="URL"><span class="mono wrap-anywhere">${s.url}</span></td><td data-label="Origin">${s.origin === 'environment' ? 'environment' : 'added'}</td>
<td data-label="Username">${s.username === null ? html`<span class="hint">—</span>` : html`<span class="mono wrap-anywhere">${s.username}</span>`}</td><td data-label="Password">${setOrNot(s.hasPassword)}</td><td data-label="GitHub token">${setOrNot(s.hasGithubToken)}</td>
<td data-label="Accounts reading it">${s.accounts.length === 0 ? html`<span class="hint">none</span>` : html`<span class="wrap-anywhere">${s.accounts.map((id, i) => html`${i === 0 ? '' : ', '}<a class="mono" href="/accounts/${id}/manage#sources">${id}</a>`)}</span>`}</td></tr>`,
  )}</tbody>
</table>
</section>
</main>`;
  return layout({ title: 'Sources', body });
}

/** An account's sources in the order it reads them, for its Account tab. */
export function accountSourcesSection(account: Account): SafeHtml {
  return html`<section class="block" id="sources" aria-labelledby="sources-title">
<h2 id="sources-title">Sources</h2>
<p class="hint">The repositories this account reads, in order. Change them with <code>repogate accounts set-sources ${account.id} NAME,…</code>; see <a href="/sources">Sources</a>.</p>
<ol class="account-sources">${account.sources.map((name) => html`<li><a href="/sources#source-${name}"><code>${name}</code></a></li>`)}</ol>
</section>`;
}
