/**
 * A request target as a route may use it: the decoded path, split into segments, never a URL. Routes
 * that build an upstream URL or a file name from the path work on these segments, not on
 * `req.url`/`req.originalUrl`, so that `..`, encoded slashes and absolute-form targets
 * (`GET http://other-host/…`) cannot take them anywhere else.
 */
export interface RequestPath {
  /** `/` + the segments joined by `/` (+ `/` when the target's path ended with one): decoded, normalised. */
  readonly path: string;
  /** Percent-decoded; none empty, `.` or `..`, none holding `/`, `\` or a control character. */
  readonly segments: readonly string[];
  readonly trailingSlash: boolean;
  /** The raw query after `?` (not decoded), or null when there is none. */
  readonly query: string | null;
}

export type RequestPathResult =
  | { readonly ok: true; readonly value: RequestPath }
  | { readonly ok: false; readonly reason: string };

/** Longer targets are refused; node's own limit on the request head is 16 KiB. */
const maxTargetLength = 8192;

/** Characters never allowed raw in a target: controls, space, `\`, `#` and anything past ASCII. */
// eslint-disable-next-line no-control-regex
const forbiddenRaw = /[\u0000-\u0020\u007f-\uffff\\#]/;
// eslint-disable-next-line no-control-regex
const controlCharacter = /[\u0000-\u001f\u007f]/;
const badPercent = /%(?![0-9A-Fa-f]{2})/;
const encodedSlash = /%(2f|5c)/i;
const absoluteForm = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;

const refuse = (reason: string): RequestPathResult => ({ ok: false, reason });

/**
 * Parses a request target (origin-form `/a/b?q`, or absolute-form `http://host/a/b?q`, of which only
 * the path and query count: the host part is ignored, never used as a URL) into a decoded,
 * normalised path. Empty segments (`//`) are dropped. Refused, each with a one-line reason: any other
 * form (`*`, authority-form, other schemes), dot segments (`.`, `..`, raw or percent-encoded in any
 * case, also `..;x`), encoded slashes (`%2F`, `%5C`), backslashes, NUL and other control characters
 * (raw or encoded), invalid percent-encoding (also bytes that are not UTF-8), and targets over 8 KiB.
 */
export function parseRequestPath(target: string): RequestPathResult {
  if (target.length > maxTargetLength) return refuse(`the request target is longer than ${maxTargetLength} characters`);
  if (target.includes('\\')) return refuse('backslashes are not allowed in a path');
  if (forbiddenRaw.test(target)) return refuse('the request target holds a character that must be percent-encoded');
  let rest = target;
  if (absoluteForm.test(rest)) {
    if (!/^https?:\/\//i.test(rest)) return refuse('only http:// and https:// absolute-form targets are accepted');
    const afterScheme = rest.indexOf('//') + 2;
    const end = rest.slice(afterScheme).search(/[/?]/);
    rest = end === -1 ? '/' : rest.slice(afterScheme + end);
    if (rest.startsWith('?')) rest = `/${rest}`;
  }
  if (!rest.startsWith('/')) return refuse('the request target must be a path starting with /');
  const queryAt = rest.indexOf('?');
  const rawPath = queryAt === -1 ? rest : rest.slice(0, queryAt);
  const query = queryAt === -1 ? null : rest.slice(queryAt + 1);
  if (badPercent.test(rest)) return refuse('invalid percent-encoding (% must be followed by two hex digits)');
  if (encodedSlash.test(rawPath)) return refuse('encoded slashes (%2F, %5C) are not allowed in a path');
  const segments: string[] = [];
  for (const raw of rawPath.split('/')) {
    if (raw === '') continue;
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return refuse('invalid percent-encoding (not UTF-8)');
    }
    if (controlCharacter.test(segment)) return refuse('control characters (such as %00) are not allowed in a path');
    const name = segment.split(';', 1)[0];
    if (name === '.' || name === '..') return refuse('dot segments (. and ..) are not allowed in a path');
    segments.push(segment);
  }
  const trailingSlash = rawPath.length > 1 && rawPath.endsWith('/') && segments.length > 0;
  const path = `/${segments.join('/')}${trailingSlash ? '/' : ''}`;
  return { ok: true, value: { path, segments, trailingSlash, query } };
}

/** The segments of `path` below `prefix` (`['products', 'downloads']`), or undefined when it is not below it. */
export function segmentsBelow(path: RequestPath, prefix: readonly string[]): readonly string[] | undefined {
  if (path.segments.length < prefix.length) return undefined;
  for (let i = 0; i < prefix.length; i++) if (path.segments[i] !== prefix[i]) return undefined;
  return path.segments.slice(prefix.length);
}

/**
 * One decoded segment encoded for a URL path: everything but RFC 3986's unreserved characters and
 * the sub-delimiters, `:` and `@` is percent-encoded (so `/`, `\`, `%`, `?` and `#` always are).
 */
export function encodePathSegment(segment: string): string {
  return encodeURIComponent(segment).replace(/%(24|26|2B|2C|3A|3B|3D|40)/g, (_match, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}
