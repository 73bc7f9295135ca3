import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import { RepogateError } from '../errors.js';
import { migrationProvider } from './migrations.js';
import type { Database } from './schema.js';

export type RegistryDialect = 'sqlite' | 'postgres';

/** An open registry database with its schema migrated to the latest version. */
export interface RegistryDatabase {
  readonly db: Kysely<Database>;
  readonly dialect: RegistryDialect;
  readonly location: string;
  close(): Promise<void>;
}

/**
 * Opens (and migrates) the registry named by a database URL: `sqlite:/path/to/file` (the embedded
 * default, WAL mode so that the CLI and a running server can share it) or `postgres://…`.
 */
export async function openRegistryDatabase(url: string): Promise<RegistryDatabase> {
  if (url.startsWith('sqlite:')) return openSqlite(url.slice('sqlite:'.length));
  if (/^postgres(ql)?:\/\//.test(url)) {
    throw new RepogateError(
      'CONFIG_INVALID',
      'REPOGATE_DATABASE_URL: the PostgreSQL registry is not available in this version; unset it to use SQLite',
    );
  }
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
  await migrate(db, 'sqlite');
  return { db, dialect: 'sqlite', location: path, close: () => db.destroy() };
}

/**
 * Brings the schema to the latest version. Several processes may open a new registry at once (the
 * CLI and a server); one wins the race and the others, failing on tables that now exist, try again
 * and find nothing left to do.
 */
async function migrate(db: Kysely<Database>, dialect: RegistryDialect): Promise<void> {
  const migrator = new Migrator({ db, provider: migrationProvider(dialect) });
  let lastError: unknown;
  for (let attempt = 0; attempt < 5; attempt++) {
    const { error } = await migrator.migrateToLatest();
    if (!error) return;
    lastError = error;
    await new Promise((resolve) => setTimeout(resolve, 50 + Math.random() * 200));
  }
  throw new RepogateError('REGISTRY_UNAVAILABLE', `registry migration failed: ${String(lastError)}`, { cause: lastError });
}
