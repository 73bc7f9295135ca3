import { sql } from 'kysely';
import { notFound } from '../errors.js';
import type { Actor, RegistryContext } from './context.js';
import { parseJsonList } from './context.js';
import { parseRules } from './rules.js';
import type { AccessKeysTable } from './schema.js';
import { generateKeyString, hashSecret } from './secrets.js';
import { assertCidr, assertDate, assertMageId, assertName, assertNotPast, assertPublicKey } from './validation.js';

export interface AccessKey {
  readonly publicKey: string;
  readonly accountId: string;
  readonly name: string;
  readonly status: 'enabled' | 'disabled';
  readonly scope: readonly string[] | null;
  readonly expiresOn: string | null;
  readonly cidrs: readonly string[] | null;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
  readonly lastUsedAddress: string | null;
}

/** A key after `disable` or `enable`: `changed` is false when it already had that status (nothing was written). */
export interface KeyStatusChange {
  readonly key: AccessKey;
  readonly changed: boolean;
}

/** A key as created or regenerated: the only time the private key exists outside the client. */
export interface IssuedKey {
  readonly key: AccessKey;
  readonly privateKey: string;
}

export interface KeyOptions {
  readonly scope?: readonly string[] | undefined;
  readonly expiresOn?: string | undefined;
  readonly cidrs?: readonly string[] | undefined;
}

export function toAccessKey(row: AccessKeysTable): AccessKey {
  return {
    publicKey: row.public_key,
    accountId: row.account_id,
    name: row.name,
    status: row.status,
    scope: parseJsonList(row.scope),
    expiresOn: row.expires_on,
    cidrs: parseJsonList(row.cidrs),
    createdAt: row.created_at,
    lastUsedAt: row.last_used_at,
    lastUsedAddress: row.last_used_address,
  };
}

/** Access keys: a named public/private pair per developer or CI job. Only a hash of the private key is kept. */
export class KeyService {
  readonly #ctx: RegistryContext;

  constructor(ctx: RegistryContext) {
    this.#ctx = ctx;
  }

  async create(accountId: string, name: string, options: KeyOptions, actor: Actor): Promise<IssuedKey> {
    assertMageId(accountId);
    const keyName = assertName(name, 'key name');
    const scope = options.scope && options.scope.length > 0 ? parseRules(options.scope).map((r) => r.source) : null;
    const expiresOn =
      options.expiresOn === undefined ? null : assertNotPast(assertDate(options.expiresOn, 'expiry date'), this.#ctx.today(), 'expiry date');
    const cidrs = options.cidrs && options.cidrs.length > 0 ? options.cidrs.map(assertCidr) : null;
    const account = await this.#ctx.db.selectFrom('accounts').select('id').where('id', '=', accountId).executeTakeFirst();
    if (!account) throw notFound(`account ${accountId} not found`);
    const privateKey = generateKeyString();
    const row: AccessKeysTable = {
      public_key: generateKeyString(),
      account_id: accountId,
      name: keyName,
      private_key_hash: hashSecret(privateKey),
      status: 'enabled',
      scope: scope ? JSON.stringify(scope) : null,
      expires_on: expiresOn,
      cidrs: cidrs ? JSON.stringify(cidrs) : null,
      created_at: this.#ctx.nowIso(),
      last_used_at: null,
      last_used_address: null,
    };
    await this.#ctx.write(
      actor,
      (trx) => trx.insertInto('access_keys').values(row).execute(),
      () => ({
        action: 'key.created',
        accountId,
        publicKey: row.public_key,
        detail: { name: keyName, scope, expiresOn, cidrs },
      }),
    );
    return { key: toAccessKey(row), privateKey };
  }

  async list(accountId?: string): Promise<AccessKey[]> {
    let query = this.#ctx.db.selectFrom('access_keys').selectAll();
    if (accountId !== undefined) query = query.where('account_id', '=', assertMageId(accountId));
    const rows = await query.orderBy('account_id').orderBy('created_at').orderBy('name').execute();
    return rows.map(toAccessKey);
  }

  /** Per account: how many keys it has and when one of them was last used (null: never). */
  async usageByAccount(): Promise<Map<string, { keys: number; lastUsedAt: string | null }>> {
    const rows = await this.#ctx.db
      .selectFrom('access_keys')
      .select(['account_id', sql<number>`count(*)`.as('keys'), sql<string | null>`max(last_used_at)`.as('last_used_at')])
      .groupBy('account_id')
      .execute();
    return new Map(rows.map((r) => [r.account_id, { keys: Number(r.keys), lastUsedAt: r.last_used_at }]));
  }

