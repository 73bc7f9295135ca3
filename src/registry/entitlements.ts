import { RepogateError, invalid, notFound } from '../errors.js';
import type { Actor, RegistryContext } from './context.js';
import { parseRules } from './rules.js';
import type { EntitlementsTable, GrantsTable } from './schema.js';
import { assertDate, assertEntitlementName, assertMageId } from './validation.js';

export interface Entitlement {
  readonly name: string;
  readonly rules: readonly string[];
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface Grant {
  readonly accountId: string;
  readonly entitlement: string;
  /** Last day (UTC) on which the grant counts; null = no expiry. */
  readonly expiresOn: string | null;
  readonly createdAt: string;
}

function toEntitlement(row: EntitlementsTable): Entitlement {
  return { name: row.name, rules: JSON.parse(row.rules) as string[], createdAt: row.created_at, updatedAt: row.updated_at };
}

function toGrant(row: GrantsTable): Grant {
  return { accountId: row.account_id, entitlement: row.entitlement, expiresOn: row.expires_on, createdAt: row.created_at };
}

/** Named, ordered package rule lists, and the grants that give them to accounts. */
export class EntitlementService {
  readonly #ctx: RegistryContext;

  constructor(ctx: RegistryContext) {
    this.#ctx = ctx;
  }

  /** Creates the entitlement, or replaces its rules when it exists. */
  async define(name: string, rules: readonly string[], actor: Actor): Promise<Entitlement> {
    assertEntitlementName(name);
    if (rules.length === 0) throw invalid('an entitlement needs at least one rule (--rule vendor/*)');
    const parsed = parseRules(rules).map((r) => r.source);
    const now = this.#ctx.nowIso();
    const existing = await this.find(name);
    await this.#ctx.write(
      actor,
      async (trx) => {
        if (existing) {
          await trx
            .updateTable('entitlements')
            .set({ rules: JSON.stringify(parsed), updated_at: now })
            .where('name', '=', name)
            .execute();
        } else {
          await trx
            .insertInto('entitlements')
            .values({ name, rules: JSON.stringify(parsed), created_at: now, updated_at: now })
            .execute();
        }
      },
      () => ({ action: existing ? 'entitlement.updated' : 'entitlement.defined', detail: { name, rules: parsed } }),
    );
    return this.get(name);
  }

  async list(): Promise<Entitlement[]> {
    const rows = await this.#ctx.db.selectFrom('entitlements').selectAll().orderBy('name').execute();
    return rows.map(toEntitlement);
  }

  async find(name: string): Promise<Entitlement | undefined> {
    const row = await this.#ctx.db.selectFrom('entitlements').selectAll().where('name', '=', name).executeTakeFirst();
    return row ? toEntitlement(row) : undefined;
  }

  async get(name: string): Promise<Entitlement> {
    const entitlement = await this.find(name);
    if (!entitlement) throw notFound(`entitlement "${name}" not found`);
    return entitlement;
  }

  /** Grants an entitlement to an account (or changes the expiry of an existing grant). */
  async grant(accountId: string, entitlement: string, expiresOn: string | null, actor: Actor): Promise<Grant> {
    assertMageId(accountId);
    if (expiresOn !== null) assertDate(expiresOn, 'expiry date');
    await this.#requireAccount(accountId);
    await this.get(entitlement);
    const now = this.#ctx.nowIso();
    await this.#ctx.write(
      actor,
      async (trx) => {
        const updated = await trx
          .updateTable('grants')
          .set({ expires_on: expiresOn })
          .where('account_id', '=', accountId)
          .where('entitlement', '=', entitlement)
          .executeTakeFirst();
        if (Number(updated.numUpdatedRows) === 0) {
          await trx
            .insertInto('grants')
            .values({ account_id: accountId, entitlement, expires_on: expiresOn, created_at: now })
            .execute();
        }
      },
      () => ({ action: 'grant.added', accountId, detail: { entitlement, expiresOn } }),
    );
    const grants = await this.grantsOf(accountId);
    return grants.find((g) => g.entitlement === entitlement)!;
  }

  async revoke(accountId: string, entitlement: string, actor: Actor): Promise<void> {
    assertMageId(accountId);
    await this.#requireAccount(accountId);
    const grants = await this.grantsOf(accountId);
    if (!grants.some((g) => g.entitlement === entitlement)) {
      throw notFound(`account ${accountId} has no grant of "${entitlement}"`);
    }
    await this.#ctx.write(
      actor,
      (trx) =>
        trx.deleteFrom('grants').where('account_id', '=', accountId).where('entitlement', '=', entitlement).execute(),
      () => ({ action: 'grant.revoked', accountId, detail: { entitlement } }),
    );
  }

  /**
   * Deletes an entitlement that no account holds. One still granted is refused (CONFLICT) with the
   * accounts that hold it, so that no account loses packages by surprise: revoke those grants first.
   */
  async delete(name: string, actor: Actor): Promise<void> {
    await this.get(name);
    const holders = await this.#ctx.db.selectFrom('grants').select('account_id').where('entitlement', '=', name).orderBy('account_id').execute();
    if (holders.length > 0) {
      const ids = holders.map((h) => h.account_id);
      const shown = ids.length > 5 ? `${ids.slice(0, 5).join(', ')} and ${ids.length - 5} more` : ids.join(', ');
      throw new RepogateError('CONFLICT', `entitlement "${name}" is still granted to ${shown}: revoke ${ids.length === 1 ? 'that grant' : 'those grants'} first`);
    }
    await this.#ctx.write(
      actor,
      (trx) => trx.deleteFrom('entitlements').where('name', '=', name).execute(),
      () => ({ action: 'entitlement.deleted', detail: { name } }),
    );
  }

  /** Every grant of every account, by account then entitlement. */
  async allGrants(): Promise<Grant[]> {
    const rows = await this.#ctx.db.selectFrom('grants').selectAll().orderBy('account_id').orderBy('entitlement').execute();
    return rows.map(toGrant);
  }

  async grantsOf(accountId: string): Promise<Grant[]> {
    const rows = await this.#ctx.db
      .selectFrom('grants')
      .selectAll()
      .where('account_id', '=', accountId)
      .orderBy('entitlement')
      .execute();
    return rows.map(toGrant);
  }

  async #requireAccount(id: string): Promise<void> {
    const row = await this.#ctx.db.selectFrom('accounts').select('id').where('id', '=', id).executeTakeFirst();
    if (!row) throw notFound(`account ${id} not found`);
  }
}
