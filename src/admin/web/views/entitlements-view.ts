import type { Entitlement } from '../../../registry/entitlements.js';
import type { RulesPreview } from '../../operator-service.js';
import type { Caller } from '../../caller.js';
import { noticeBox, type Notice } from './account-sections.js';
import { csrfInput, topbar } from './chrome.js';
import { timeTag } from './format.js';
import { html, type SafeHtml } from './html.js';
import { layout } from './layout.js';

export interface EntitlementsInput {
  readonly caller: Caller;
  readonly csrf: string;
  readonly entitlements: readonly Entitlement[];
  /** How many accounts hold each entitlement. */
  readonly holders: ReadonlyMap<string, number>;
  readonly notice?: Notice;
}

function rulesList(rules: readonly string[]): SafeHtml {
  return html`<ol class="rules">${rules.map((r) => html`<li><code${r.startsWith('!') ? html` class="takes-away"` : ''}>${r}</code></li>`)}</ol>`;
}

/** The operator's entitlements: rules in order, how many accounts hold each, edit and delete. */
export function entitlementsPage(input: EntitlementsInput): string {
  const body = html`${topbar({ caller: input.caller, csrf: input.csrf, section: 'entitlements' })}
<main id="main">
${input.notice === undefined ? '' : noticeBox(input.notice)}
<div class="page-head">
  <div><h1>Entitlements</h1><p>Named, ordered lists of package rules. The last rule that matches a package decides; <code>!</code> takes away. Accounts hold entitlements as grants.</p></div>
  <form method="get" action="/entitlements/new"><button class="button button-primary" type="submit">Define an entitlement</button></form>
</div>
<section class="block" aria-labelledby="entitlements-title">
<h2 id="entitlements-title">Entitlements <span class="badge">${String(input.entitlements.length)}</span></h2>
${
  input.entitlements.length === 0
    ? html`<p class="empty">No entitlements yet. Define one, then grant it to accounts.</p>`
    : html`<table class="stack">
<caption class="visually-hidden">Entitlements</caption>
<thead><tr><th scope="col">Name</th><th scope="col">Rules, in order</th><th scope="col">Granted to</th><th scope="col">Changed</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
<tbody>${input.entitlements.map((e) => {
        const holders = input.holders.get(e.name) ?? 0;
        return html`<tr data-entitlement="${e.name}"><td data-label="Name"><code class="strong">${e.name}</code></td><td data-label="Rules">${rulesList(e.rules)}</td>
<td class="count" data-label="Granted to">${holders === 0 ? html`<span class="hint">No account</span>` : `${holders} account${holders === 1 ? '' : 's'}`}</td>
<td class="when" data-label="Changed">${timeTag(e.updatedAt)}</td>
<td data-label="Actions"><div class="actions"><a class="button button-small" href="/entitlements/${e.name}/edit">Edit<span class="visually-hidden"> ${e.name}</span></a>${
          holders === 0
            ? html`<form method="post" action="/entitlements/${e.name}/delete">${csrfInput(input.csrf)}<button class="button button-small button-danger" type="submit">Delete<span class="visually-hidden"> ${e.name}</span></button></form>`
            : ''
        }</div></td></tr>`;
      })}</tbody>
</table>`
}
</section>
</main>`;
  return layout({ title: 'Entitlements', body });
}

export interface EntitlementFormInput {
  readonly caller: Caller;
  readonly csrf: string;
  /** Undefined for a new entitlement. */
  readonly existing?: Entitlement;
  readonly name: string;
  readonly rulesText: string;
  readonly preview?: RulesPreview;
  readonly notice?: Notice;
}

function previewBlock(preview: RulesPreview): SafeHtml {
  if (!preview.known) {
    return html`<div class="alert alert-warning preview" id="preview" role="status"><strong>No preview</strong><p>The rules are valid, but ${preview.reason}.</p></div>`;
  }
  const more = preview.allowed - preview.first.length;
  return html`<div class="alert preview${preview.allowed === 0 ? ' alert-warning' : ''}" id="preview" role="status">
<strong class="preview-count">These rules allow ${String(preview.allowed)} of the upstream’s ${String(preview.total)} packages.</strong>
${
  preview.first.length === 0
    ? html`<p>No package of the upstream matches: accounts with only this entitlement could install nothing.</p>`
    : html`<p>${preview.first.length === preview.allowed ? 'They are:' : `The first ${preview.first.length}:`}</p><ul class="matches">${preview.first.map((n) => html`<li><code>${n}</code></li>`)}</ul>${
        more > 0 ? html`<p class="hint">…and ${String(more)} more.</p>` : ''
      }`
}
</div>`;
}

/** Defining or editing an entitlement: the rules, one a line; Preview shows what they allow, then Save. */
export function entitlementFormPage(input: EntitlementFormInput): string {
  const isNew = input.existing === undefined;
  const title = isNew ? 'Define an entitlement' : `Edit entitlement “${input.name}”`;
  const canSave = input.preview !== undefined;
  const body = html`${topbar({ caller: input.caller, csrf: input.csrf, section: 'entitlements' })}
<main id="main">
${input.notice === undefined ? '' : noticeBox(input.notice)}
<div class="page-head"><div><h1>${title}</h1><p>One rule a line: <code>vendor/name</code>, <code>vendor/*</code>, <code>*/*</code>, a glob such as <code>magento/module-*</code>, or <code>!rule</code> to take away. The last rule that matches a package decides. Preview the rules before saving them.</p></div></div>
<section class="block">
<form method="post" action="/entitlements">${csrfInput(input.csrf)}<input type="hidden" name="mode" value="${isNew ? 'new' : 'edit'}">
${
  isNew
    ? html`<div class="field narrow"><label for="entitlement-name">Name</label><input type="text" id="entitlement-name" name="name" required maxlength="64" autocomplete="off" spellcheck="false" placeholder="e.g. marketplace" value="${input.name}"></div>`
    : html`<input type="hidden" name="name" value="${input.name}"><dl class="facts"><dt>Name</dt><dd><code>${input.name}</code></dd></dl>`
}
<div class="field"><label for="entitlement-rules">Rules</label><textarea id="entitlement-rules" name="rules" rows="${String(Math.max(4, input.rulesText.split('\n').length + 1))}" required spellcheck="false" autocomplete="off" placeholder="magento/*&#10;!magento/module-b2b-*">${input.rulesText}</textarea></div>
${canSave ? html`<input type="hidden" name="previewed" value="${input.rulesText}">` : ''}
${input.preview === undefined ? '' : previewBlock(input.preview)}
<div class="confirm-actions start">
  <button class="button${canSave ? '' : ' button-primary'}" type="submit" name="intent" value="preview">Preview</button>
  ${canSave ? html`<button class="button button-primary" type="submit" name="intent" value="save">Save entitlement</button>` : ''}
  <a class="button" href="/entitlements">Cancel</a>
</div>
</form>
</section>
</main>`;
  return layout({ title, body });
}
