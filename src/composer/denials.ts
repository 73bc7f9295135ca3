import type { Denial } from '../access/access-rules.js';
import type { ErrorOptions } from '../http/responses.js';

/**
 * How a refusal is answered. A package the key may not see is a 404 on metadata (Composer then
 * moves on to the next repository, as for a name this repository doesn't hold) and a 403 on archives.
 */
export function denialOptions(denial: Denial, where: 'metadata' | 'archive' | 'other'): ErrorOptions {
  const status = denial.code === 'NOT_ENTITLED' ? (where === 'metadata' ? 404 : 403) : undefined;
  return { status, retryAfterSeconds: denial.retryAfterSeconds };
}
