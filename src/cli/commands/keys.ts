import type { Command } from 'commander';
import { collect, cutoffOf, parse } from '../arguments.js';
import { describeKeyStatus, describeLastUse } from '../describe.js';
import { composerAuthHost } from '../../composer/public-base.js';
import { issuedKeyJson, renderIssuedKey } from '../issued-key.js';
import { formatTime, renderFields, renderTable } from '../output.js';
import { withSession } from '../session.js';

interface CreateOptions {
  account: string;
  name: string;
  scope?: string[];
  expires?: string;
  cidr?: string[];
}

/** `repogate keys …`: a named access key pair per developer or CI job. */
export function registerKeyCommands(program: Command): void {
  const keys = program.command('keys').description('manage access keys (public/private key pairs)');

  keys
    .command('create')
    .description('create a key pair for an account; the private key is shown only this once')
    .requiredOption('--account <MAGEID>', 'the account the key belongs to', parse.mageId)
    .requiredOption('--name <name>', 'who or what receives the key (a developer, a CI job)')
    .option('--scope <rule...>', 'package rules that narrow what the key may fetch (repeatable)', collect(parse.rule))
    .option('--expires <YYYY-MM-DD>', 'last day on which the key works (today or later)', parse.keyExpiry)
    .option('--cidr <net...>', 'networks the key may be used from, e.g. 10.0.0.0/8 (repeatable)', collect(parse.cidr))
    .action((options: CreateOptions, command: Command) =>
      withSession(command, async ({ registry, actor, output, config }) => {
        const issued = await registry.keys.create(
          options.account,
          options.name,
          { scope: options.scope, expiresOn: options.expires, cidrs: options.cidr },
          actor,
        );
        const headline = `Created access key "${issued.key.name}" for account ${issued.key.accountId}.`;
        output.result(issuedKeyJson(issued), () => renderIssuedKey(issued, headline, composerAuthHost(config)));
      }),
    );

  keys
    .command('list')
    .description('list keys (never their private keys)')
    .option('--account <MAGEID>', 'only the keys of this account', parse.mageId)
    .option('--unused-since <age|date>', 'only keys not used since then (e.g. 90d, or 2026-01-31): candidates to retire', parse.since)
    .action((options: { account?: string; unusedSince?: string }, command: Command) =>
      withSession(command, async ({ registry, output }) => {
        if (options.account !== undefined) await registry.accounts.get(options.account);
        const all = await registry.keys.list(options.account);
        const cutoff = options.unusedSince === undefined ? undefined : cutoffOf(options.unusedSince, registry.context.now());
        const list = cutoff === undefined ? all : all.filter((k) => (k.lastUsedAt ?? k.createdAt) < cutoff);
        const today = registry.context.today();
        output.result(list, () =>
          list.length === 0
            ? 'No keys.'
            : renderTable(
                ['Name', 'Public key', 'Account', 'Status', 'Created', 'Last used'],
                list.map((k) => [
                  k.name,
                  k.publicKey,
                  k.accountId,
                  describeKeyStatus(k, today),
                  formatTime(k.createdAt),
                  describeLastUse(k),
                ]),
              ),
        );
      }),
    );

  keys
    .command('show')
    .argument('<public>', 'the public key', parse.publicKey)
    .description('show one key')
    .action((publicKey: string, _options: unknown, command: Command) =>
      withSession(command, async ({ registry, output }) => {
        const key = await registry.keys.get(publicKey);
        output.result(key, () =>
          renderFields([
            ['name', key.name],
            ['public key', key.publicKey],
            ['account', key.accountId],
            ['status', describeKeyStatus(key, registry.context.today())],
            ['scope', key.scope === null ? 'everything the account is granted' : key.scope.join(' ')],
            ['expires', key.expiresOn === null ? 'never' : `${key.expiresOn} (last day it works)`],
            ['networks', key.cidrs === null ? 'any' : key.cidrs.join(' ')],
            ['created', formatTime(key.createdAt)],
            ['last used', describeLastUse(key)],
          ]),
        );
      }),
    );

  keys
    .command('disable')
    .argument('<public>', 'the public key', parse.publicKey)
    .description('disable a key: it is refused until enabled again')
    .action((publicKey: string, _options: unknown, command: Command) =>
      withSession(command, async ({ registry, actor, output }) => {
        const { key, changed } = await registry.keys.disable(publicKey, actor);
        output.result(key, () =>
          changed ? `Disabled key "${key.name}" (${key.publicKey}).` : `Key "${key.name}" (${key.publicKey}) is already disabled: nothing changed.`,
        );
      }),
    );

  keys
    .command('enable')
    .argument('<public>', 'the public key', parse.publicKey)
    .description('enable a disabled key')
    .action((publicKey: string, _options: unknown, command: Command) =>
      withSession(command, async ({ registry, actor, output }) => {
        const { key, changed } = await registry.keys.enable(publicKey, actor);
        output.result(key, () =>
          changed ? `Enabled key "${key.name}" (${key.publicKey}).` : `Key "${key.name}" (${key.publicKey}) is already enabled: nothing changed.`,
        );
      }),
    );

  keys
    .command('delete')
    .argument('<public>', 'the public key', parse.publicKey)
    .description('delete a key; it stops working at once')
    .action((publicKey: string, _options: unknown, command: Command) =>
      withSession(command, async ({ registry, actor, output }) => {
        const key = await registry.keys.get(publicKey);
        await registry.keys.delete(publicKey, actor);
        output.result({ publicKey, deleted: true }, () => `Deleted key "${key.name}" (${publicKey}).`);
      }),
    );

  keys
    .command('regenerate')
    .argument('<public>', 'the public key', parse.publicKey)
    .description('issue a new pair in place of a key (same name and settings); the old pair stops working')
    .action((publicKey: string, _options: unknown, command: Command) =>
      withSession(command, async ({ registry, actor, output, config }) => {
        const issued = await registry.keys.regenerate(publicKey, actor);
        const headline = `Regenerated access key "${issued.key.name}" for account ${issued.key.accountId}; the old pair ${publicKey} no longer works.`;
        output.result(issuedKeyJson(issued), () => renderIssuedKey(issued, headline, composerAuthHost(config)));
      }),
    );

  keys
    .command('rename')
    .argument('<public>', 'the public key', parse.publicKey)
    .argument('<name>', 'the new name')
    .description('rename a key')
    .action((publicKey: string, name: string, _options: unknown, command: Command) =>
      withSession(command, async ({ registry, actor, output }) => {
        const key = await registry.keys.rename(publicKey, name, actor);
        output.result(key, () => `Renamed key ${key.publicKey} to "${key.name}".`);
      }),
    );
}
