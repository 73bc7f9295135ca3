import { html, type SafeHtml } from './html.js';

/** `2025-03-01T09:30:12.345Z` → `2025-03-01 09:30 UTC`. */
export function formatTime(iso: string): string {
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

/** A `<time>` element with the machine-readable instant. */
export function timeTag(iso: string): SafeHtml {
  return html`<time datetime="${iso}">${formatTime(iso)}</time>`;
}

/** A coloured status pill; `tone` picks the colour (enabled, disabled, active, expiring, expired, suspended). */
export function badge(tone: string, text: string): SafeHtml {
  return html`<span class="badge badge-${tone}">${text}</span>`;
}

/** `1 day`, `12 days`. */
export function days(count: number): string {
  return `${count} day${count === 1 ? '' : 's'}`;
}

/** Date over time, for narrow table cells: `2025-03-01` / `09:30 UTC`. */
export function stampTag(iso: string): SafeHtml {
  return html`<time class="stamp" datetime="${iso}">${iso.slice(0, 10)}<small>${iso.slice(11, 16)} UTC</small></time>`;
}
