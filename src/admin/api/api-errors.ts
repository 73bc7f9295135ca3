import type { Response } from 'express';
import { isRepogateError, type ErrorCode } from '../../errors.js';
import { writeError } from '../../http/responses.js';
import type { Logger } from '../../logger.js';

/**
 * The admin API's error response: the same `{"warning", "code"}` body as everywhere in repogate,
 * with a Bearer challenge on 401 (the admin API takes bearer tokens, not Basic credentials) and
 * `Retry-After` on 429.
 */
export function sendApiError(
  res: Response,
  code: ErrorCode,
  message: string,
  options: { retryAfterSeconds?: number; status?: number } = {},
): void {
  res.locals['errorCode'] = code;
  writeError(res, [], code, message, { ...options, challenge: 'Bearer realm="repogate-admin"' });
}

/** Any error thrown by a route: its code and message when it is a RepogateError, else INTERNAL (details only in the log). */
export function sendApiFailure(res: Response, error: unknown, logger: Logger): void {
  if (isRepogateError(error)) {
    sendApiError(res, error.code, error.message);
    return;
  }
  const parserStatus = bodyParserStatus(error);
  if (parserStatus !== undefined) {
    const message = parserStatus === 413 ? 'request body too large' : 'the request body is not valid JSON';
    sendApiError(res, 'BAD_REQUEST', message, { status: parserStatus });
    return;
  }
  logger.error({ err: error instanceof Error ? error.stack ?? error.message : String(error) }, 'admin API error');
  sendApiError(res, 'INTERNAL', 'internal error (see the server log)');
}

/** The 4xx status express's body parsers attach to their errors. */
export function bodyParserStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null || !('status' in error) || !('type' in error)) return undefined;
  const status = Number(error.status);
  return status >= 400 && status < 500 ? status : undefined;
}
