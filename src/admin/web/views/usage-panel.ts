import type { AccountOverview } from '../../admin-service.js';
import { stampTag } from './format.js';
import { html, type SafeHtml } from './html.js';

/** Per key: when it was last used, from where, and how many packages it downloaded this week. */
export function usagePanel(overview: AccountOverview): SafeHtml {
  if (overview.keys.length === 0) return html``;
  return html`<section class="block" aria-labelledby="usage-title">
<h2 id="usage-title">Usage</h2>
<p class="hint">Downloads are the packages Composer reported installing with each key over the last 7 days. Keys unused for months are candidates to disable.</p>
<table class="stack usage">
<caption class="visually-hidden">Usage per key</caption>
<thead><tr><th scope="col">Key</th><th scope="col">Last used</th><th scope="col">Downloads this week</th></tr></thead>
<tbody>
${overview.keys.map(
  (key) => html`<tr data-usage-key="${key.publicKey}">
  <td data-label="Key">${key.name}</td>
  <td class="when" data-label="Last used">${key.lastUsedAt === null ? html`<span class="hint">Never</span>` : html`${stampTag(key.lastUsedAt)}${key.lastUsedAddress === null ? '' : html` <small>from ${key.lastUsedAddress}</small>`}`}</td>
  <td class="count" data-label="Downloads this week">${String(overview.downloadsThisWeek.get(key.publicKey) ?? 0)}</td>
</tr>
`,
)}
</tbody>
</table>
</section>`;
}
