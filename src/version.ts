import { readFileSync } from 'node:fs';

/**
 * repogate's own version, from its package.json (two levels above this module, in the checkout and in
 * `dist/src/`): what the upstream User-Agent names. `0.0.0` if the file cannot be read.
 */
export const repogateVersion: string = readVersion();

function readVersion(): string {
  for (const relative of ['../package.json', '../../package.json']) {
    try {
      const parsed = JSON.parse(readFileSync(new URL(relative, import.meta.url), 'utf8')) as { name?: unknown; version?: unknown };
      if (parsed.name === 'repogate' && typeof parsed.version === 'string') return parsed.version;
    } catch {
      // not here: try the next place
    }
  }
  return '0.0.0';
}

/**
 * The Composer release whose client repogate's upstream requests read as: Composer's own User-Agent
 * starts `Composer/<version> (` (src/Composer/Util/StreamContextFactory.php), and servers that answer
 * Composer clients differently match on that.
 */
export const composerCompatibleVersion = '2.8.0';

/** The default upstream User-Agent: `Composer/2.8.0 (repogate/0.1.0; Node.js 20.18.1)`. */
export function defaultUpstreamUserAgent(nodeVersion: string = process.versions.node): string {
  return `Composer/${composerCompatibleVersion} (repogate/${repogateVersion}; Node.js ${nodeVersion})`;
}
