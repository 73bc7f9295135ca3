import type { AccessKey } from '../../../registry/keys.js';
import { csrfInput } from './chrome.js';
import { badge, stampTag } from './format.js';
import { html, type SafeHtml } from './html.js';

export interface KeysTableInput {
  readonly accountId: string;
  readonly keys: readonly AccessKey[];
  readonly today: string;
  readonly csrf: string;
  readonly once: () => string;
}

/** Where a key's forms post to. */
export function keyUrl(accountId: string, publicKey: string, action: string): string {
  return `/accounts/${accountId}/keys/${publicKey}/${action}`;
}

function statusCell(key: AccessKey, today: string): SafeHtml {
  const expired = key.expiresOn !== null && key.expiresOn < today;
  return html`<span>${badge(key.status, key.status === 'enabled' ? 'Enabled' : 'Disabled')}${
    expired ? html` ${badge('expired', 'Expired')}` : key.expiresOn !== null ? html`<small class="hint"> until ${key.expiresOn}</small>` : ''
  }</span>`;
}

function lastUsed(key: AccessKey): SafeHtml {
  if (key.lastUsedAt === null) return html`<span class="hint">Never</span>`;
  return html`<span>${stampTag(key.lastUsedAt)}${key.lastUsedAddress === null ? '' : html`<small>from ${key.lastUsedAddress}</small>`}</span>`;
}

function actions(input: KeysTableInput, key: AccessKey): SafeHtml {
  const url = (action: string) => keyUrl(input.accountId, key.publicKey, action);
  const forKey = html`<span class="visually-hidden"> key ${key.name}</span>`;
  const toggle =
    key.status === 'enabled'
      ? html`<form method="post" action="${url('disable')}">${csrfInput(input.csrf)}<button class="button button-small" type="submit">Disable${forKey}</button></form>`
      : html`<form method="post" action="${url('enable')}">${csrfInput(input.csrf)}<button class="button button-small" type="submit">Enable${forKey}</button></form>`;
  const renameId = `rename-${key.publicKey}`;
  return html`<div class="actions">
  ${toggle}
  <details class="rename">
    <summary class="button button-small">Rename${forKey}</summary>
    <form method="post" action="${url('rename')}">${csrfInput(input.csrf)}
      <label class="visually-hidden" for="${renameId}">New name for key ${key.name}</label>
      <input type="text" id="${renameId}" name="name" value="${key.name}" maxlength="100" required autocomplete="off">
      <button class="button button-small" type="submit">Save</button>
    </form>
  </details>
  <form method="get" action="${url('confirm-regenerate')}"
    data-confirm="The key gets a new public and private key, shown once. The current pair stops working at once: update auth.json wherever it is used."
    data-confirm-title="Regenerate key “${key.name}”?" data-confirm-label="Regenerate" data-confirm-action="${url('regenerate')}" data-once="${input.once()}">
    <button class="button button-small" type="submit">Regenerate${forKey}</button>
  </form>
  <form method="get" action="${url('confirm-delete')}"
    data-confirm="Its public and private key stop working at once. This cannot be undone."
    data-confirm-title="Delete key “${key.name}”?" data-confirm-label="Delete" data-confirm-action="${url('delete')}">
    <button class="button button-small button-danger" type="submit">Delete${forKey}</button>
  </form>
</div>`;
}

/** The table of keys: name, public key, status, created, last used, and each key's actions. */
export function keysTable(input: KeysTableInput): SafeHtml {
  if (input.keys.length === 0) {
    return html`<p class="empty">No access keys yet. Create one for each developer or CI job that installs packages.</p>`;
  }
  return html`<table class="stack keys">
<caption class="visually-hidden">Access keys</caption>
<thead><tr><th scope="col">Name</th><th scope="col">Public key</th><th scope="col">Status</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
<tbody>
${input.keys.map(
  (key) => html`<tr data-public-key="${key.publicKey}">
  <td class="key-name" data-label="Name">${key.name}</td>
  <td class="public-key" data-label="Public key">${key.publicKey}</td>
  <td data-label="Status">${statusCell(key, input.today)}</td>
  <td class="when" data-label="Created">${stampTag(key.createdAt)}</td>
  <td class="when" data-label="Last used">${lastUsed(key)}</td>
  <td data-label="Actions">${actions(input, key)}</td>
</tr>
`,
)}
</tbody>
</table>`;
}
