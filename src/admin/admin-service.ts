import { notFound } from '../errors.js';
import type { Account } from '../registry/accounts.js';
import type { AuditEvent } from '../registry/audit.js';
import type { Entitlement, Grant } from '../registry/entitlements.js';
import type { AccessKey, IssuedKey, KeyOptions, KeyStatusChange } from '../registry/keys.js';
import type { Registry } from '../registry/registry.js';
import type { DownloadToken } from '../registry/tokens.js';
import { cutoffOf } from '../registry/validation.js';
import { actorOf, assertOperator, type Caller } from './caller.js';

/** Grants warn this many days before their last day. */
export const grantWarningDays = 30;

/** A grant as the page and the API show it: whether it still counts, and how many days it has left. */
export interface GrantView extends Grant {
  readonly state: 'active' | 'expiring' | 'expired';
  /** Days from today to the last day it counts (0 = today is the last day); null without expiry. */
  readonly daysLeft: number | null;
}

/** Everything the Access Keys page shows about one account. */
export interface AccountOverview {
  readonly account: Account;
  readonly grants: readonly GrantView[];
  readonly keys: readonly AccessKey[];
  readonly downloadsToken: DownloadToken | null;
  readonly today: string;
  /** Downloads per public key over the last 7 days (Composer's download notifications). */
  readonly downloadsThisWeek: ReadonlyMap<string, number>;
}

/** Classifies a grant against today (UTC dates `YYYY-MM-DD`). */
export function grantView(grant: Grant, today: string): GrantView {
  if (grant.expiresOn === null) return { ...grant, state: 'active', daysLeft: null };
  const daysLeft = Math.round((Date.parse(`${grant.expiresOn}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`)) / 86_400_000);
  const state = daysLeft < 0 ? 'expired' : daysLeft <= grantWarningDays ? 'expiring' : 'active';
  return { ...grant, state, daysLeft };
}

/**
 * What the admin API and the page share to reach the registry: the registry's own services (the same
 * ones the CLI uses, with the same validation and error codes), plus who may do what. The operator
 * may do everything. An account owner sees and changes only their own account's keys and token, and
 * reads its grants; anything of another account is NOT_FOUND (never FORBIDDEN, so that keys and
 * MAGEIDs can't be probed); operator-only changes are FORBIDDEN. Every change is recorded in the audit
 * trail with the caller as actor. What only the operator's console reads across accounts is in
 * `OperatorService` (operator-service.ts).
 */
export class AdminService {
  readonly #registry: Registry;

  constructor(registry: Registry) {
    this.#registry = registry;
  }

  today(): string {
    return this.#registry.context.today();
  }

  // Accounts

  async accounts(caller: Caller): Promise<Account[]> {
    if (caller.kind === 'account') return [await this.account(caller, caller.accountId)];
    return this.#registry.accounts.list();
  }

  async account(caller: Caller, id: string): Promise<Account> {
    this.#ownAccount(caller, id);
    return this.#registry.accounts.get(id);
  }

  async overview(caller: Caller, id: string): Promise<AccountOverview> {
    const account = await this.account(caller, id);
    const today = this.today();
    const weekAgo = new Date(Date.parse(`${today}T00:00:00Z`) - 6 * 86_400_000).toISOString().slice(0, 10);
    const [grants, keys, token, downloadsThisWeek] = await Promise.all([
      this.#registry.entitlements.grantsOf(id),
      this.#registry.keys.list(id),
      this.#registry.tokens.find(id),
      this.#registry.usage.downloadsPerKey(weekAgo, id),
    ]);
    return { account, grants: grants.map((g) => grantView(g, today)), keys, downloadsToken: token ?? null, today, downloadsThisWeek };
  }

  createAccount(caller: Caller, input: { id: string; name: string; email?: string | undefined }): Promise<Account> {
    assertOperator(caller, 'create accounts');
    return this.#registry.accounts.create(input, actorOf(caller));
  }

