import type { IncomingMessage } from 'node:http';
import type { Request, Response } from 'express';
import { errorCodes, type ErrorCode } from '../errors.js';
import type { Rendered } from '../composer/rendered.js';

/** Codes answered with 401 and a Basic challenge, so that Composer asks for (or reports) credentials. */
export const challengeCodes: ReadonlySet<ErrorCode> = new Set<ErrorCode>(['AUTH_REQUIRED', 'AUTH_INVALID', 'KEY_DISABLED', 'KEY_EXPIRED']);

/**
 * The one error body: `{"warning": "<one line>", "code": "<CODE>"}` as JSON, which Composer prints
 * next to the failure. `status` overrides the code's default (e.g. NOT_ENTITLED is a 404 on metadata).
 */
export function sendError(res: Response, code: ErrorCode, message: string, status?: number): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const httpStatus = status ?? errorCodes[code].status;
  res.locals['errorCode'] = code;
  if (challengeCodes.has(code)) res.setHeader('WWW-Authenticate', 'Basic realm="repogate"');
  const body = JSON.stringify({ warning: oneLine(message), code });
  res.status(httpStatus);
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}

function oneLine(message: string): string {
  return message.replace(/\s*\n\s*/g, ' ').slice(0, 500);
}

/**
 * Writes a memoised rendering: 304 without a body when the client's If-None-Match or
 * If-Modified-Since says it has it, else the bytes (gzipped when the client accepts it).
 */
export function sendRendered(req: Request, res: Response, rendered: Rendered, stale?: { confirmedAt: number }): void {
  if (stale) {
    // RFC 9111 §5.2 (Age) and the RFC 7234 Warning 110: served from cache because the upstream failed.
    res.setHeader('Age', String(Math.max(0, Math.floor((Date.now() - stale.confirmedAt) / 1000))));
    res.setHeader('Warning', '110 repogate "Response is Stale"');
  }
  res.setHeader('Last-Modified', rendered.lastModified);
  res.setHeader('ETag', rendered.etag);
  res.setHeader('Cache-Control', 'private, no-cache');
  res.setHeader('Vary', 'Authorization, Accept-Encoding');
  if (notModified(req, rendered)) {
    res.status(304).end();
    return;
  }
  res.setHeader('Content-Type', 'application/json');
  const acceptsGzip = rendered.gzip !== null && /\bgzip\b/i.test(req.headers['accept-encoding'] ?? '');
  const body = acceptsGzip ? rendered.gzip! : rendered.body;
  if (acceptsGzip) res.setHeader('Content-Encoding', 'gzip');
  res.setHeader('Content-Length', body.length);
  res.status(200).end(req.method === 'HEAD' ? undefined : body);
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
