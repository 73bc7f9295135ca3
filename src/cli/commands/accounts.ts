import type { Command } from 'commander';
import { RepogateError } from '../../errors.js';
import { parse } from '../arguments.js';
import { canAsk, confirm } from '../confirm.js';
import { describeAccountStatus, describeGrant } from '../describe.js';
import { formatTime, renderFields, renderTable } from '../output.js';
import { readSecret } from '../read-secret.js';
import { withSession, type Session } from '../session.js';

/** `repogate accounts …`: create, list, show, suspend, resume, delete, set-password, set-sources. */
export function registerAccountCommands(program: Command): void {
  const accounts = program.command('accounts').description('manage accounts (MAGEIDs)');

  accounts
    .command('create')
    .argument('<MAGEID>', 'the account id: MAG followed by digits', parse.mageId)
    .description('create an account')
    .requiredOption('--name <name>', 'name of the account (company or person)')
    .option('--email <email>', 'contact email address', parse.email)
    .action((id: string, options: { name: string; email?: string }, command: Command) =>
      withSession(command, async ({ registry, actor, output }) => {
        const account = await registry.accounts.create({ id, name: options.name, email: options.email }, actor);
        output.result(account, () => `Created account ${account.id} (${account.name}).`);
      }),
    );

  accounts
    .command('list')
    .description('list all accounts')
    .action((_options: unknown, command: Command) =>
      withSession(command, async ({ registry, output }) => {
        const list = await registry.accounts.list();
        output.result(list, () =>
          list.length === 0
            ? 'No accounts.'
            : renderTable(
                ['MAGEID', 'Name', 'Email', 'Status', 'Created'],
                list.map((a) => [a.id, a.name, a.email ?? '', describeAccountStatus(a), formatTime(a.createdAt)]),
              ),
        );
      }),
    );

  accounts
    .command('show')
    .argument('<MAGEID>', 'the account', parse.mageId)
    .description('show an account with its grants, keys and downloads token')
    .action((id: string, _options: unknown, command: Command) => withSession(command, (session) => show(session, id)));

  accounts
    .command('suspend')
    .argument('<MAGEID>', 'the account', parse.mageId)
    .description('suspend an account: its keys are refused (403) with the reason; its owner’s sessions end')
    .requiredOption('--reason <text>', 'why, shown to the account’s clients (e.g. an outstanding invoice)')
    .action((id: string, options: { reason: string }, command: Command) =>
      withSession(command, async ({ registry, actor, output }) => {
        const account = await registry.accounts.suspend(id, options.reason, actor);
        output.result(account, () => `Suspended account ${account.id}: ${account.suspensionReason ?? ''}\nIts keys are refused and every session of its owner has ended.`);
      }),
    );

  accounts
    .command('resume')
    .argument('<MAGEID>', 'the account', parse.mageId)
    .description('lift the suspension of an account')
    .action((id: string, _options: unknown, command: Command) =>
      withSession(command, async ({ registry, actor, output }) => {
        const account = await registry.accounts.resume(id, actor);
        output.result(account, () => `Resumed account ${account.id}: it is active again.`);
      }),
    );

  accounts
    .command('delete')
    .argument('<MAGEID>', 'the account', parse.mageId)
    .description('delete an account with its keys, grants and downloads token (on a terminal, asks first)')
    .option('-y, --yes', 'delete without asking (without a terminal it never asks)')
    .action((id: string, options: { yes?: boolean }, command: Command) =>
      withSession(command, async ({ registry, actor, output }) => {
        const account = await registry.accounts.get(id);
        const keys = await registry.keys.list(id);
        if (options.yes !== true && canAsk()) {
          const question = `Delete account ${id} (${account.name}) with its ${keys.length} key(s), grants and downloads token? Its keys stop working at once; this cannot be undone.`;
          if (!(await confirm(question))) throw new RepogateError('NOT_CONFIRMED', `account ${id} was not deleted: not confirmed`);
        }
        await registry.accounts.delete(id, actor);
        output.result({ account: id, deleted: true, keysDeleted: keys.length }, () =>
          `Deleted account ${id} with its ${keys.length} key(s), grants and downloads token.`,
        );
      }),
    );

  accounts
    .command('set-password')
    .argument('<MAGEID>', 'the account', parse.mageId)
    .description('set the password the account owner signs in with (read from stdin); every session of the account ends')
    .action((id: string, _options: unknown, command: Command) =>
      withSession(command, async ({ registry, actor, output }) => {
        await registry.accounts.get(id);
        const password = await readSecret('Password: ');
        await registry.accounts.setPassword(id, password, actor);
        output.result({ account: id, passwordSet: true }, () => `Password set for account ${id}; every session of its owner has ended.`);
      }),
    );

  accounts
    .command('set-sources')
    .argument('<MAGEID>', 'the account', parse.mageId)
    .argument('<NAMES>', 'the sources it reads, in order, comma-separated (e.g. default,private): default, or sources added with repogate sources add')
    .description('set the sources an account reads, in order (default: the upstream of the environment)')
    .action((id: string, list: string, _options: unknown, command: Command) =>
      withSession(command, async ({ registry, actor, output }) => {
        const names = list.split(',').map((name) => name.trim());
        const account = await registry.accounts.setSources(id, names, actor);
        output.result(account, () => `Account ${id} reads ${account.sources.join(', then ')}.`);
      }),
    );
}

async function show({ registry, output }: Session, id: string): Promise<void> {
  const account = await registry.accounts.get(id);
  const [grants, keys, token] = await Promise.all([
    registry.entitlements.grantsOf(id),
    registry.keys.list(id),
    registry.tokens.find(id),
  ]);
  const today = registry.context.today();
  const value = {
    ...account,
    grants: grants.map((g) => ({ entitlement: g.entitlement, expiresOn: g.expiresOn, expired: g.expiresOn !== null && g.expiresOn < today })),
    keys: keys.length,
    downloadsToken: token === undefined ? null : { createdAt: token.createdAt },
  };
  output.result(value, () =>
    renderFields([
      ['MAGEID', account.id],
      ['name', account.name],
      ['email', account.email ?? '-'],
      ['status', describeAccountStatus(account)],
      ['password', account.hasPassword ? 'set' : 'not set'],
      ['created', formatTime(account.createdAt)],
      ['grants', grants.length === 0 ? 'none' : grants.map((g) => describeGrant(g, today)).join(', ')],
      ['sources', account.sources.join(', ')],
      ['keys', String(keys.length)],
      ['downloads token', token === undefined ? 'none' : `yes (generated ${formatTime(token.createdAt)})`],
    ]),
  );
}