  /**
   * Enabled keys that need a look, each list oldest first: unused since `unusedBefore` (ISO time; a
   * key never used counts from its creation), expiring on or before `expiringBy` (not yet expired on
   * `today`), and keys with a scope of their own (narrower than their account's grants).
   */
  async needingAttention(input: { unusedBefore: string; today: string; expiringBy: string }): Promise<{ unused: AccessKey[]; expiring: AccessKey[]; scoped: AccessKey[] }> {
    const enabled = this.#ctx.db.selectFrom('access_keys').selectAll().where('status', '=', 'enabled');
    const [unused, expiring, scoped] = await Promise.all([
      enabled
        .where((eb) =>
          eb.or([
            eb.and([eb('last_used_at', 'is', null), eb('created_at', '<', input.unusedBefore)]),
            eb('last_used_at', '<', input.unusedBefore),
          ]),
        )
        .orderBy('account_id')
        .orderBy('created_at')
        .limit(500)
        .execute(),
      enabled.where('expires_on', '>=', input.today).where('expires_on', '<=', input.expiringBy).orderBy('expires_on').orderBy('account_id').limit(500).execute(),
      enabled.where('scope', 'is not', null).orderBy('account_id').orderBy('created_at').limit(500).execute(),
    ]);
    return { unused: unused.map(toAccessKey), expiring: expiring.map(toAccessKey), scoped: scoped.map(toAccessKey) };
  }

  async find(publicKey: string): Promise<AccessKey | undefined> {
    const row = await this.#ctx.db
      .selectFrom('access_keys')
      .selectAll()
      .where('public_key', '=', publicKey)
      .executeTakeFirst();
    return row ? toAccessKey(row) : undefined;
  }

  async get(publicKey: string): Promise<AccessKey> {
    assertPublicKey(publicKey);
    const key = await this.find(publicKey);
    if (!key) throw notFound(`key ${publicKey} not found`);
    return key;
  }

  /** Disables a key; a key already disabled is left as it is (no audit event). */
  disable(publicKey: string, actor: Actor): Promise<KeyStatusChange> {
    return this.#setStatus(publicKey, 'disabled', 'key.disabled', actor);
  }

  /** Enables a key; a key already enabled is left as it is (no audit event). */
  enable(publicKey: string, actor: Actor): Promise<KeyStatusChange> {
    return this.#setStatus(publicKey, 'enabled', 'key.enabled', actor);
  }

  rename(publicKey: string, name: string, actor: Actor): Promise<AccessKey> {
    const keyName = assertName(name, 'key name');
    return this.#update(publicKey, { name: keyName }, 'key.renamed', actor, { name: keyName });
  }

  async delete(publicKey: string, actor: Actor): Promise<void> {
    const key = await this.get(publicKey);
    await this.#ctx.write(
      actor,
      (trx) => trx.deleteFrom('access_keys').where('public_key', '=', publicKey).execute(),
      () => ({ action: 'key.deleted', accountId: key.accountId, publicKey, detail: { name: key.name } }),
    );
  }

  /**
   * A new pair in place of the old one: same name, account, scope, expiry and networks. The old pair
   * stops working as soon as this commits (the row keyed by the old public key is gone).
   */
  async regenerate(publicKey: string, actor: Actor): Promise<IssuedKey> {
    const old = await this.get(publicKey);
    const privateKey = generateKeyString();
    const newPublicKey = generateKeyString();
    await this.#ctx.write(
      actor,
      (trx) =>
        trx
          .updateTable('access_keys')
          .set({
            public_key: newPublicKey,
            private_key_hash: hashSecret(privateKey),
            created_at: this.#ctx.nowIso(),
            last_used_at: null,
            last_used_address: null,
          })
          .where('public_key', '=', publicKey)
          .execute(),
      () => ({
        action: 'key.regenerated',
        accountId: old.accountId,
        publicKey: newPublicKey,
        detail: { name: old.name, previousPublicKey: publicKey },
      }),
    );
    return { key: await this.get(newPublicKey), privateKey };
  }

  /** Records when and from where keys were last used; not a registry change (no version bump, no audit). */
  async recordUsage(usages: ReadonlyArray<{ publicKey: string; at: string; address: string }>): Promise<void> {
    if (usages.length === 0) return;
    await this.#ctx.db.transaction().execute(async (trx) => {
      for (const usage of usages) {
        await trx
          .updateTable('access_keys')
          .set({ last_used_at: usage.at, last_used_address: usage.address })
          .where('public_key', '=', usage.publicKey)
          .execute();
      }
    });
  }

  /**
   * The status changes only where it differs, in the same transaction as the audit event: of two
   * concurrent disables, one writes and the other finds nothing to do.
   */
  async #setStatus(publicKey: string, status: AccessKeysTable['status'], action: string, actor: Actor): Promise<KeyStatusChange> {
    const key = await this.get(publicKey);
    const updated = await this.#ctx.write(
      actor,
      (trx) => trx.updateTable('access_keys').set({ status }).where('public_key', '=', publicKey).where('status', '!=', status).executeTakeFirst(),
      (result) => (result.numUpdatedRows > 0n ? { action, accountId: key.accountId, publicKey, detail: { name: key.name } } : null),
    );
    return { key: await this.get(publicKey), changed: updated.numUpdatedRows > 0n };
  }

  async #update(
    publicKey: string,
    changes: Partial<Pick<AccessKeysTable, 'name'>>,
    action: string,
    actor: Actor,
    detail?: Record<string, unknown>,
  ): Promise<AccessKey> {
    const key = await this.get(publicKey);
    await this.#ctx.write(
      actor,
      (trx) => trx.updateTable('access_keys').set(changes).where('public_key', '=', publicKey).execute(),
      () => ({ action, accountId: key.accountId, publicKey, detail: detail ?? { name: key.name } }),
    );
    return this.get(publicKey);
  }
}
