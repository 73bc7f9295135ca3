import type { Request } from 'express';

/** A Host header repogate will write into URLs. */
export const hostPattern = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * The base URL clients use to reach repogate: REPOGATE_PUBLIC_URL when set, else the request's own
 * scheme and Host header (validated, so nothing odd ends up in rewritten URLs). Undefined when the
 * Host header is unusable.
 */
export function publicBase(req: Request, configured: string | undefined): string | undefined {
  if (configured !== undefined) return configured;
  const host = req.headers.host;
  if (host === undefined || host.length > 255 || !hostPattern.test(host)) return undefined;
  return `${req.protocol}://${host}`;
}
