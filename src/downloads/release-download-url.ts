import { encodePathSegment } from '../http/request-path.js';

/**
 * The upstream URL of a release download: the decoded `segments` below `/products/downloads/` of the
 * request, encoded again, under `<REPOGATE_DOWNLOADS_URL>/products/downloads/`. Only the base's
 * origin and path are used (never anything from the request's host or query), and the URL built is
 * checked to start with that prefix: undefined when it would not (a `..` that got this far, say).
 */
export function releaseDownloadUrl(baseUrl: string, segments: readonly string[], trailingSlash: boolean): URL | undefined {
  const base = new URL(baseUrl);
  const prefix = new URL(`${base.origin}${base.pathname.replace(/\/+$/, '')}/products/downloads/`);
  const path = segments.map(encodePathSegment).join('/') + (trailingSlash && segments.length > 0 ? '/' : '');
  const url = new URL(`${prefix.href}${path}`);
  return url.origin === prefix.origin && url.href.startsWith(prefix.href) ? url : undefined;
}
