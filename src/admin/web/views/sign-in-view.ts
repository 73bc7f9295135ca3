import { csrfInput } from './chrome.js';
import { html } from './html.js';
import { layout } from './layout.js';

export interface SignInInput {
  readonly csrf: string;
  readonly operatorEnabled: boolean;
  readonly mageId?: string;
  readonly error?: string;
  readonly operatorError?: string;
  readonly info?: string;
}

/** The sign-in page: MAGEID and password for account owners; a separate small form for the operator's admin token. */
export function signInPage(input: SignInInput): string {
  const body = html`<main id="main" class="signin">
<div class="brand-line">repo<span>gate</span></div>
<div class="card">
  <h1>Sign in</h1>
  <p class="hint">Manage the access keys and downloads access token of your account.</p>
  ${input.info === undefined ? '' : html`<div class="alert" role="status"><p>${input.info}</p></div>`}
  ${input.error === undefined ? '' : html`<div class="alert alert-error" role="alert"><p>${input.error}</p></div>`}
  <form method="post" action="/sign-in">${csrfInput(input.csrf)}
    <div class="field"><label for="mageid">MAGEID</label><input type="text" id="mageid" name="mageid" value="${input.mageId ?? ''}" required autocomplete="username" autocapitalize="characters" spellcheck="false" placeholder="MAG123456789" maxlength="64"${input.operatorError === undefined ? ' autofocus' : ''}></div>
    <div class="field"><label for="password">Password</label><input type="password" id="password" name="password" required autocomplete="current-password" maxlength="1024"></div>
    <button class="button button-primary" type="submit">Sign in</button>
  </form>
  <p class="hint after-form">No password yet? Your repogate operator sets it.</p>
</div>
${
  input.operatorEnabled
    ? html`<div class="card">
  <h2>Operator</h2>
  <p class="hint">Sign in with the admin token to manage every account.</p>
  ${input.operatorError === undefined ? '' : html`<div class="alert alert-error" role="alert"><p>${input.operatorError}</p></div>`}
  <form method="post" action="/sign-in/operator">${csrfInput(input.csrf)}
    <div class="field"><label for="admin-token">Admin token</label><input type="password" id="admin-token" name="token" required autocomplete="off" maxlength="1024"${input.operatorError === undefined ? '' : ' autofocus'}></div>
    <button class="button" type="submit">Sign in with the admin token</button>
  </form>
</div>`
    : ''
}
</main>`;
  return layout({ title: 'Sign in', body });
}
