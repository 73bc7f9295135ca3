import type { RequestListener } from 'node:http';
import { accessLogFields, loggedPath, requestIdFor, RouteCounter } from '../http/request-context.js';
import type { AccessLogLines } from './access-log-lines.js';
import { recordDownload } from './archive-routes.js';
import type { ComposerDeps } from './composer-deps.js';

/**
 * The warm archive lane, in front of express: `GET /archives/…` of an archive that is pinned and
 * stored (and small enough to be read at once), for a key that was allowed this package before
 * (`AccessControl.allowedPrincipal`: any registry change, a new day or an address outside the key's
 * networks sends the request the general way). Answered as the express route answers a hit
 * (archive-routes.ts): the same status, headers in the same order and bytes, the key's last use and
 * its `archive.downloaded` audit event, the access-log line and the metrics. Through express a hit
 * cost about 200 µs of CPU (5,000 a second on one core, against 65,000 for nginx serving its cache);
 * a CI install fetches some 200 of them at once. Everything else goes to `fallback`.
 */
export function withFastArchives(deps: ComposerDeps, fallback: RequestListener, lines: AccessLogLines): RequestListener {
  const counter = deps.metrics && new RouteCounter(deps.metrics, 'composer', 'archive');
  return (req, res) => {
    const url = req.url ?? '';
    if (req.method !== 'GET' || !url.startsWith('/archives/') || url.includes('?') || url.includes('%')) {
      fallback(req, res);
      return;
    }
    const packageName = deps.dists.packageFor(url);
    const address = req.socket.remoteAddress ?? 'unknown';
    const principal = packageName === undefined ? undefined : deps.access.allowedPrincipal(req.headers.authorization, address, packageName);
    const hit = principal && deps.archives.storedHit(url);
    if (!principal || !hit || packageName === undefined) {
      fallback(req, res);
      return;
    }
    const started = performance.now();
    const requestId = requestIdFor(req);
    recordDownload(deps.usage, principal, packageName, address, url);
    const headers = ['X-Request-Id', requestId];
    for (const [name, value] of Object.entries(hit.headers)) headers.push(name, String(value));
    res.writeHead(200, headers);
    res.end(hit.bytes);
    const done = (): void => {
      const ms = performance.now() - started;
      counter?.count(res.statusCode, ms, undefined);
      if (!lines.enabled) return;
      lines.write(accessLogFields(requestId, req, res, loggedPath(url), ms, { key: principal, package: packageName, cache: 'hit' }, undefined));
    };
    if (res.writableFinished) done();
    else res.once('close', done);
  };
}
