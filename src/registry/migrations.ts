import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { RegistryDialect } from './database.js';

type AnyDb = Kysely<Record<string, never>>;

/**
 * The registry's migrations, in order. One list for both stores; the only dialect difference is how
 * the audit table's id is generated.
 */
function migrations(dialect: RegistryDialect): Record<string, Migration> {
  return {
    '0001_initial': {
      async up(db: AnyDb) {
        await db.schema
          .createTable('accounts')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('email', 'text')
          .addColumn('status', 'text', (c) => c.notNull().defaultTo('active'))
          .addColumn('suspension_reason', 'text')
          .addColumn('password_hash', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('entitlements')
          .addColumn('name', 'text', (c) => c.primaryKey())
          .addColumn('rules', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('grants')
          .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
          .addColumn('entitlement', 'text', (c) => c.notNull().references('entitlements.name').onDelete('cascade'))
          .addColumn('expires_on', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('grants_pk', ['account_id', 'entitlement'])
          .execute();
        await db.schema
          .createTable('access_keys')
          .addColumn('public_key', 'text', (c) => c.primaryKey())
          .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('private_key_hash', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull().defaultTo('enabled'))
          .addColumn('scope', 'text')
          .addColumn('expires_on', 'text')
          .addColumn('cidrs', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('last_used_at', 'text')
          .addColumn('last_used_address', 'text')
          .execute();
        await db.schema.createIndex('access_keys_account').on('access_keys').column('account_id').execute();
        await db.schema
          .createTable('download_tokens')
          .addColumn('account_id', 'text', (c) => c.primaryKey().references('accounts.id').onDelete('cascade'))
          .addColumn('token_hash', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('audit_events')
          .addColumn('id', dialect === 'postgres' ? 'bigserial' : 'integer', (c) =>
            dialect === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
          )
          .addColumn('at', 'text', (c) => c.notNull())
          .addColumn('actor_type', 'text', (c) => c.notNull())
          .addColumn('actor_id', 'text', (c) => c.notNull())
          .addColumn('action', 'text', (c) => c.notNull())
          .addColumn('account_id', 'text')
          .addColumn('public_key', 'text')
          .addColumn('detail', 'text')
          .execute();
        await db.schema.createIndex('audit_events_at').on('audit_events').column('at').execute();
        await db.schema
          .createTable('registry_state')
          .addColumn('id', 'integer', (c) => c.primaryKey())
          .addColumn('version', 'bigint', (c) => c.notNull())
          .execute();
        await sql`insert into registry_state (id, version) values (1, 0)`.execute(db);
      },
    },
    // Archive pins: the sha1 and size of the first bytes served for each dist path (src/archives/pin-store.ts).
    '0002_archive_pins': {
      async up(db: AnyDb) {
        await db.schema
          .createTable('archive_pins')
          .addColumn('path', 'text', (c) => c.primaryKey())
          .addColumn('package', 'text', (c) => c.notNull())
          .addColumn('sha1', 'text', (c) => c.notNull())
          .addColumn('size', 'bigint', (c) => c.notNull())
          .addColumn('pinned_at', 'text', (c) => c.notNull())
          .addColumn('seq', 'bigint', (c) => c.notNull())
          .addColumn('drift_sha1', 'text')
          .addColumn('drift_count', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('drift_first_at', 'text')
          .addColumn('drift_last_at', 'text')
          .execute();
        await db.schema.createIndex('archive_pins_package').on('archive_pins').column('package').execute();
        await db.schema.createIndex('archive_pins_seq').on('archive_pins').column('seq').execute();
      },
    },
    '0003_usage': {
      async up(db: AnyDb) {
        await db.schema
          .createTable('download_counts')
          .addColumn('day', 'text', (c) => c.notNull())
          .addColumn('public_key', 'text', (c) => c.notNull())
          .addColumn('account_id', 'text', (c) => c.notNull())
          .addColumn('package', 'text', (c) => c.notNull())
          .addColumn('count', 'integer', (c) => c.notNull())
          .addPrimaryKeyConstraint('download_counts_pk', ['day', 'public_key', 'package'])
          .execute();
        await db.schema.createIndex('download_counts_account').on('download_counts').columns(['account_id', 'day']).execute();
        await db.schema.createIndex('audit_events_key').on('audit_events').columns(['public_key', 'at']).execute();
        await db.schema.createIndex('audit_events_account').on('audit_events').columns(['account_id', 'at']).execute();
      },
    },
    // Sessions of the Access Keys page and the admin API end when the account's stamp changes (src/registry/accounts.ts).
    '0004_security_stamp': {
      async up(db: AnyDb) {
        await db.schema.alterTable('accounts').addColumn('security_stamp', 'text', (c) => c.notNull().defaultTo('')).execute();
        await (dialect === 'postgres'
          ? sql`update accounts set security_stamp = md5(random()::text || clock_timestamp()::text || id)`
          : sql`update accounts set security_stamp = lower(hex(randomblob(16)))`
        ).execute(db);
      },
    },
    // Sources: Composer repositories besides the environment's upstream (`default`), and each account's ordered list.
    '0005_sources': {
      async up(db: AnyDb) {
        await db.schema
          .createTable('sources')
          .addColumn('name', 'text', (c) => c.primaryKey())
          .addColumn('url', 'text', (c) => c.notNull())
          .addColumn('username', 'text')
          .addColumn('password', 'text')
          .addColumn('github_token', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.alterTable('accounts').addColumn('sources', 'text').execute();
      },
    },
  };
}

export function migrationProvider(dialect: RegistryDialect): MigrationProvider {
  return { getMigrations: () => Promise.resolve(migrations(dialect)) };
}
