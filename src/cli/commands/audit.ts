import type { Command } from 'commander';
import { cutoffOf, parse } from '../arguments.js';
import { formatTime, renderTable } from '../output.js';
import { withSession } from '../session.js';

interface AuditOptions {
  key?: string;
  account?: string;
  since?: string;
  limit?: string;
}

/** `repogate audit`: who did what, when — key and account changes, and what each key fetched. */
export function registerAuditCommand(program: Command): void {
  program
    .command('audit')
    .description('show the audit trail, newest first: changes (with who made them) and key activity')
    .option('--key <public>', 'only events of this key', parse.publicKey)
    .option('--account <MAGEID>', 'only events of this account', parse.mageId)
    .option('--since <age|date>', 'only events since then (e.g. 7d, 12h, 2026-11-01)', parse.since)
    .option('--limit <n>', 'at most this many events (default 200)', parse.limit)
    .action((options: AuditOptions, command: Command) =>
      withSession(command, async ({ registry, output }) => {
        const events = await registry.audit.list({
          publicKey: options.key,
          accountId: options.account,
          since: options.since === undefined ? undefined : cutoffOf(options.since, registry.context.now()),
          limit: options.limit === undefined ? 200 : Number(options.limit),
        });
        output.result(events, () =>
          events.length === 0
            ? 'No events.'
            : renderTable(
                ['When', 'Who', 'What', 'Account', 'Key', 'Details'],
                events.map((e) => [
                  formatTime(e.at),
                  `${e.actor.type}:${e.actor.type === 'key' ? e.actor.id.slice(0, 8) : e.actor.id}`,
                  e.action,
                  e.accountId ?? '',
                  e.publicKey ?? '',
                  e.detail === null ? '' : describeDetail(e.detail),
                ]),
              ),
        );
      }),
    );
}

function describeDetail(detail: Record<string, unknown>): string {
  return Object.entries(detail)
    .filter(([, v]) => v !== null && v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
    .join(' ')
    .slice(0, 120);
}
