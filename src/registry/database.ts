import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import type { Pool } from 'pg';
import { RepogateError } from '../errors.js';
import { redactUrl } from '../redact-url.js';
import { migrationProvider } from './migrations.js';
import type { Database } from './schema.js';

export type RegistryDialect = 'sqlite' | 'postgres';

/** An open registry database with its schema migrated to the latest version. */
export interface RegistryDatabase {
  readonly db: Kysely<Database>;
  readonly dialect: RegistryDialect;
  /** Where it is, for logs and messages: a file path, or the PostgreSQL URL without its password. */
  readonly location: string;
  /**
   * True when this opening created the registry (no schema was there: every migration ran now), so
   * that the CLI and the server can say where a new, empty registry was made.
   */
  readonly created: boolean;
  close(): Promise<void>;
}

/** Connections each process keeps to PostgreSQL at most. */
const postgresPoolSize = 10;

/** True for the URLs {@link openRegistryDatabase} opens as PostgreSQL. */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}

/**
 * Opens (and migrates) the registry named by a database URL: `sqlite:/path/to/file` (the embedded
 * default, WAL mode so that the CLI and a running server can share it) or `postgres://…` (for several
 * instances; the same schema, migrations and queries).
 */
export async function openRegistryDatabase(url: string): Promise<RegistryDatabase> {
  if (url.startsWith('sqlite:')) return openSqlite(url.slice('sqlite:'.length));
  if (isPostgresUrl(url)) return openPostgres(url);
  throw new RepogateError('CONFIG_INVALID', `REPOGATE_DATABASE_URL: unsupported database URL scheme`);
}

async function openSqlite(path: string): Promise<RegistryDatabase> {
  let sqlite: BetterSqlite3.Database;
  try {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    sqlite = new BetterSqlite3(path);
    sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('busy_timeout = 10000');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('synchronous = NORMAL');
  } catch (error) {
    throw new RepogateError('REGISTRY_UNAVAILABLE', `cannot open the registry database at ${path}: ${String(error)}`, {
      cause: error,
    });
  }
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: sqlite }) });
  const created = await migrate(db, 'sqlite');
  return { db, dialect: 'sqlite', location: path, created, close: () => db.destroy() };
}

/**
 * PostgreSQL through a pg Pool. `bigint` columns (the registry version, audit ids) are parsed to
 * numbers: they stay far below 2^53. Idle connections that the server drops are replaced on the next
 * query; an error on one is not fatal to the process.
 */
async function openPostgres(url: string): Promise<RegistryDatabase> {
  const location = redactUrl(url);
  const { default: pg } = await import('pg');
  const int8 = pg.types.builtins.INT8;
  const pool: Pool = new pg.Pool({
    connectionString: url,
    max: postgresPoolSize,
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30_000,
    application_name: 'repogate',
    types: {
      getTypeParser: (id, format) => (id === int8 ? (value: string) => Number(value) : pg.types.getTypeParser(id, format)),
    },
  });
  // An idle client whose connection breaks emits here; without a listener the process would crash.
  pool.on('error', () => undefined);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  let created: boolean;
  try {
    created = await migrate(db, 'postgres');
  } catch (error) {
    await db.destroy().catch(() => undefined);
    const reason = error instanceof RepogateError ? error.message : String(error);
    throw new RepogateError('REGISTRY_UNAVAILABLE', `cannot open the registry database at ${location}: ${reason}`, {
      cause: error,
    });
  }
  return { db, dialect: 'postgres', location, created, close: () => db.destroy() };
}

/**
 * Brings the schema to the latest version. Several processes may open a new registry at once (the
 * CLI and a server, or several instances); one wins the race and the others, failing on tables that
 * now exist, try again and find nothing left to do. (On PostgreSQL the migrator also holds an
 * advisory lock while it migrates.)
 */
async function migrate(db: Kysely<Database>, dialect: RegistryDialect): Promise<boolean> {
  const provider = migrationProvider(dialect);
  const migrator = new Migrator({ db, provider });
  const total = Object.keys(await provider.getMigrations()).length;
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    const { error, results } = await migrator.migrateToLatest();
    // Every migration ran now: the registry did not exist before.
    if (!error) return results !== undefined && results.filter((r) => r.status === 'Success').length === total;
    lastError = error;
    await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 200));
  }
  throw new RepogateError('REGISTRY_UNAVAILABLE', `registry migration failed: ${String(lastError)}`, { cause: lastError });
}