  async suspendAccount(caller: Caller, id: string, reason: string): Promise<Account> {
    this.#ownAccount(caller, id);
    assertOperator(caller, 'suspend accounts');
    return this.#registry.accounts.suspend(id, reason, actorOf(caller));
  }

  async resumeAccount(caller: Caller, id: string): Promise<Account> {
    this.#ownAccount(caller, id);
    assertOperator(caller, 'resume accounts');
    return this.#registry.accounts.resume(id, actorOf(caller));
  }

  /** Deletes the account with its keys, grants and token; resolves with how many keys went with it. */
  async deleteAccount(caller: Caller, id: string): Promise<number> {
    this.#ownAccount(caller, id);
    assertOperator(caller, 'delete accounts');
    await this.#registry.accounts.get(id);
    const keys = await this.#registry.keys.list(id);
    await this.#registry.accounts.delete(id, actorOf(caller));
    return keys.length;
  }

  /** Sets the owner's password; every session of the account ends. */
  async setPassword(caller: Caller, id: string, password: string): Promise<void> {
    this.#ownAccount(caller, id);
    assertOperator(caller, 'set passwords');
    await this.#registry.accounts.setPassword(id, password, actorOf(caller));
  }

  /**
   * Ends every session of the account's owner (the page's and the API's, on every instance), the
   * caller's own included when it is the owner. The owner or the operator; audited with `detail`.
   */
  async signOutEverywhere(caller: Caller, id: string, detail: Record<string, unknown>): Promise<void> {
    this.#ownAccount(caller, id);
    await this.#registry.accounts.endSessions(id, actorOf(caller), detail);
  }

  // Entitlements and grants

  async entitlements(caller: Caller): Promise<Entitlement[]> {
    assertOperator(caller, 'list entitlements');
    return this.#registry.entitlements.list();
  }

  async defineEntitlement(caller: Caller, name: string, rules: readonly string[]): Promise<Entitlement> {
    assertOperator(caller, 'define entitlements');
    return this.#registry.entitlements.define(name, rules, actorOf(caller));
  }

  /** Deletes an entitlement no account holds (CONFLICT, naming the holders, while one does). */
  async deleteEntitlement(caller: Caller, name: string): Promise<void> {
    assertOperator(caller, 'delete entitlements');
    await this.#registry.entitlements.delete(name, actorOf(caller));
  }

