import type { Config } from '../config.js';

/** A Host header repogate will write into URLs. */
export const hostPattern = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;


/**
 * The host Composer matches `http-basic` credentials on: host[:port] of REPOGATE_PUBLIC_URL, or the
 * local listener when it is unset. (Composer keys auth by the URL's host plus an explicit port.)
 */
export function composerAuthHost(config: Config): string {
  return config.publicUrl === undefined ? `localhost:${config.port}` : new URL(config.publicUrl).host;
}
