import { randomBytes } from 'node:crypto';
import type { Selectable } from 'kysely';
import { RepogateError, invalid, notFound } from '../errors.js';
import type { Actor, RegistryContext } from './context.js';
import type { AccountsTable } from './schema.js';
import { hashPassword, verifyPassword } from './secrets.js';
import { assertSourceName } from './source-rules.js';
import { accountSources, defaultSourceName } from './sources.js';
import { assertEmail, assertMageId, assertName } from './validation.js';

export interface Account {
  readonly id: string;
  readonly name: string;
  readonly email: string | null;
  readonly status: 'active' | 'suspended';
  readonly suspensionReason: string | null;
  readonly hasPassword: boolean;
  readonly createdAt: string;
  /** The sources the account reads, in order (`["default"]` unless set otherwise). */
  readonly sources: string[];
}

export function toAccount(row: Selectable<AccountsTable>): Account {
  return {
    id: row.id,
    name: row.name,
    email: row.email,
    status: row.status,
    suspensionReason: row.suspension_reason,
    hasPassword: row.password_hash !== null,
    createdAt: row.created_at,
    sources: accountSources(row.sources),
  };
}

export const minPasswordLength = 10;

/** A new security stamp: every session opened before it was set ends. */
function newSecurityStamp(): string {
  return randomBytes(16).toString('base64url');
}

/**
 * Accounts (MAGEIDs): create, list, suspend with a reason, resume, delete, owner password. Setting
 * the password, suspending and `endSessions` replace the account's security stamp, which ends every
 * session of its owner (deleting the account ends them with its row).
 */
export class AccountService {
  readonly #ctx: RegistryContext;

  constructor(ctx: RegistryContext) {
    this.#ctx = ctx;
  }