  async grants(caller: Caller, id: string): Promise<GrantView[]> {
    await this.account(caller, id);
    const today = this.today();
    return (await this.#registry.entitlements.grantsOf(id)).map((g) => grantView(g, today));
  }

  async grant(caller: Caller, id: string, entitlement: string, expiresOn: string | null): Promise<GrantView> {
    this.#ownAccount(caller, id);
    assertOperator(caller, 'grant entitlements');
    return grantView(await this.#registry.entitlements.grant(id, entitlement, expiresOn, actorOf(caller)), this.today());
  }

  async revoke(caller: Caller, id: string, entitlement: string): Promise<void> {
    this.#ownAccount(caller, id);
    assertOperator(caller, 'revoke grants');
    await this.#registry.entitlements.revoke(id, entitlement, actorOf(caller));
  }

  // Keys

  /** The keys of one account, or (operator only, without `accountId`) of every account. */
  async keys(caller: Caller, accountId?: string): Promise<AccessKey[]> {
    if (accountId === undefined) {
      if (caller.kind === 'account') return this.#registry.keys.list(caller.accountId);
      return this.#registry.keys.list();
    }
    await this.account(caller, accountId);
    return this.#registry.keys.list(accountId);
  }

  key(caller: Caller, publicKey: string): Promise<AccessKey> {
    return this.#ownKey(caller, publicKey);
  }

  async createKey(caller: Caller, accountId: string, name: string, options: KeyOptions = {}): Promise<IssuedKey> {
    await this.account(caller, accountId);
    return this.#registry.keys.create(accountId, name, options, actorOf(caller));
  }

  /** Disables a key; `changed` is false (and nothing is recorded) when it already was. */
  async disableKey(caller: Caller, publicKey: string): Promise<KeyStatusChange> {
    await this.#ownKey(caller, publicKey);
    return this.#registry.keys.disable(publicKey, actorOf(caller));
  }

  /** Enables a key; `changed` is false (and nothing is recorded) when it already was. */
  async enableKey(caller: Caller, publicKey: string): Promise<KeyStatusChange> {
    await this.#ownKey(caller, publicKey);
    return this.#registry.keys.enable(publicKey, actorOf(caller));
  }

  async renameKey(caller: Caller, publicKey: string, name: string): Promise<AccessKey> {
    await this.#ownKey(caller, publicKey);
    return this.#registry.keys.rename(publicKey, name, actorOf(caller));
  }

  async regenerateKey(caller: Caller, publicKey: string): Promise<IssuedKey> {
    await this.#ownKey(caller, publicKey);
    return this.#registry.keys.regenerate(publicKey, actorOf(caller));
  }

  /** Deletes a key; resolves with the key as it was. */
  async deleteKey(caller: Caller, publicKey: string): Promise<AccessKey> {
    const key = await this.#ownKey(caller, publicKey);
    await this.#registry.keys.delete(publicKey, actorOf(caller));
    return key;
  }

  // Downloads access token

  async downloadsToken(caller: Caller, accountId: string): Promise<DownloadToken | null> {
    await this.account(caller, accountId);
    return (await this.#registry.tokens.find(accountId)) ?? null;
  }

  /** A new token for the account, shown once; the previous one stops working. */
  async generateToken(caller: Caller, accountId: string): Promise<{ token: string; info: DownloadToken }> {
    await this.account(caller, accountId);
    return this.#registry.tokens.generate(accountId, actorOf(caller));
  }

  // Audit

  /**
   * The account's audit trail, newest first: changes and sign-ins. What its keys fetched (actor type
   * `key`) is left out; it has its own reports.
   */
  async activity(caller: Caller, accountId: string, limit = 100): Promise<AuditEvent[]> {
    await this.account(caller, accountId);
    const events = await this.#registry.audit.list({ accountId, limit: 1000 });
    return events.filter((e) => e.actor.type !== 'key').slice(0, limit);
  }

  /**
   * The audit trail like `repogate audit`: filtered by key, account and time. An owner sees only
   * their own account (another account's key is NOT_FOUND).
   */
  async auditTrail(caller: Caller, filter: { publicKey?: string; accountId?: string; since?: string; limit: number }): Promise<AuditEvent[]> {
    let accountId = filter.accountId;
    if (caller.kind === 'account') {
      if (accountId !== undefined) this.#ownAccount(caller, accountId);
      accountId = caller.accountId;
      if (filter.publicKey !== undefined) {
        const event = await this.#registry.keys.find(filter.publicKey);
        if (event && event.accountId !== caller.accountId) throw notFound(`key ${filter.publicKey} not found`);
      }
    }
    return this.#registry.audit.list({
      publicKey: filter.publicKey,
      accountId,
      since: filter.since === undefined ? undefined : cutoffOf(filter.since, this.#registry.context.now()),
      limit: filter.limit,
    });
  }

  /** Records something that changes nothing in the registry but belongs in the audit trail (sign-in, sign-out). */
  async record(caller: Caller, action: string, detail: Record<string, unknown>): Promise<void> {
    const accountId = caller.kind === 'account' ? caller.accountId : null;
    await this.#registry.audit.append(actorOf(caller), { action, accountId, detail });
  }

  #ownAccount(caller: Caller, id: string): void {
    // The same words as the registry's own NOT_FOUND, so that another account looks like no account.
    if (caller.kind === 'account' && id !== caller.accountId) throw notFound(`account ${id} not found`);
  }

  async #ownKey(caller: Caller, publicKey: string): Promise<AccessKey> {
    const key = await this.#registry.keys.get(publicKey);
    if (caller.kind === 'account' && key.accountId !== caller.accountId) throw notFound(`key ${publicKey} not found`);
    return key;
  }
}
