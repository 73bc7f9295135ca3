import type { Account } from '../../../registry/accounts.js';
import type { IssuedKey } from '../../../registry/keys.js';
import type { AccountOverview } from '../../admin-service.js';
import type { Caller } from '../../caller.js';
import { accountAlerts, downloadsTokenSection, grantsSection, noticeBox, sessionsSection, type Notice } from './account-sections.js';
import { csrfInput, tabs, topbar } from './chrome.js';
import { html, type SafeHtml } from './html.js';
import { issuedKeyPanel } from './issued-views.js';
import { keysTable } from './keys-table.js';
import { usagePanel } from './usage-panel.js';
import { layout } from './layout.js';

/** What was just issued, shown once in the response to the POST that made it. */
export type Issued =
  | { readonly kind: 'key'; readonly issued: IssuedKey; readonly regeneratedFrom?: string }
  | { readonly kind: 'token'; readonly token: string };

export interface AccessKeysInput {
  readonly caller: Caller;
  readonly overview: AccountOverview;
  /** The operator's account switcher. */
  readonly accounts?: readonly Account[];
  readonly csrf: string;
  /** A fresh one-time form id for each form that issues a secret. */
  readonly once: () => string;
  readonly composerHost: string;
  readonly repositoryUrl: string;
  readonly issued?: Issued;
  readonly notice?: Notice;
  readonly createOpen?: boolean;
  readonly createName?: string;
  /** The last day given in the create form, shown again when it was refused. */
  readonly createExpires?: string;
  readonly createError?: string;
}

export function accessKeysPath(accountId: string): string {
  return `/accounts/${accountId}/access-keys`;
}

function createPanel(input: AccessKeysInput): SafeHtml {
  const id = input.overview.account.id;
  const open = input.createOpen === true || input.createError !== undefined;
  return html`<section class="block" id="create-key" aria-labelledby="create-key-title"${open ? '' : ' hidden'}>
<h2 id="create-key-title">Create a New Access Key</h2>
<p class="hint">Name the key after the developer or CI job that receives it, so you know which one to disable or delete when someone leaves.</p>
${input.createError === undefined ? '' : html`<div class="alert alert-error" role="alert"><p>${input.createError}</p></div>`}
<form method="post" action="/accounts/${id}/keys" class="inline-form">${csrfInput(input.csrf)}<input type="hidden" name="once" value="${input.once()}">
  <div class="field"><label for="key-name">Name</label><input type="text" id="key-name" name="name" maxlength="100" required autocomplete="off" placeholder="e.g. Alice’s laptop, CI deploy job" value="${input.createName ?? ''}"${open ? ' autofocus' : ''}></div>
  <div class="field"><label for="key-expires">Last day (optional)</label><input type="date" id="key-expires" name="expires" min="${input.overview.today}" value="${input.createExpires ?? ''}"></div>
  <button class="button button-primary" type="submit">OK</button>
  <a class="button" href="${accessKeysPath(id)}" data-close="create-key">Cancel</a>
</form>
</section>`;
}

function confirmDialog(csrf: string): SafeHtml {
  return html`<dialog id="confirm-dialog" aria-labelledby="confirm-title" aria-describedby="confirm-message">
<form method="post" class="confirm-form" action="">${csrfInput(csrf)}<input type="hidden" name="confirm" value="yes"><input type="hidden" name="once" value="">
  <h2 id="confirm-title" class="confirm-title"></h2>
  <p id="confirm-message" class="confirm-message"></p>
  <div class="dialog-actions"><button type="button" class="button confirm-cancel">Cancel</button><button type="submit" class="button button-danger-solid confirm-go">OK</button></div>
</form>
</dialog>`;
}

/** The Access Keys page of one account. */
export function accessKeysPage(input: AccessKeysInput): string {
  const { overview } = input;
  const { account } = overview;
  const issuedKey = input.issued?.kind === 'key' ? input.issued : undefined;
  const issuedToken = input.issued?.kind === 'token' ? input.issued.token : undefined;
  const body = html`${topbar({ caller: input.caller, csrf: input.csrf, account, accounts: input.accounts })}
${tabs(account.id, 'access-keys', input.caller)}
<main id="main">
${input.notice === undefined ? '' : noticeBox(input.notice)}
${accountAlerts(overview)}
<div class="page-head">
  <div><h1>Access Keys</h1><p>Each key is a public and private key pair for Composer. Give every developer and CI job a key of its own.</p></div>
  <form method="get" action="${accessKeysPath(account.id)}" data-toggle="create-key"><input type="hidden" name="create" value="1">
    <button class="button button-primary" type="submit">Create a New Access Key</button>
  </form>
</div>
${createPanel(input)}
${issuedKey === undefined ? '' : issuedKeyPanel({ issued: issuedKey.issued, regeneratedFrom: issuedKey.regeneratedFrom, composerHost: input.composerHost, repositoryUrl: input.repositoryUrl })}
<section class="block" aria-labelledby="keys-title">
<h2 id="keys-title">Your keys <span class="badge">${overview.keys.length}</span></h2>
${keysTable({ accountId: account.id, keys: overview.keys, today: overview.today, csrf: input.csrf, once: input.once })}
</section>
${usagePanel(overview)}
${downloadsTokenSection({ overview, csrf: input.csrf, once: input.once(), issuedToken })}
${grantsSection(overview, input.caller.kind === 'operator')}
${sessionsSection({ overview, csrf: input.csrf, ownAccount: input.caller.kind === 'account' })}
</main>
${confirmDialog(input.csrf)}`;
  return layout({ title: `Access Keys · ${account.id}`, body, canonical: accessKeysPath(account.id) });
}
