import type { AccessKey } from '../../../registry/keys.js';
import type { Caller } from '../../caller.js';
import { noticeBox, type Notice } from './account-sections.js';
import { csrfInput, topbar } from './chrome.js';
import { stampTag } from './format.js';
import { html, type SafeHtml } from './html.js';
import { keyUrl } from './keys-table.js';
import { layout } from './layout.js';

export interface KeysAttentionInput {
  readonly caller: Caller;
  readonly csrf: string;
  readonly unused: readonly AccessKey[];
  readonly expiring: readonly AccessKey[];
  readonly scoped: readonly AccessKey[];
  readonly notice?: Notice;
}

type Detail = (key: AccessKey) => SafeHtml;

function keyList(input: KeysAttentionInput, id: string, title: string, hint: string, keys: readonly AccessKey[], detailLabel: string, detail: Detail): SafeHtml {
  return html`<section class="block" id="${id}" aria-labelledby="${id}-title">
<h2 id="${id}-title">${title} <span class="badge">${String(keys.length)}</span></h2>
<p class="hint">${hint}</p>
${
  keys.length === 0
    ? html`<p class="empty">None.</p>`
    : html`<table class="stack">
<caption class="visually-hidden">${title}</caption>
<thead><tr><th scope="col">Account</th><th scope="col">Name</th><th scope="col">Public key</th><th scope="col">${detailLabel}</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
<tbody>${keys.map(
        (key) => html`<tr data-public-key="${key.publicKey}"><td data-label="Account"><a class="mono" href="/accounts/${key.accountId}/access-keys">${key.accountId}</a></td>
<td class="key-name" data-label="Name">${key.name}</td><td class="public-key" data-label="Public key"><a href="/activity?key=${key.publicKey}" title="Its activity and downloads">${key.publicKey}</a></td><td data-label="${detailLabel}">${detail(key)}</td>
<td data-label="Actions"><form method="post" action="${keyUrl(key.accountId, key.publicKey, 'disable')}">${csrfInput(input.csrf)}<input type="hidden" name="back" value="keys"><button class="button button-small" type="submit">Disable<span class="visually-hidden"> key ${key.name}</span></button></form></td></tr>`,
      )}</tbody>
</table>`
}
</section>`;
}

const lastUse: Detail = (key) =>
  key.lastUsedAt === null ? html`<span>Never used <small class="hint">created ${key.createdAt.slice(0, 10)}</small></span>` : html`${stampTag(key.lastUsedAt)}`;

/** The operator's view of keys across accounts that need a look, each with Disable in place. */
export function keysAttentionPage(input: KeysAttentionInput): string {
  const body = html`${topbar({ caller: input.caller, csrf: input.csrf, section: 'keys' })}
<main id="main">
${input.notice === undefined ? '' : noticeBox(input.notice)}
<div class="page-head"><div><h1>Keys across accounts</h1><p>Enabled keys of every account that deserve a look. Disabling a key refuses it at once; its owner can enable it again.</p></div></div>
${keyList(input, 'unused', 'Unused for 90 days', 'Keys nobody has used for 90 days (or never, since they were created more than 90 days ago): the developer may have left.', input.unused, 'Last used', lastUse)}
${keyList(input, 'expiring', 'Expiring soon', 'Keys whose last day is within 30 days.', input.expiring, 'Last day', (key) => html`${key.expiresOn ?? ''}`)}
${keyList(input, 'scoped', 'Narrower scope', 'Keys limited to some of their account’s packages by a scope of their own.', input.scoped, 'Scope', (key) => html`${(key.scope ?? []).map((r) => html`<code>${r}</code> `)}`)}
</main>`;
  return layout({ title: 'Keys', body });
}
