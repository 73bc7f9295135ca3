import { userInfo } from 'node:os';
import type { Command } from 'commander';
import type { Config } from '../config.js';
import type { Actor } from '../registry/context.js';
import type { Registry } from '../registry/registry.js';
import { createOutput, type Output } from './output.js';

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
  const registry = createRegistry(await openRegistryDatabase(config.databaseUrl));
  try {
    await fn({ config, registry, actor: cliActor(), output });
  } finally {
    await registry.close();
  }
}
