import { readFileSync } from 'node:fs';

let cached: string | undefined;

/**
 * The version of repogate, from its package.json (two levels above `dist/src/`, where the built code
 * runs; the Docker image keeps package.json there too). Read once.
 */
export function repogateVersion(): string {
  if (cached !== undefined) return cached;
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  const version: unknown = (JSON.parse(text) as { version?: unknown }).version;
  cached = typeof version === 'string' ? version : 'unknown';
  return cached;
}
