import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { Config } from '../config.js';
import type { Actor } from '../registry/context.js';
import type { Registry } from '../registry/registry.js';
import { createOutput, type Output } from './output.js';

/**
 * Said on stderr when a command made a new, empty registry: run from the wrong directory, the
 * default `./data` is a different registry from the server's, and keys made there never work.
 */
function newRegistryNotice(opened: string, databaseUrl: string): { code: string; location: string; message: string } {
  const sqlite = databaseUrl.startsWith('sqlite:');
  const location = sqlite ? resolve(opened) : opened;
  const hint = sqlite
    ? 'REPOGATE_DATA_DIR or REPOGATE_DATABASE_URL chooses another: is this the registry your server uses?'
    : 'is this the registry your server uses?';
  return { code: 'REGISTRY_CREATED', location, message: `created a new, empty registry at ${location} (${hint})` };
}

/** What a command's action works with: the configuration, an open registry, who acts, and the output. */
export interface Session {
  readonly config: Config;
  readonly registry: Registry;
  readonly actor: Actor;
  readonly output: Output;
}

/** The CLI acts as the operating-system user who runs it (recorded in the audit trail). */
function cliActor(): Actor {
  try {
    return { type: 'cli', id: userInfo().username };
  } catch {
    return { type: 'cli', id: 'unknown' };
  }
}

/** True when `--json` was given anywhere on the command line (before a `--`). */
export function wantsJson(command: Command): boolean {
  return command.optsWithGlobals<{ json?: boolean }>().json === true;
}

/**
 * Runs `fn` with the registry open and closes it afterwards, also when `fn` throws, so that the CLI
 * never holds the SQLite file longer than one command and can share it with a running server.
 */
export async function withSession(command: Command, fn: (session: Session) => Promise<void>): Promise<void> {
  const output = createOutput(wantsJson(command));
  // Loaded here rather than at the top, so that --help and usage errors don't pay for zod and the database layer.
  const { loadConfig } = await import('../config.js');
  const config = loadConfig();
  const [{ openRegistryDatabase }, { createRegistry }] = await Promise.all([
    import('../registry/database.js'),
    import('../registry/registry.js'),
  ]);
  const database = await openRegistryDatabase(config.databaseUrl);
  if (database.created) output.notice(newRegistryNotice(database.location, config.databaseUrl));
  const registry = createRegistry(database);
  try {
    await fn({ config, registry, actor: cliActor(), output });
  } finally {
    await registry.close();
  }
}
