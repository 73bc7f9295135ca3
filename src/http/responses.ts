import type { IncomingMessage, ServerResponse } from 'node:http';
import { errorCodes, type ErrorCode } from '../errors.js';
import type { Rendered } from './rendered.js';

/**
 * The response writers every listener uses (the Composer lanes, the express routes, the admin API),
 * on node:http's `ServerResponse`. Headers go out in one `writeHead` as a flat list, after any the
 * response already carries (express's routes set `X-Request-Id` first).
 */

/** Codes answered with 401 and a Basic challenge, so that Composer asks for (or reports) credentials. */
export const challengeCodes: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['AUTH_REQUIRED', 'AUTH_INVALID', 'KEY_DISABLED', 'KEY_EXPIRED']);

/** The challenge of the Composer listener. */
export const basicChallenge = 'Basic realm="repogate"';

export interface ErrorOptions {
  /** Overrides the code's status (e.g. NOT_ENTITLED is a 404 on metadata). */
  readonly status?: number | undefined;
  /** For RATE_LIMITED: `Retry-After`. */
  readonly retryAfterSeconds?: number | undefined;
  /**
   * The `WWW-Authenticate` value sent with a 401: the Composer listener's Basic challenge unless
   * given (the admin API challenges for a bearer token, release downloads for a MAGEID).
   */
  readonly challenge?: string | undefined;
  /** More headers of this answer (a flat list), e.g. a 416's `Content-Range`. */
  readonly headers?: readonly string[] | undefined;
}

/** The body of every error: `{"warning": "<one line>", "code": "<CODE>"}`, which Composer prints next to the failure. */
export function errorBody(code: ErrorCode, message: string): string {
  return JSON.stringify({ warning: oneLine(message), code });
}

/**
 * Writes an error answer: the JSON body, `no-store`, a challenge on 401, `Retry-After` when given.
 * `headers` (a flat list) go first. A response already started is cut instead (its status is gone).
 */
export function writeError(res: ServerResponse, headers: string[], code: ErrorCode, message: string, options: ErrorOptions = {}): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const status = options.status ?? errorCodes[code].status;
  if (options.retryAfterSeconds !== undefined) headers.push('Retry-After', String(options.retryAfterSeconds));
  if (options.headers !== undefined) headers.push(...options.headers);
  // A challenge the response already carries (set by the route) stands.
  if (status === 401 && (options.challenge !== undefined || challengeCodes.has(code)) && !res.hasHeader('www-authenticate')) {
    headers.push('WWW-Authenticate', options.challenge ?? basicChallenge);
  }
  const body = errorBody(code, message);
  headers.push('Content-Type', 'application/json', 'Cache-Control', 'no-store', 'Content-Length', String(Buffer.byteLength(body)));
  res.writeHead(status, headers);
  res.end(body);
}

/** An error answer on an express response, its code kept for the access log and the metrics. */
export function sendError(res: ServerResponse & { locals: Record<string, unknown> }, code: ErrorCode, message: string, options: ErrorOptions | number = {}): void {
  res.locals['errorCode'] = code;
  writeError(res, [], code, message, typeof options === 'number' ? { status: options } : options);
}

function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, ' ').slice(0, 500);
}

/** Headers of every metadata answer, `200` or `304`. */
export function validatorHeaders(rendered: Rendered): string[] {
  return ['Last-Modified', rendered.lastModified, 'ETag', rendered.etag, 'Cache-Control', 'private, no-cache', 'Vary', 'Authorization, Accept-Encoding'];
}

/** Headers of a metadata `200`'s body. */
export function contentHeaders(body: Buffer, gzip: boolean): string[] {
  return gzip
    ? ['Content-Type', 'application/json', 'Content-Encoding', 'gzip', 'Content-Length', String(body.length)]
    : ['Content-Type', 'application/json', 'Content-Length', String(body.length)];
}

/** The gzipped body, when the client takes gzip and the rendering has one. */
export function gzipOf(req: IncomingMessage, rendered: Rendered): Buffer | null {
  return rendered.gzip !== null && /\bgzip\b/i.test(req.headers['accept-encoding'] ?? '') ? rendered.gzip : null;
}

/**
 * Writes a memoised rendering: 304 without a body when the client's If-None-Match or
 * If-Modified-Since says it has it, else the bytes (gzipped when the client accepts it). A stale
 * answer (the upstream failed; `staleConfirmedAt` is when it last confirmed the content) says so.
 */
export function writeRendered(req: IncomingMessage, res: ServerResponse, headers: string[], rendered: Rendered, staleConfirmedAt: number | undefined): void {
  if (staleConfirmedAt !== undefined) {
    // RFC 9111 §5.2 (Age) and the RFC 7234 Warning 110: served from cache because the upstream failed.
    headers.push('Age', String(Math.max(0, Math.floor((Date.now() - staleConfirmedAt) / 1000))), 'Warning', '110 repogate "Response is Stale"');
  }
  headers.push(...validatorHeaders(rendered));
  if (notModified(req, rendered)) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  const gzip = gzipOf(req, rendered);
  headers.push(...contentHeaders(gzip ?? rendered.body, gzip !== null));
  res.writeHead(200, headers);
  res.end(req.method === 'HEAD' ? undefined : (gzip ?? rendered.body));
}

/** True when the client's If-None-Match or If-Modified-Since says it already has `rendered`. */
export function notModified(req: IncomingMessage, rendered: Rendered): boolean {
  const inm = req.headers['if-none-match'];
  if (inm !== undefined) return inm.split(',').some((tag) => tag.trim().replace(/^W\//, '') === rendered.etag);
  const ims = req.headers['if-modified-since'];
  if (ims === undefined) return false;
  const since = Date.parse(ims);
  return !Number.isNaN(since) && rendered.lastModifiedMs <= since;
}
