import type { Command } from 'commander';
import { collect, parse } from '../arguments.js';
import { formatTime, renderTable } from '../output.js';
import { withSession } from '../session.js';

/** `repogate entitlements define|list`: named, ordered package rule lists. */
export function registerEntitlementCommands(program: Command): void {
  const entitlements = program.command('entitlements').description('manage entitlements (named package rule lists)');

  entitlements
    .command('define')
    .argument('<name>', 'lowercase letters, digits, ., _ or -', parse.entitlementName)
    .description('create an entitlement, or replace its rules (the last matching rule decides)')
    .requiredOption(
      '--rule <rule...>',
      'vendor/name, vendor/*, */*, a glob such as magento/module-*, or !rule (repeatable)',
      collect(parse.rule),
    )
    .action((name: string, options: { rule: string[] }, command: Command) =>
      withSession(command, async ({ registry, actor, output }) => {
        const existed = (await registry.entitlements.find(name)) !== undefined;
        const entitlement = await registry.entitlements.define(name, options.rule, actor);
        const verb = existed ? 'Updated' : 'Defined';
        output.result(entitlement, () => `${verb} entitlement "${entitlement.name}": ${entitlement.rules.join(' ')}`);
      }),
    );

  entitlements
    .command('list')
    .description('list the entitlements with their rules')
    .action((_options: unknown, command: Command) =>
      withSession(command, async ({ registry, output }) => {
        const list = await registry.entitlements.list();
        output.result(list, () =>
          list.length === 0
            ? 'No entitlements.'
            : renderTable(
                ['Name', 'Rules', 'Updated'],
                list.map((e) => [e.name, e.rules.join('\n'), formatTime(e.updatedAt)]),
              ),
        );
      }),
    );
}
