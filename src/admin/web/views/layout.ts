import { assetUrls } from '../static.js';
import { html, type SafeHtml } from './html.js';

export interface LayoutInput {
  readonly title: string;
  readonly body: SafeHtml;
  /** The page's own address: after a one-time result, the script puts it back in the address bar. */
  readonly canonical?: string;
}

/** The HTML document around every page: viewport for phones, the stylesheet and the deferred script. */
export function layout(input: LayoutInput): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${input.title} · repogate</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${assetUrls.css}">
<script src="${assetUrls.js}" defer></script>
</head>
<body${input.canonical === undefined ? '' : html` data-canonical="${input.canonical}"`}>
<a class="skip" href="#main">Skip to content</a>
${input.body}
</body>
</html>
`.value;
}
