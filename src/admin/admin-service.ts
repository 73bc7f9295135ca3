import { randomBytes } from 'node:crypto';
import { explainAccess, type AccessExplanation } from '../access/explain-access.js';
import { RepogateError, invalid, notFound } from '../errors.js';
import type { Account } from '../registry/accounts.js';
import type { AuditEvent, AuditFilter } from '../registry/audit.js';
import type { Entitlement, Grant } from '../registry/entitlements.js';
import type { AccessKey, IssuedKey, KeyOptions, KeyStatusChange } from '../registry/keys.js';
import type { Registry } from '../registry/registry.js';
import { parseRules, rulesAllow } from '../registry/rules.js';
import type { DownloadToken } from '../registry/tokens.js';
import { cutoffOf } from '../registry/validation.js';
import { actorOf, type Caller } from './caller.js';

/** Whether the upstream has a package; undefined when it can't tell. */
export type PackageKnown = (name: string) => Promise<boolean | undefined>;

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

/** One row of the operator's account list. */
export interface AccountSummary {
  readonly account: Account;
  readonly keys: number;
  /** When one of its keys was last used; null when none ever was. */
  readonly lastUsedAt: string | null;
  /** How many grants it holds, expired ones included. */
  readonly grants: number;
  /** Its grants that have expired or end within {@link grantWarningDays} days. */
  readonly attention: readonly GrantView[];
}

/** What goes with an account when it is deleted. */
export interface AccountBelongings {
  readonly account: Account;
  readonly keys: readonly AccessKey[];
  readonly grants: readonly GrantView[];
  readonly downloadsToken: DownloadToken | null;
}

/** What a list of rules would allow of the upstream's packages. */
export type RulesPreview =
  | { readonly known: true; readonly total: number; readonly allowed: number; readonly first: readonly string[] }
  | { readonly known: false; readonly reason: string };

/** Where the operator's page gets the upstream's package names (null: the upstream does not list them). */
export type PackageNames = () => Promise<readonly string[] | null>;

/** Keys unused for this many days are listed for the operator. */
export const unusedKeyDays = 90;

/** Classifies a grant against today (UTC dates `YYYY-MM-DD`). */
export function grantView(grant: Grant, today: string): GrantView {
  if (grant.expiresOn === null) return { ...grant, state: 'active', daysLeft: null };
  const daysLeft = Math.round((Date.parse(`${grant.expiresOn}T00:00:00Z`) - Date.parse(`${today}T00:00:00Z`)) / 86_400_000);
  const state = daysLeft < 0 ? 'expired' : daysLeft <= grantWarningDays ? 'expiring' : 'active';
  return { ...grant, state, daysLeft };
}

/**
 * The admin API's and the page's one way into the registry: the registry's own services (the same
 * ones the CLI uses, with the same validation and error codes), plus who may do what. The operator
 * may do everything. An account owner sees and changes only their own account's keys and token, and
 * reads its grants; anything of another account is NOT_FOUND (never FORBIDDEN, so that keys and
 * MAGEIDs can't be probed); operator-only changes are FORBIDDEN. Every change is recorded in the audit
 * trail with the caller as actor.
 */
export class AdminService {
  readonly #registry: Registry;
  readonly #packageKnown: PackageKnown | undefined;
  readonly #packageNames: PackageNames | undefined;

