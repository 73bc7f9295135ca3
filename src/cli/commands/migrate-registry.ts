import type { Command } from 'commander';
import { sql, type Kysely, type TableMetadata } from 'kysely';
import { RepogateError, invalid } from '../../errors.js';
import { redactUrl as redact } from '../../redact-url.js';
import type { RegistryDatabase } from '../../registry/database.js';
import type { Database } from '../../registry/schema.js';
import { createOutput, renderTable } from '../output.js';
import { wantsJson } from '../session.js';

type Row = Record<string, unknown>;

/** Parents before children (foreign keys); tables not named here follow in alphabetical order. */
const tableOrder = ['accounts', 'entitlements', 'grants', 'access_keys', 'download_tokens', 'audit_events'];
/** The one-row table of the registry version: updated on the target, never copied as a row. */
const stateTable = 'registry_state';
/** Rows per INSERT: far below PostgreSQL's 65535 parameters and SQLite's 32766. */
const batchRows = 500;

/** Rows copied per table, in the order they were copied. */
export type CopyCounts = Record<string, number>;

const registryUrl = (value: string): string => {
  if (!/^(postgres(ql)?:\/\/|sqlite:)/.test(value)) throw invalid(`invalid registry URL "${redact(value)}": expected sqlite:<path> or postgres://…`);
  return value;
};

/**
 * `repogate migrate-registry --from sqlite:<path> --to postgres://…`: copies every table of one
 * registry into another, empty one (usually SQLite into PostgreSQL, for several instances).
 */
export function registerMigrateRegistryCommand(program: Command): void {
  program
    .command('migrate-registry')
    .description('copy a registry into an empty one (e.g. SQLite into PostgreSQL); refuses a target that holds data')
    .requiredOption('--from <url>', 'the registry to copy: sqlite:<path> or postgres://…', registryUrl)
    .requiredOption('--to <url>', 'the empty registry to copy into: postgres://… or sqlite:<path>', registryUrl)
    .action(async (options: { from: string; to: string }, command: Command) => {
      const output = createOutput(wantsJson(command));
      if (options.from === options.to) throw invalid('--from and --to name the same registry');
      const { openRegistryDatabase } = await import('../../registry/database.js');
      const source = await openRegistryDatabase(options.from);
      try {
        const target = await openRegistryDatabase(options.to);
        try {
          const counts = await copyRegistry(source, target);
          const from = redact(options.from);
          const to = redact(options.to);
          output.result({ from, to, tables: counts }, () =>
            [
              `Copied the registry ${from} into ${to}:`,
              renderTable(['table', 'rows'], Object.entries(counts).map(([table, rows]) => [table, String(rows)])),
              'Point every instance at the new registry (REPOGATE_DATABASE_URL) and restart them.',
            ].join('\n'),
          );
        } finally {
          await target.close();
        }
      } finally {
        await source.close();
      }
    });
}

/**
 * Copies every table of `source` into `target` (both migrated to the same schema) in one transaction
 * on the target, reading the source in one snapshot. Refuses (CONFLICT) when the target holds any row.
 * The target's registry version ends above both, so that instances already watching it reload.
 */
