import type { IssuedKey } from '../../../registry/keys.js';
import { html, type SafeHtml } from './html.js';

export function secretField(id: string, label: string, value: string): SafeHtml {
  return html`<div class="secret">
  <label for="${id}">${label}</label>
  <input type="text" id="${id}" value="${value}" readonly spellcheck="false" autocomplete="off">
  <button type="button" class="button button-small js-only" data-copy="${id}"><span class="copy-label">Copy</span><span class="visually-hidden"> ${label.toLowerCase()}</span></button>
</div>`;
}

function snippet(id: string, title: string, text: string): SafeHtml {
  return html`<div class="snippet-head"><h3 id="${id}-title">${title}</h3><button type="button" class="button button-small js-only" data-copy="${id}"><span class="copy-label">Copy</span><span class="visually-hidden"> ${title}</span></button></div>
<pre class="snippet" id="${id}" aria-labelledby="${id}-title">${text}</pre>`;
}

/**
 * The pair just created or regenerated, with copy buttons, the auth.json snippet and the composer
 * config line. Rendered only in the response to the POST that made it: the private key is never
 * shown again (repogate keeps only its hash).
 */
export function issuedKeyPanel(input: { issued: IssuedKey; regeneratedFrom?: string; composerHost: string; repositoryUrl: string }): SafeHtml {
  const { key, privateKey } = input.issued;
  const authJson = JSON.stringify({ 'http-basic': { [input.composerHost]: { username: key.publicKey, password: privateKey } } }, null, 4);
  const composerLine = `composer config --global http-basic.${input.composerHost} ${key.publicKey} ${privateKey}`;
  return html`<section class="block issued" id="issued-key" aria-labelledby="issued-key-title">
<h2 id="issued-key-title">${input.regeneratedFrom === undefined ? 'New access key' : 'Regenerated access key'} “${key.name}”</h2>
<p class="warning" role="alert">Copy the private key now: it is shown only this once. repogate keeps only a hash of it, so it can’t show it again.</p>
${input.regeneratedFrom === undefined ? '' : html`<p class="hint">The previous pair (public key <code>${input.regeneratedFrom}</code>) no longer works.</p>`}
${secretField('issued-public-key', 'Public key', key.publicKey)}
${secretField('issued-private-key', 'Private key', privateKey)}
<p class="hint">Composer uses the public key as username and the private key as password.</p>
${snippet('auth-json', 'auth.json', authJson)}
${snippet('composer-config', 'Or with one command', composerLine)}
<p class="hint">The project’s repository entry: <code>composer config repositories.repogate composer ${input.repositoryUrl}</code></p>
</section>`;
}

/** The downloads access token just generated, shown once, as the token and as `MAGEID:TOKEN`. */
export function issuedTokenPanel(input: { accountId: string; token: string }): SafeHtml {
  return html`<div class="block issued" id="issued-token" role="group" aria-labelledby="issued-token-title">
<h3 id="issued-token-title">New downloads access token</h3>
<p class="warning" role="alert">Copy the token now: it is shown only this once. The previous token no longer works.</p>
${secretField('issued-token-value', 'Token', input.token)}
${secretField('issued-token-credentials', 'MAGEID:TOKEN', `${input.accountId}:${input.token}`)}
</div>`;
}
