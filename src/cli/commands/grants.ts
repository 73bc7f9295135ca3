import type { Command } from 'commander';
import { parse } from '../arguments.js';
import { withSession } from '../session.js';

/** `repogate grant` and `repogate revoke`: give an entitlement to an account, optionally until a date. */
export function registerGrantCommands(program: Command): void {
  program
    .command('grant')
    .argument('<MAGEID>', 'the account', parse.mageId)
    .argument('<entitlement>', 'the entitlement to grant', parse.entitlementName)
    .description('grant an entitlement to an account (again: change its expiry)')
    .option('--expires <YYYY-MM-DD>', 'last day on which the grant counts', parse.date)
    .action((id: string, entitlement: string, options: { expires?: string }, command: Command) =>
      withSession(command, async ({ registry, actor, output }) => {
        const grant = await registry.entitlements.grant(id, entitlement, options.expires ?? null, actor);
        const until = grant.expiresOn === null ? 'with no expiry' : `until ${grant.expiresOn} (the last day it counts)`;
        output.result(grant, () => `Granted "${grant.entitlement}" to ${grant.accountId} ${until}.`);
      }),
    );

  program
    .command('revoke')
    .argument('<MAGEID>', 'the account', parse.mageId)
    .argument('<entitlement>', 'the entitlement to take away', parse.entitlementName)
    .description('take an entitlement away from an account')
    .action((id: string, entitlement: string, _options: unknown, command: Command) =>
      withSession(command, async ({ registry, actor, output }) => {
        await registry.entitlements.revoke(id, entitlement, actor);
        output.result({ account: id, entitlement, revoked: true }, () => `Revoked "${entitlement}" from ${id}.`);
      }),
    );
}
