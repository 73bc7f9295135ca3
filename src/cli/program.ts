import { Command, CommanderError } from 'commander';
import { isRepogateError } from '../errors.js';
import { redactUrl } from '../redact-url.js';
import { repogateVersion } from '../version.js';
import { registerAccessCommands } from './commands/access.js';
import { registerAccountCommands } from './commands/accounts.js';
import { registerAuditCommand } from './commands/audit.js';
import { registerCacheCommands } from './commands/cache.js';
import { registerEntitlementCommands } from './commands/entitlements.js';
import { registerGrantCommands } from './commands/grants.js';
import { registerKeyCommands } from './commands/keys.js';
import { registerMigrateProjectCommand } from './commands/migrate-project.js';
import { registerMigrateRegistryCommand } from './commands/migrate-registry.js';
import { registerServeCommand } from './commands/serve.js';
import { registerSourceCommands } from './commands/sources.js';
import { registerTokenCommands } from './commands/tokens.js';
import { formatError } from './output.js';

/** Exit codes of the `repogate` command. */
export const exitCodes = { ok: 0, refused: 1, usage: 2 } as const;

/** Builds the `repogate` command tree. Commander's own errors throw (exitOverride) instead of exiting. */
export function buildProgram(): Command {
  const program = new Command('repogate')
    .description('Authenticating Composer repository proxy: one set of upstream keys, a key pair per developer and CI job')
    .version(repogateVersion, '-V, --version', 'print the version of repogate')
    .option('--json', 'machine-readable output (JSON on stdout, errors as JSON on stderr)')
    .showSuggestionAfterError();
  registerServeCommand(program);
  registerAccountCommands(program);
  registerEntitlementCommands(program);
  registerGrantCommands(program);
  registerKeyCommands(program);
  registerTokenCommands(program);
  registerSourceCommands(program);
  registerMigrateRegistryCommand(program);
  registerMigrateProjectCommand(program);
  registerAuditCommand(program);
  registerCacheCommands(program);
  registerAccessCommands(program);
  // Commander's messages are printed by reportError, in the CLI's one-line (or JSON) form.
  applyToAll(program, (command) => command.exitOverride().configureOutput({ outputError: () => undefined }));
  return program;
}

function applyToAll(command: Command, fn: (command: Command) => void): void {
  fn(command);
  for (const sub of command.commands) applyToAll(sub, fn);
}

/** True when `--json` occurs among the arguments (before a `--`), also when parsing them failed. */
function jsonRequested(args: readonly string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).includes('--json');
}

/**
 * Runs the CLI with `args` (without `node` and the script) and returns the exit code: 0 ok, 1 not
 * found or refused, 2 usage or configuration error. Errors are written to stderr.
 */
export async function runCli(args: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync([...args], { from: 'user' });
    return exitCodes.ok;
  } catch (error) {
    return reportError(error, jsonRequested(args));
  }
}

function reportError(error: unknown, json: boolean): number {
  if (error instanceof CommanderError) {
    // --help ends here with exit code 0; a missing subcommand shows the help on stderr (code commander.help).
    if (error.exitCode === 0) return exitCodes.ok;
    if (error.code !== 'commander.help') {
      // One line, like every other error: commander puts its "(Did you mean …?)" on a line of its own.
      const message = redactUrl(error.message.replace(/^error: /, '').replace(/\s*\n\s*/g, ' '));
      console.error(
        json ? JSON.stringify({ error: { code: 'USAGE', message } }) : `repogate: ${message} (see repogate --help)`,
      );
    }
    return exitCodes.usage;
  }
  console.error(formatError(error, json));
  return isRepogateError(error) ? error.exitCode : exitCodes.refused;
}
