import { sql } from 'kysely';
import type { RegistryContext } from './context.js';

/** Something a key did (fetched metadata, downloaded an archive), for the audit trail. */
export interface ActivityEvent {
  readonly at: string;
  readonly publicKey: string;
  readonly accountId: string;
  readonly action: 'metadata.fetched' | 'archive.downloaded';
  readonly package: string;
  readonly address: string;
  readonly detail?: Record<string, unknown>;
}

export interface DownloadCount {
  readonly publicKey: string;
  readonly package: string;
  readonly count: number;
}

/**
 * What keys do, as opposed to what is done to them: activity events and download counts. These
 * writes are batched by the caller and are not registry changes (no version bump, no cache
 * invalidation).
 */
export class UsageService {
  readonly #ctx: RegistryContext;

  constructor(ctx: RegistryContext) {
    this.#ctx = ctx;
  }

  async appendActivity(events: readonly ActivityEvent[]): Promise<void> {
    if (events.length === 0) return;
    await this.#ctx.db.transaction().execute(async (trx) => {
      for (let i = 0; i < events.length; i += 200) {
        await trx
          .insertInto('audit_events')
          .values(
            events.slice(i, i + 200).map((e) => ({
              at: e.at,
              actor_type: 'key',
              actor_id: e.publicKey,
              action: e.action,
              account_id: e.accountId,
              public_key: e.publicKey,
              detail: JSON.stringify({ package: e.package, address: e.address, ...e.detail }),
            })),
          )
          .execute();
      }
    });
  }

  /**
   * Adds download counts (per UTC day, key and package): one upsert per 200 rows, each (key,
   * package) at most once in `counts` (PostgreSQL refuses a row updated twice by one statement).
   */
  async addDownloads(day: string, accountId: string, counts: readonly DownloadCount[]): Promise<void> {
    if (counts.length === 0) return;
    await this.#ctx.db.transaction().execute(async (trx) => {
      for (let i = 0; i < counts.length; i += 200) {
        await trx
          .insertInto('download_counts')
          .values(counts.slice(i, i + 200).map((c) => ({ day, public_key: c.publicKey, account_id: accountId, package: c.package, count: c.count })))
          .onConflict((oc) =>
            oc.columns(['day', 'public_key', 'package']).doUpdateSet({ count: sql<number>`download_counts.count + excluded.count` }),
          )
          .execute();
      }
    });
  }

  /** Downloads per key since `sinceDay` (inclusive), optionally for one account. */
  async downloadsPerKey(sinceDay: string, accountId?: string): Promise<Map<string, number>> {
    let query = this.#ctx.db
      .selectFrom('download_counts')
      .select(['public_key', sql<number>`sum(count)`.as('total')])
      .where('day', '>=', sinceDay);
    if (accountId !== undefined) query = query.where('account_id', '=', accountId);
    const rows = await query.groupBy('public_key').execute();
    return new Map(rows.map((r) => [r.public_key, Number(r.total)]));
  }

  /** Downloads per package since `sinceDay`, most downloaded first. */
  async downloadsPerPackage(sinceDay: string, filter: { accountId?: string; publicKey?: string } = {}): Promise<Array<{ package: string; count: number }>> {
    let query = this.#ctx.db
      .selectFrom('download_counts')
      .select(['package', sql<number>`sum(count)`.as('total')])
      .where('day', '>=', sinceDay);
    if (filter.accountId) query = query.where('account_id', '=', filter.accountId);
    if (filter.publicKey) query = query.where('public_key', '=', filter.publicKey);
    const rows = await query.groupBy('package').orderBy('total', 'desc').execute();
    return rows.map((r) => ({ package: r.package, count: Number(r.total) }));
  }

  /** Deletes audit events and download counts older than `cutoff` (ISO time); returns how many events went. */
  async purgeBefore(cutoff: string): Promise<number> {
    const events = await this.#ctx.db.deleteFrom('audit_events').where('at', '<', cutoff).executeTakeFirst();
    await this.#ctx.db.deleteFrom('download_counts').where('day', '<', cutoff.slice(0, 10)).execute();
    return Number(events.numDeletedRows);
  }
}