export async function copyRegistry(source: RegistryDatabase, target: RegistryDatabase): Promise<CopyCounts> {
  const [sourceTables, targetTables] = await Promise.all([userTables(source.db), userTables(target.db)]);
  const targetByName = new Map(targetTables.map((t) => [t.name, t]));
  const missing = sourceTables.filter((t) => !targetByName.has(t.name)).map((t) => t.name);
  if (missing.length > 0) {
    throw new RepogateError('CONFLICT', `the target registry has no table ${missing.join(', ')}: is it an older version of repogate?`);
  }
  const copied = sourceTables.filter((t) => t.name !== stateTable);
  const occupied: string[] = [];
  for (const table of copied) {
    const rows = await countRows(target.db, table.name);
    if (rows > 0) occupied.push(`${table.name} (${rows})`);
  }
  if (occupied.length > 0) {
    throw new RepogateError('CONFLICT', `the target registry is not empty: ${occupied.join(', ')}; migrate into a new, empty database`);
  }

  return source.db.transaction().execute(async (read) => {
    if (source.dialect === 'postgres') await sql`set transaction isolation level repeatable read`.execute(read);
    const sourceVersion = await readVersion(read);
    return target.db.transaction().execute(async (write) => {
      const counts: CopyCounts = {};
      for (const table of copied) {
        const columns = table.columns.map((c) => c.name).filter((name) => targetByName.get(table.name)!.columns.some((c) => c.name === name));
        counts[table.name] = await copyTable(read, write, table.name, columns, source.dialect === 'sqlite');
        if (target.dialect === 'postgres') {
          for (const column of targetByName.get(table.name)!.columns.filter((c) => c.isAutoIncrementing)) {
            await restartSequence(write, table.name, column.name);
          }
        }
      }
      const targetVersion = await readVersion(write);
      await sql`update ${sql.table(stateTable)} set version = ${Math.max(sourceVersion, targetVersion) + 1} where id = 1`.execute(write);
      return counts;
    });
  });
}

async function userTables(db: Kysely<Database>): Promise<TableMetadata[]> {
  const tables = await db.introspection.getTables({ withInternalKyselyTables: false });
  const rank = (name: string): number => (tableOrder.includes(name) ? tableOrder.indexOf(name) : tableOrder.length);
  return tables
    .filter((t) => !t.isView && (t.schema === undefined || t.schema === 'public') && !t.name.startsWith('sqlite_'))
    .sort((a, b) => rank(a.name) - rank(b.name) || a.name.localeCompare(b.name));
}

async function countRows(db: Kysely<Database>, table: string): Promise<number> {
  const { rows } = await sql<{ n: number | string }>`select count(*) as n from ${sql.table(table)}`.execute(db);
  return Number(rows[0]?.n ?? 0);
}

async function readVersion(db: Kysely<Database>): Promise<number> {
  const { rows } = await sql<{ version: number | string }>`select version from ${sql.table(stateTable)} where id = 1`.execute(db);
  return Number(rows[0]?.version ?? 0);
}

/**
 * Copies one table in batches. From SQLite the pages follow the rowid (cheap on any size); from
 * PostgreSQL the table is read at once.
 */
async function copyTable(read: Kysely<Database>, write: Kysely<Database>, table: string, columns: readonly string[], byRowid: boolean): Promise<number> {
  const list = sql.join(columns.map((c) => sql.ref(c)));
  let copied = 0;
  if (!byRowid) {
    const { rows } = await sql<Row>`select ${list} from ${sql.table(table)}`.execute(read);
    for (let i = 0; i < rows.length; i += batchRows) await insertRows(write, table, columns, rows.slice(i, i + batchRows));
    return rows.length;
  }
  let after = Number.MIN_SAFE_INTEGER;
  for (;;) {
    const { rows } = await sql<Row & { _rowid: number }>`select rowid as _rowid, ${list} from ${sql.table(table)} where rowid > ${after} order by rowid limit ${batchRows}`.execute(read);
    if (rows.length === 0) return copied;
    await insertRows(write, table, columns, rows);
    copied += rows.length;
    after = rows[rows.length - 1]!._rowid;
  }
}

async function insertRows(write: Kysely<Database>, table: string, columns: readonly string[], rows: readonly Row[]): Promise<void> {
  if (rows.length === 0) return;
  const values = sql.join(rows.map((row) => sql`(${sql.join(columns.map((c) => row[c] ?? null))})`));
  await sql`insert into ${sql.table(table)} (${sql.join(columns.map((c) => sql.ref(c)))}) values ${values}`.execute(write);
}

/** After rows arrive with their own ids, the next generated id must come after them. */
async function restartSequence(write: Kysely<Database>, table: string, column: string): Promise<void> {
  await sql`select setval(pg_get_serial_sequence(${table}, ${column}), coalesce((select max(${sql.ref(column)}) from ${sql.table(table)}), 0) + 1, false)`.execute(write);
}
