/**
 * `scheme://userinfo@` anywhere in a text. The userinfo runs to the last `@` before a `/`, a quote or
 * whitespace, so that a password holding a raw `@`, `:`, `?` or `#` (which some clients accept
 * unencoded) is covered whole.
 */
const urlUserinfo = /([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^\s/"'`]*)@/g;

/**
 * The text with the password of every URL in it replaced by `***` (`postgres://repogate:***@db/x`);
 * a userinfo without `:` (`redis://secret@cache`) is replaced whole. For log lines, error messages
 * and CLI output: REPOGATE_DATABASE_URL and REDIS_URL may carry passwords, and none may be shown.
 */
export function redactUrl(text: string): string {
  if (!text.includes('@') || !text.includes('://')) return text;
  return text.replace(urlUserinfo, (_match, scheme: string, userinfo: string) => {
    const colon = userinfo.indexOf(':');
    return `${scheme}${colon === -1 ? '***' : `${userinfo.slice(0, colon)}:***`}@`;
  });
}