  async create(input: { id: string; name: string; email?: string | undefined }, actor: Actor): Promise<Account> {
    const id = assertMageId(input.id);
    const name = assertName(input.name, 'account name');
    const email = input.email === undefined ? null : assertEmail(input.email);
    if (await this.find(id)) throw new RepogateError('ALREADY_EXISTS', `account ${id} already exists`);
    const row: Selectable<AccountsTable> = {
      id,
      name,
      email,
      status: 'active',
      suspension_reason: null,
      password_hash: null,
      created_at: this.#ctx.nowIso(),
      security_stamp: newSecurityStamp(),
      sources: null,
    };
    await this.#ctx.write(
      actor,
      (trx) => trx.insertInto('accounts').values(row).execute(),
      () => ({ action: 'account.created', accountId: id, detail: { name, email } }),
    );
    return toAccount(row);
  }

  async list(): Promise<Account[]> {
    const rows = await this.#ctx.db.selectFrom('accounts').selectAll().orderBy('id').execute();
    return rows.map(toAccount);
  }

  async find(id: string): Promise<Account | undefined> {
    const row = await this.#ctx.db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toAccount(row) : undefined;
  }

  async get(id: string): Promise<Account> {
    assertMageId(id);
    const account = await this.find(id);
    if (!account) throw notFound(`account ${id} not found`);
    return account;
  }

  async suspend(id: string, reason: string, actor: Actor): Promise<Account> {
    await this.get(id);
    const text = assertName(reason, 'suspension reason', 300);
    await this.#ctx.write(
      actor,
      (trx) =>
        trx
          .updateTable('accounts')
          .set({ status: 'suspended', suspension_reason: text, security_stamp: newSecurityStamp() })
          .where('id', '=', id)
          .execute(),
      () => ({ action: 'account.suspended', accountId: id, detail: { reason: text } }),
    );
    return this.get(id);
  }

  async resume(id: string, actor: Actor): Promise<Account> {
    await this.get(id);
    await this.#ctx.write(
      actor,
      (trx) =>
        trx.updateTable('accounts').set({ status: 'active', suspension_reason: null }).where('id', '=', id).execute(),
      () => ({ action: 'account.resumed', accountId: id }),
    );
    return this.get(id);
  }

  /**
   * Sets the sources the account reads, in order: each `default` or a stored source, no repeats, at
   * least one. Exactly `["default"]` is stored as null, the state of an account never set.
   */
  async setSources(id: string, names: readonly string[], actor: Actor): Promise<Account> {
    await this.get(id);
    if (names.length === 0) throw invalid('an account reads at least one source (default, or a source added with repogate sources add)');
    for (const name of names) assertSourceName(name);
    const repeated = names.find((name, i) => names.indexOf(name) !== i);
    if (repeated !== undefined) throw invalid(`source "${repeated}" is named twice: name each source once, in the order the account reads them`);
    const list = [...names];
    await this.#ctx.write(
      actor,
      async (trx) => {
        const stored = names.filter((n) => n !== defaultSourceName);
        const found = stored.length === 0 ? [] : await trx.selectFrom('sources').select('name').where('name', 'in', stored).execute();
        const unknown = stored.find((n) => !found.some((row) => row.name === n));
        if (unknown !== undefined) throw notFound(`source "${unknown}" not found (see repogate sources list)`);
        const value = list.length === 1 && list[0] === defaultSourceName ? null : JSON.stringify(list);
        await trx.updateTable('accounts').set({ sources: value }).where('id', '=', id).execute();
      },
      () => ({ action: 'account.sources_set', accountId: id, detail: { sources: list } }),
    );
    return this.get(id);
  }

  /** Deletes the account with its keys, grants and token; the audit trail keeps its history. */
  async delete(id: string, actor: Actor): Promise<void> {
    await this.get(id);
    await this.#ctx.write(
      actor,
      (trx) => trx.deleteFrom('accounts').where('id', '=', id).execute(),
      () => ({ action: 'account.deleted', accountId: id }),
    );
  }

  async setPassword(id: string, password: string, actor: Actor): Promise<void> {
    await this.get(id);
    if (password.length < minPasswordLength) {
      throw invalid(`password too short: use at least ${minPasswordLength} characters`);
    }
    if (password.length > 1024) throw invalid('password too long (at most 1024 characters)');
    const hash = await hashPassword(password);
    await this.#ctx.write(
      actor,
      (trx) => trx.updateTable('accounts').set({ password_hash: hash, security_stamp: newSecurityStamp() }).where('id', '=', id).execute(),
      () => ({ action: 'account.password_set', accountId: id }),
    );
  }

  /** Ends every session of the account's owner, on every instance (`session.signed_out_everywhere`). */
  async endSessions(id: string, actor: Actor, detail: Record<string, unknown> = {}): Promise<void> {
    await this.get(id);
    await this.#ctx.write(
      actor,
      (trx) => trx.updateTable('accounts').set({ security_stamp: newSecurityStamp() }).where('id', '=', id).execute(),
      () => ({ action: 'session.signed_out_everywhere', accountId: id, detail }),
    );
  }

  /** True when the account exists, has a password and `password` is it. */
  async checkPassword(id: string, password: string): Promise<boolean> {
    return (await this.verifyOwner(id, password)) !== undefined;
  }

  /**
   * For signing in: the account's security stamp when it exists, has a password and `password` is
   * it; else undefined. (Stamp and hash are read together, so a session opened while the password
   * changes carries the stamp of the password it was checked against.)
   */
  async verifyOwner(id: string, password: string): Promise<string | undefined> {
    const row = await this.#ctx.db
      .selectFrom('accounts')
      .select(['password_hash', 'security_stamp'])
      .where('id', '=', id)
      .executeTakeFirst();
    if (!row?.password_hash) return undefined;
    return (await verifyPassword(password, row.password_hash)) ? row.security_stamp : undefined;
  }

  /** The stamp sessions of this account must carry; undefined when its owner can't sign in (no account, no password). */
  async sessionStamp(id: string): Promise<string | undefined> {
    const row = await this.#ctx.db
      .selectFrom('accounts')
      .select(['password_hash', 'security_stamp'])
      .where('id', '=', id)
      .executeTakeFirst();
    return row?.password_hash ? row.security_stamp : undefined;
  }
}
