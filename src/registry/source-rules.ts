import { RepogateError, invalid } from '../errors.js';
import { redactUrl } from '../redact-url.js';

// What a source's name, URL and credentials may be: checked where they come in (CLI, admin API,
// registry).

/** Path-safe: the runtime puts source names in URL paths. */
export const sourceNamePattern = /^[a-z0-9][a-z0-9-]{0,39}$/;

export function assertSourceName(name: string): string {
  if (!sourceNamePattern.test(name)) {
    throw invalid(`invalid source name "${name}": use lowercase letters, digits and '-', starting with a letter or digit (at most 40)`);
  }
  return name;
}

/** http(s), no `user:password@`, no query or fragment; returned without a trailing slash. */
export function assertSourceUrl(value: string): string {
  const url = URL.parse(value.trim());
  const shown = url === null ? redactUrl(value) : redacted(url);
  const bad = (why: string): RepogateError =>
    new RepogateError('BAD_REQUEST', `invalid source URL "${shown.length > 200 ? `${shown.slice(0, 200)}…` : shown}": ${why}`);
  if (url === null) throw bad('expected an http:// or https:// URL such as https://repo.example.com');
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw bad('expected an http:// or https:// URL');
  if (url.username !== '' || url.password !== '') throw bad('must not hold credentials (user:password@); give --username and --password-stdin instead');
  if (url.search !== '' || url.hash !== '' || /[?#]/.test(value)) throw bad('must not have a query (?…) or fragment (#…)');
  return url.href.replace(/\/+$/, '');
}

function redacted(url: URL): string {
  if (url.username === '' && url.password === '') return url.href;
  const copy = new URL(url.href);
  copy.username = '***';
  copy.password = '';
  return copy.href;
}

export function assertUsername(value: string): string {
  if (value.length === 0) throw invalid('the username must not be empty');
  if (value.length > 200) throw invalid('the username is too long (at most 200 characters)');
  if (value.includes(':')) throw invalid('the username must not contain ":" (HTTP Basic authentication cannot carry it)');
  if ([...value].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) throw invalid('the username must not contain control characters');
  return value;
}

export function assertSecret(value: string, what: string): string {
  if (value.length === 0) throw invalid(`the ${what} must not be empty`);
  if (value.length > 4096) throw invalid(`the ${what} is too long (at most 4096 characters)`);
  if ([...value].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f)) throw invalid(`the ${what} must not contain control characters or line breaks`);
  return value;
}

/** A secret can be stored only with REPOGATE_SECRETS_KEY set (the CLI checks before it asks for one). */
export function assertCanSeal(name: string, what: string, secretsKey: string | undefined): void {
  if (secretsKey !== undefined) return;
  throw new RepogateError(
    'BAD_REQUEST',
    `cannot store the ${what} of source "${name}": REPOGATE_SECRETS_KEY is not set. Set it (at least 32 random characters, the same for the CLI and every instance) and try again`,
  );
}
