import type { Command } from 'commander';
import { parse } from '../arguments.js';
import { withSession } from '../session.js';

/** `repogate tokens generate`: the account's downloads access token, used as `MAGEID:TOKEN`. */
export function registerTokenCommands(program: Command): void {
  const tokens = program.command('tokens').description('manage downloads access tokens');

  tokens
    .command('generate')
    .description('generate the account’s downloads access token (replaces and disables the previous one)')
    .requiredOption('--account <MAGEID>', 'the account the token belongs to', parse.mageId)
    .action((options: { account: string }, command: Command) =>
      withSession(command, async ({ registry, actor, output }) => {
        const { token } = await registry.tokens.generate(options.account, actor);
        const account = options.account;
        output.result({ account, token }, () =>
          [
            `Generated a downloads access token for account ${account}; any previous token no longer works.`,
            '',
            `  Token:       ${token}`,
            `  MAGEID:TOKEN ${account}:${token}`,
            '',
            'The token is shown only this once: save it now (repogate keeps only a hash of it).',
          ].join('\n'),
        );
      }),
    );
}
