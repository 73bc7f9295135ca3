import type { Actor, AuditEntry, RegistryContext } from './context.js';

export interface AuditEvent {
  readonly id: number;
  readonly at: string;
  readonly actor: { readonly type: string; readonly id: string };
  readonly action: string;
  readonly accountId: string | null;
  readonly publicKey: string | null;
  readonly detail: Record<string, unknown> | null;
}

export interface AuditFilter {
  readonly accountId?: string | undefined;
  readonly publicKey?: string | undefined;
  readonly since?: string | undefined;
  /** Events before this instant (ISO time), exclusive. */
  readonly until?: string | undefined;
  /** An action (`key.created`), or a family of them (`key.*`). */
  readonly action?: string | undefined;
  /** For paging, newest first: only events older than this id. */
  readonly beforeId?: number | undefined;
  readonly limit?: number | undefined;
}

/** Reads the append-only audit trail (newest first). Events are written by RegistryContext.write. */
export class AuditLog {
  readonly #ctx: RegistryContext;

  constructor(ctx: RegistryContext) {
    this.#ctx = ctx;
  }

  /**
   * Appends an event that changes nothing in the registry (a sign-in, a sign-out): no version bump,
   * so cached credentials everywhere stay valid.
   */
  async append(actor: Actor, entry: AuditEntry): Promise<void> {
    await this.#ctx.appendAudit(this.#ctx.db, actor, entry);
  }

  async list(filter: AuditFilter = {}): Promise<AuditEvent[]> {
    let query = this.#ctx.db.selectFrom('audit_events').selectAll();
    if (filter.accountId) query = query.where('account_id', '=', filter.accountId);
    if (filter.publicKey) query = query.where('public_key', '=', filter.publicKey);
    if (filter.since) query = query.where('at', '>=', filter.since);
    if (filter.until) query = query.where('at', '<', filter.until);
    if (filter.action) {
      query = filter.action.endsWith('.*') ? query.where('action', 'like', `${filter.action.slice(0, -1)}%`) : query.where('action', '=', filter.action);
    }
    if (filter.beforeId !== undefined) query = query.where('id', '<', filter.beforeId);
    const rows = await query
      .orderBy('id', 'desc')
      .limit(filter.limit ?? 1000)
      .execute();
    return rows.map((row) => ({
      id: Number(row.id),
      at: row.at,
      actor: { type: row.actor_type, id: row.actor_id },
      action: row.action,
      accountId: row.account_id,
      publicKey: row.public_key,
      detail: row.detail === null ? null : (JSON.parse(row.detail) as Record<string, unknown>),
    }));
  }
}
