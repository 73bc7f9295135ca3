import { pipeline } from 'node:stream/promises';
import type { Request, Response, Router } from 'express';
import type { AuthThrottle } from '../access/auth-throttle.js';
import { isRepogateError } from '../errors.js';
import type { ClientAddress } from '../http/client-address.js';
import { factsOf, requestIdOf } from '../http/request-context.js';
import { parseRequestPath, segmentsBelow } from '../http/request-path.js';
import { sendError } from '../http/responses.js';
import type { Logger } from '../logger.js';
import { parseBasicAuthorization } from '../access/basic-auth.js';
import type { Registry } from '../registry/registry.js';
import { mageIdPattern } from '../registry/validation.js';
import type { UpstreamClient } from '../upstream/upstream-client.js';
import { streamed } from '../http/streaming-garbage.js';
import { releaseDownloadUrl } from './release-download-url.js';

export interface DownloadsDeps {
  readonly registry: Registry;
  /** The release downloads upstream with the organisation's MAGEID:TOKEN; undefined when not configured. */
  readonly upstream: UpstreamClient | undefined;
  readonly throttle: AuthThrottle | undefined;
  readonly logger: Logger;
  /** The client's address (through REPOGATE_TRUSTED_PROXIES). */
  readonly clientAddress: ClientAddress;
}

const passHeaders = ['content-type', 'content-length', 'content-disposition', 'last-modified', 'etag', 'content-range', 'accept-ranges'] as const;
const realm = 'Basic realm="repogate downloads"';
const downloadsPrefix = ['products', 'downloads'] as const;
/** `Range: bytes=…` as RFC 9110 §14.1.2 shapes it; anything else is ignored (the whole file is sent). */
const byteRanges = /^bytes=\s*(\d*-\d*)(\s*,\s*\d*-\d*)*\s*$/;
/** An entity tag or an HTTP date (RFC 9110 §13.1.5), printable ASCII. */
const ifRangeValue = /^[\x20-\x7e]{1,200}$/;

/**
 * `GET /products/downloads/…`: the release downloads pass-through. Clients authenticate as
 * `MAGEID:TOKEN` with their account's downloads access token (the one `repogate tokens generate`
 * printed); repogate fetches the file with the organisation's own MAGEID:TOKEN and streams it back.
 *
 * The upstream URL is built from the decoded path below `/products/downloads/` only, under
 * REPOGATE_DOWNLOADS_URL (see release-download-url.ts): dot segments, encoded slashes, backslashes
 * and control characters are refused with 400, an absolute-form target counts as its path, and the
 * query string is not forwarded (the downloads site's commands are all paths). `Range` and
 * `If-Range` are forwarded, so that a large download can be resumed (`curl -C -`).
 */
export function registerDownloadsRoutes(router: Router, deps: DownloadsDeps): void {
  router.get(/^\/products\/downloads\/.*/, async (req: Request, res: Response) => {
    const target = parseRequestPath(req.originalUrl);
    if (!target.ok) return sendError(res, 'BAD_REQUEST', `refused release download path: ${target.reason}`);
    const below = segmentsBelow(target.value, downloadsPrefix);
    if (below === undefined) return sendError(res, 'NOT_FOUND', 'release downloads live under /products/downloads/');
    const path = target.value.path;
    const address = deps.clientAddress(req);
    const presented = parseBasicAuthorization(req.headers.authorization);
    if (presented.kind !== 'basic' || !mageIdPattern.test(presented.username)) {
      res.setHeader('WWW-Authenticate', realm);
      return sendError(res, presented.kind === 'none' ? 'AUTH_REQUIRED' : 'AUTH_INVALID', 'release downloads need your MAGEID as username and your downloads access token as password', 401);
    }
    const { username: mageId, password: token } = presented;
    // The token is checked first: wrong guesses are counted and refused, never the right token.
    const checked = await deps.registry.tokens.check(mageId, token);
    if (!checked.ok) {
      if (checked.suspended !== undefined) {
        return sendError(res, 'ACCOUNT_SUSPENDED', `account ${mageId} suspended: ${checked.suspended}`);
      }
      const exceeded = await deps.throttle?.recordFailure(mageId, address);
      if (exceeded !== undefined) {
        const wait = exceeded.retryAfterSeconds;
        const limit = exceeded.limit === 'address' ? `from your address ${address}` : `for ${mageId}`;
        return sendError(res, 'RATE_LIMITED', `too many failed attempts ${limit}; try again in ${wait} s (the right token is still accepted)`, { retryAfterSeconds: wait });
      }
      res.setHeader('WWW-Authenticate', realm);
      return sendError(res, 'AUTH_INVALID', `invalid MAGEID or downloads access token for ${mageId} (a newly generated token replaces the previous one)`, 401);
    }
    if (deps.upstream === undefined) {
      return sendError(res, 'NOT_FOUND', 'release downloads are not configured on this repogate (REPOGATE_DOWNLOADS_URL)');
    }
    const url = releaseDownloadUrl(deps.upstream.baseUrl, below, target.value.trailingSlash);
    if (url === undefined) return sendError(res, 'BAD_REQUEST', 'refused release download path: it would leave REPOGATE_DOWNLOADS_URL');
    factsOf(res).package = 'release';
    const range = rangeHeaders(req);
    let upstream;
    try {
      upstream = await deps.upstream.openStream(url, requestIdOf(res), range);
    } catch (error) {
      if (isRepogateError(error)) return sendError(res, error.code, error.message);
      throw error;
    }
    if (upstream.status === 416) {
      upstream.body.destroy();
      const contentRange = upstream.headers['content-range'];
      if (typeof contentRange === 'string') res.setHeader('Content-Range', contentRange);
      return sendError(res, 'RANGE_NOT_SATISFIABLE', `the requested range (${range.range ?? 'none'}) is not within the release download ${path.slice(0, 200)}`);
    }
    if (upstream.status !== 200 && upstream.status !== 206) {
      upstream.body.destroy();
      if (upstream.status === 404) return sendError(res, 'NOT_FOUND', `no such release download: ${path.slice(0, 200)}`);
      return sendError(res, 'UPSTREAM_UNAVAILABLE', `the release downloads upstream answered HTTP ${upstream.status}`);
    }
    const detail = upstream.status === 206 ? { path, address, range: range.range } : { path, address };
    await deps.registry.audit.append({ type: 'account', id: mageId }, { action: 'release.downloaded', accountId: mageId, detail });
    res.status(upstream.status);
    for (const name of passHeaders) {
      const value = upstream.headers[name];
      if (value !== undefined) res.setHeader(name, value);
    }
    try {
      await pipeline(upstream.body, countStreamed, res);
    } catch (error) {
      deps.logger.warn({ path, err: error instanceof Error ? error.message : String(error) }, 'release download ended early');
      res.destroy();
    }
  });
}

/** The client's `Range` and `If-Range`, when well formed, for the upstream (`If-Range` only with a `Range`). */
function rangeHeaders(req: Request): { range?: string; 'if-range'?: string } {
  const range = req.headers.range;
  if (range === undefined || range.length > 256 || !byteRanges.test(range)) return {};
  const ifRange = req.headers['if-range'];
  return typeof ifRange === 'string' && ifRangeValue.test(ifRange) ? { range, 'if-range': ifRange } : { range };
}

/** Passes a release download through, counting its bytes for the streaming garbage collections. */
async function* countStreamed(source: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  for await (const chunk of source) {
    streamed(chunk.length);
    yield chunk;
  }
}