  /**
   * `packageKnown`: whether the upstream has a package, for access explanations; `packageNames`: the
   * upstream's package names, for the operator's rule preview (the server gives both; tests may not).
   */
  constructor(registry: Registry, options: { packageKnown?: PackageKnown | undefined; packageNames?: PackageNames | undefined } = {}) {
    this.#registry = registry;
    this.#packageKnown = options.packageKnown;
    this.#packageNames = options.packageNames;
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

  /**
   * The operator's account list: each account with its number of keys, last use and the grants that
   * need attention. `query` keeps accounts whose MAGEID, name or email contains it (any case).
   */
  async accountSummaries(caller: Caller, query = ''): Promise<AccountSummary[]> {
    this.#operatorOnly(caller, 'list every account');
    const today = this.today();
    const [accounts, usage, grants] = await Promise.all([
      this.#registry.accounts.list(),
      this.#registry.keys.usageByAccount(),
      this.#registry.entitlements.allGrants(),
    ]);
    const needle = query.trim().toLowerCase();
    const matches = (a: Account): boolean =>
      needle === '' || [a.id, a.name, a.email ?? ''].some((text) => text.toLowerCase().includes(needle));
    const grantsBy = new Map<string, GrantView[]>();
    for (const grant of grants) grantsBy.set(grant.accountId, [...(grantsBy.get(grant.accountId) ?? []), grantView(grant, today)]);
    return accounts.filter(matches).map((account) => ({
      account,
      keys: usage.get(account.id)?.keys ?? 0,
      lastUsedAt: usage.get(account.id)?.lastUsedAt ?? null,
      grants: grantsBy.get(account.id)?.length ?? 0,
      attention: (grantsBy.get(account.id) ?? []).filter((g) => g.state !== 'active'),
    }));
  }

  /** The account with everything that would go with it if it were deleted (operator only). */
  async belongings(caller: Caller, id: string): Promise<AccountBelongings> {
    this.#operatorOnly(caller, 'delete accounts');
    const account = await this.#registry.accounts.get(id);
    const today = this.today();
    const [keys, grants, token] = await Promise.all([
      this.#registry.keys.list(id),
      this.#registry.entitlements.grantsOf(id),
      this.#registry.tokens.find(id),
    ]);
    return { account, keys, grants: grants.map((g) => grantView(g, today)), downloadsToken: token ?? null };
  }

  createAccount(caller: Caller, input: { id: string; name: string; email?: string | undefined }): Promise<Account> {
    this.#operatorOnly(caller, 'create accounts');
    return this.#registry.accounts.create(input, actorOf(caller));
  }

  async suspendAccount(caller: Caller, id: string, reason: string): Promise<Account> {
    this.#ownAccount(caller, id);
    this.#operatorOnly(caller, 'suspend accounts');
    return this.#registry.accounts.suspend(id, reason, actorOf(caller));
  }

  async resumeAccount(caller: Caller, id: string): Promise<Account> {
    this.#ownAccount(caller, id);
    this.#operatorOnly(caller, 'resume accounts');
    return this.#registry.accounts.resume(id, actorOf(caller));
  }

  /** Deletes the account with its keys, grants and token; resolves with how many keys went with it. */
  async deleteAccount(caller: Caller, id: string): Promise<number> {
    this.#ownAccount(caller, id);
    this.#operatorOnly(caller, 'delete accounts');
    await this.#registry.accounts.get(id);
    const keys = await this.#registry.keys.list(id);
    await this.#registry.accounts.delete(id, actorOf(caller));
    return keys.length;
  }

  /** Sets the owner's password; every session of the account ends. */
  async setPassword(caller: Caller, id: string, password: string): Promise<void> {
    this.#ownAccount(caller, id);
    this.#operatorOnly(caller, 'set passwords');
    await this.#registry.accounts.setPassword(id, password, actorOf(caller));
  }

  /** Sets a new random password for the owner and returns it, to be shown once; every session of the account ends. */
  async resetPassword(caller: Caller, id: string): Promise<string> {
    const password = randomBytes(12).toString('base64url');
    await this.setPassword(caller, id, password);
    return password;
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
    this.#operatorOnly(caller, 'list entitlements');
    return this.#registry.entitlements.list();
  }

  async defineEntitlement(caller: Caller, name: string, rules: readonly string[]): Promise<Entitlement> {
    this.#operatorOnly(caller, 'define entitlements');
    return this.#registry.entitlements.define(name, rules, actorOf(caller));
  }

  /** Deletes an entitlement no account holds (CONFLICT, naming the holders, while one does). */
  async deleteEntitlement(caller: Caller, name: string): Promise<void> {
    this.#operatorOnly(caller, 'delete entitlements');
    await this.#registry.entitlements.delete(name, actorOf(caller));
  }

  /**
   * What `rules` would allow of the upstream's packages, counted on the package list the server
   * already holds (fetched through the metadata cache when it has none). Throws VALIDATION for a
   * malformed rule, like defining would; an upstream that can't be asked is a preview that can't count.
   */
  async previewRules(caller: Caller, rules: readonly string[], first = 20): Promise<RulesPreview> {
    this.#operatorOnly(caller, 'preview entitlements');
    if (rules.length === 0) throw invalid('an entitlement needs at least one rule (--rule vendor/*)');
    const parsed = parseRules(rules);
    if (this.#packageNames === undefined) return { known: false, reason: 'this server has no upstream package list' };
    let names: readonly string[] | null;
    try {
      names = await this.#packageNames();
    } catch (error) {
      return { known: false, reason: `the upstream's package list is unavailable: ${error instanceof Error ? error.message : String(error)}` };
    }
    if (names === null) return { known: false, reason: 'the upstream does not list its packages, so they cannot be counted' };
    const allowed = names.filter((name) => rulesAllow(parsed, name));
    return { known: true, total: names.length, allowed: allowed.length, first: allowed.slice(0, first) };
  }

  /** Every grant of every account (operator only). */
  async grantsOfEveryAccount(caller: Caller): Promise<Grant[]> {
    this.#operatorOnly(caller, 'list every account’s grants');
    return this.#registry.entitlements.allGrants();
  }

  async grants(caller: Caller, id: string): Promise<GrantView[]> {
    await this.account(caller, id);
    const today = this.today();
    return (await this.#registry.entitlements.grantsOf(id)).map((g) => grantView(g, today));
  }

  async grant(caller: Caller, id: string, entitlement: string, expiresOn: string | null): Promise<GrantView> {
    this.#ownAccount(caller, id);
    this.#operatorOnly(caller, 'grant entitlements');
    return grantView(await this.#registry.entitlements.grant(id, entitlement, expiresOn, actorOf(caller)), this.today());
  }

  async revoke(caller: Caller, id: string, entitlement: string): Promise<void> {
    this.#ownAccount(caller, id);
    this.#operatorOnly(caller, 'revoke grants');
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

  /** Enabled keys of every account that need a look: unused for 90 days, expiring within 30 days, narrower scope. */
  async keysNeedingAttention(caller: Caller): Promise<{ unused: AccessKey[]; expiring: AccessKey[]; scoped: AccessKey[] }> {
    this.#operatorOnly(caller, 'list every account’s keys');
    const now = this.#registry.context.now().getTime();
    const today = this.today();
    return this.#registry.keys.needingAttention({
      unusedBefore: new Date(now - unusedKeyDays * 86_400_000).toISOString(),
      today,
      expiringBy: new Date(Date.parse(`${today}T00:00:00Z`) + grantWarningDays * 86_400_000).toISOString().slice(0, 10),
    });
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

  /**
   * One page of the audit trail across accounts, newest first (operator only): by account, key, action
   * (or family, `key.*`) and time, `limit` events older than `beforeId`.
   */
  async auditPage(caller: Caller, filter: AuditFilter & { limit: number }): Promise<AuditEvent[]> {
    this.#operatorOnly(caller, 'read every account’s activity');
    return this.#registry.audit.list(filter);
  }

  /** A key's downloads per package since `sinceDay` (as far back as download counts are kept; a deleted key's too). */
  async keyDownloads(caller: Caller, publicKey: string, sinceDay: string): Promise<Array<{ package: string; count: number }>> {
    this.#operatorOnly(caller, 'read every account’s downloads');
    return this.#registry.usage.downloadsPerPackage(sinceDay, { publicKey });
  }

  /** Records something that changes nothing in the registry but belongs in the audit trail (sign-in, sign-out). */
  /** Why a key can or cannot install a package, with the proxy's own decision (operator only). */
  explainAccess(caller: Caller, request: { publicKey: string; packageName: string; address?: string | undefined }): Promise<AccessExplanation> {
    this.#operatorOnly(caller, 'explain access decisions');
    return explainAccess(this.#registry, { ...request, packageKnown: this.#packageKnown });
  }

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

  #operatorOnly(caller: Caller, what: string): void {
    if (caller.kind !== 'operator') throw new RepogateError('FORBIDDEN', `only the operator may ${what}`);
  }
}
