/** A request target taken apart: the decoded, normalised path and the raw query (without `?`). */
export type ParsedTarget = { readonly ok: true; readonly path: string; readonly query: string } | { readonly ok: false; readonly reason: string };

const absoluteForm = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/;
// Control characters (C0, DEL) and the backslash, which some servers and clients treat as a slash.
// eslint-disable-next-line no-control-regex
const refusedCharacters = /[\u0000-\u001f\u007f\\]/;

/**
 * The path of a request target (RFC 9112 §3.2), as every repogate route works on it: an absolute-form
 * target (`GET http://host/p2/… HTTP/1.1`) gives its path alone — its host is never used; each
 * segment is percent-decoded once. Refused, with a reason a person can act on: dot segments (also
 * encoded), encoded slashes and backslashes, control characters, invalid percent-encoding, and
 * targets that are not a path at all (authority-form, `*`).
 */
export function parseRequestTarget(target: string): ParsedTarget {
  let rest = target;
  if (!rest.startsWith('/')) {
    const scheme = absoluteForm.exec(rest);
    if (scheme === null) return { ok: false, reason: 'the request target is not a path' };
    rest = rest.slice(scheme[0].length);
    if (!rest.startsWith('/')) rest = `/${rest}`;
  }
  const hash = rest.indexOf('#');
  if (hash !== -1) rest = rest.slice(0, hash);
  const mark = rest.indexOf('?');
  const rawPath = mark === -1 ? rest : rest.slice(0, mark);
  const query = mark === -1 ? '' : rest.slice(mark + 1);
  if (refusedCharacters.test(rawPath)) return { ok: false, reason: 'the path holds a backslash or a control character' };
  if (!rawPath.includes('%') && !rawPath.includes('/.')) return { ok: true, path: rawPath, query };
  const segments = rawPath.split('/');
  for (let i = 1; i < segments.length; i++) {
    let segment: string;
    try {
      segment = decodeURIComponent(segments[i]!);
    } catch {
      return { ok: false, reason: 'the path has an invalid percent-encoding' };
    }
    if (segment === '.' || segment === '..') return { ok: false, reason: 'the path has a dot segment ("." or "..")' };
    if (segment.includes('/') || refusedCharacters.test(segment)) return { ok: false, reason: 'the path has an encoded slash, backslash or control character' };
    segments[i] = segment;
  }
  return { ok: true, path: segments.join('/'), query };
}
