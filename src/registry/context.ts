import { sql, type CompiledQuery, type Kysely, type Transaction } from 'kysely';
import { RepogateError } from '../errors.js';
import type { Database } from './schema.js';

/** Who made a change: the CLI's user, the operator (admin token), an account owner, or repogate itself. */
export interface Actor {
  readonly type: 'cli' | 'operator' | 'account' | 'system' | 'key';
  readonly id: string;
}

export interface AuditEntry {
  readonly action: string;
  readonly accountId?: string | null;
  readonly publicKey?: string | null;
  readonly detail?: Record<string, unknown> | null;
}

export type Tx = Transaction<Database>;

/** Rolls back a write that turned out to change nothing (see `RegistryContext.write`). */
class NothingChanged extends Error {}

/**
 * What the registry services share: the database, the clock, and `write`, which runs a change in a
 * transaction that first bumps the registry version (so other processes see that something changed,
 * and so that SQLite takes the write lock before any read) and appends the audit event.
 */
export class RegistryContext {
  readonly db: Kysely<Database>;
  readonly now: () => Date;
  readonly #listeners = new Set<(change: AuditEntry) => void>();
  /**
   * `version()`'s query, built and compiled once: every instance reads it four times a second by
   * default, and building and compiling it each time was about a fifth of an idle process's CPU.
   */
  readonly #versionQuery: CompiledQuery<{ version: Database['registry_state']['version'] }>;

  constructor(db: Kysely<Database>, now: () => Date) {
    this.db = db;
    this.now = now;
    this.#versionQuery = db.selectFrom('registry_state').select('version').where('id', '=', 1).compile();
  }

  nowIso(): string {
    return this.now().toISOString();
  }

  today(): string {
    return this.nowIso().slice(0, 10);
  }

  /**
   * Runs `fn` in a write transaction, records `audit(result)` and announces the change once committed.
   * When `audit` returns null, `fn` changed nothing (a conditional update that matched no row): the
   * transaction is rolled back, so that there is no audit event, no version bump and no announcement.
   */
  async write<T>(actor: Actor, fn: (trx: Tx) => Promise<T>, audit: (result: T) => AuditEntry | null): Promise<T> {
    let change: AuditEntry | null = null;
    let result: { value: T } | undefined;
    try {
      await this.db.transaction().execute(async (trx) => {
        await sql`update registry_state set version = version + 1 where id = 1`.execute(trx);
        const value = await fn(trx);
        result = { value };
        change = audit(value);
        if (change === null) throw new NothingChanged();
        await this.appendAudit(trx, actor, change);
      });
    } catch (error) {
      if (!(error instanceof NothingChanged)) throw translateConstraintError(error);
    }
    if (change !== null) for (const listener of this.#listeners) listener(change);
    return result!.value;
  }

  /** Appends one audit event (inside `write`'s transaction, or alone for events that change nothing). */
  async appendAudit(db: Kysely<Database>, actor: Actor, entry: AuditEntry): Promise<void> {
    await db
      .insertInto('audit_events')
      .values({
        at: this.nowIso(),
        actor_type: actor.type,
        actor_id: actor.id,
        action: entry.action,
        account_id: entry.accountId ?? null,
        public_key: entry.publicKey ?? null,
        detail: entry.detail ? JSON.stringify(entry.detail) : null,
      })
      .execute();
  }

  /** The registry version: it moves with every change, made by this process or another. */
  async version(): Promise<number> {
    const { rows } = await this.db.executeQuery(this.#versionQuery);
    return Number(rows[0]?.version ?? 0);
  }

  /** Calls `listener` with the audit entry of every change this process commits (what changed, and whose). */
  onChange(listener: (change: AuditEntry) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

export function parseJsonList(text: string | null): string[] | null {
  if (text === null) return null;
  const value: unknown = JSON.parse(text);
  return Array.isArray(value) ? value.map(String) : null;
}

/**
 * A uniqueness violation means a concurrent writer created the same thing first (SQLite
 * SQLITE_CONSTRAINT_PRIMARYKEY/UNIQUE, PostgreSQL 23505): report it as ALREADY_EXISTS.
 */
function translateConstraintError(error: unknown): unknown {
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === '23505') {
    return new RepogateError('ALREADY_EXISTS', 'it already exists (created at the same moment by another process)', { cause: error });
  }
  return error;
}
