import type { Response } from 'express';
import type { Denial } from '../access/access-control.js';
import { sendError } from '../http/responses.js';

/**
 * Answers a refused request. A package the key may not see is a 404 on metadata (Composer then
 * moves on to the next repository, as for a name this repository doesn't hold) and a 403 on archives.
 */
export function sendDenial(res: Response, denial: Denial, where: 'metadata' | 'archive' | 'other'): void {
  if (denial.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(denial.retryAfterSeconds));
  const status = denial.code === 'NOT_ENTITLED' ? (where === 'metadata' ? 404 : 403) : undefined;
  sendError(res, denial.code, denial.reason, status);
}
