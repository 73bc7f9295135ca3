import { randomBytes } from 'node:crypto';
import { explainAccess, type AccessExplanation, type PackageKnown } from '../access/explain-access.js';
import { invalid } from '../errors.js';
import type { Account } from '../registry/accounts.js';
import type { AuditEvent, AuditFilter } from '../registry/audit.js';
import type { Grant } from '../registry/entitlements.js';
import type { AccessKey } from '../registry/keys.js';
import type { Registry } from '../registry/registry.js';
import { parseRules, rulesAllow } from '../registry/rules.js';
import type { DownloadToken } from '../registry/tokens.js';
import { grantView, grantWarningDays, type AdminService, type GrantView } from './admin-service.js';
import { assertOperator, type Caller } from './caller.js';

export type { PackageKnown } from '../access/explain-access.js';

/** Where the operator's page gets the upstream's package names (null: the upstream does not list them). */
export type PackageNames = () => Promise<readonly string[] | null>;

/** Keys unused for this many days are listed for the operator. */
export const unusedKeyDays = 90;

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

/**
 * What only the operator's console asks for, across accounts: the account list with last use and
 * grants needing attention, what goes with an account when it is deleted, rule previews against the
 * upstream's packages, keys needing a look, the audit trail by page, a key's downloads, password
 * generation and access explanations. Every method refuses anyone but the operator (FORBIDDEN);
 * changes go through the shared {@link AdminService}, so they are checked and audited the same way.
 */
export class OperatorService {
  readonly #registry: Registry;
  readonly #admin: AdminService;
  readonly #packageKnown: PackageKnown | undefined;
  readonly #packageNames: PackageNames | undefined;

  /**
   * `packageKnown`: whether the upstream has a package, for access explanations; `packageNames`: the
   * upstream's package names, for the rule preview (the server gives both; tests may not).
   */
  constructor(
    registry: Registry,
    admin: AdminService,
    options: { packageKnown?: PackageKnown | undefined; packageNames?: PackageNames | undefined } = {},
  ) {
    this.#registry = registry;
    this.#admin = admin;
    this.#packageKnown = options.packageKnown;
    this.#packageNames = options.packageNames;
  }

  /**
   * The operator's account list: each account with its number of keys, last use and the grants that
   * need attention. `query` keeps accounts whose MAGEID, name or email contains it (any case).
   */
  async accountSummaries(caller: Caller, query = ''): Promise<AccountSummary[]> {
    assertOperator(caller, 'list every account');
    const today = this.#admin.today();
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

  /** The account with everything that would go with it if it were deleted. */
  async belongings(caller: Caller, id: string): Promise<AccountBelongings> {
    assertOperator(caller, 'delete accounts');
    const account = await this.#registry.accounts.get(id);
    const today = this.#admin.today();
    const [keys, grants, token] = await Promise.all([
      this.#registry.keys.list(id),
      this.#registry.entitlements.grantsOf(id),
      this.#registry.tokens.find(id),
    ]);
    return { account, keys, grants: grants.map((g) => grantView(g, today)), downloadsToken: token ?? null };
  }

  /** Sets a new random password for the owner and returns it, to be shown once; every session of the account ends. */
  async resetPassword(caller: Caller, id: string): Promise<string> {
    const password = randomBytes(12).toString('base64url');
    await this.#admin.setPassword(caller, id, password);
    return password;
  }

  /**
   * What `rules` would allow of the upstream's packages, counted on the package list the server
   * already holds (fetched through the metadata cache when it has none). Throws VALIDATION for a
   * malformed rule, like defining would; an upstream that can't be asked is a preview that can't count.
   */
  async previewRules(caller: Caller, rules: readonly string[], first = 20): Promise<RulesPreview> {
    assertOperator(caller, 'preview entitlements');
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

  /** Every grant of every account. */
  async grantsOfEveryAccount(caller: Caller): Promise<Grant[]> {
    assertOperator(caller, 'list every account’s grants');
    return this.#registry.entitlements.allGrants();
  }

  /** Enabled keys of every account that need a look: unused for 90 days, expiring within 30 days, narrower scope. */
  async keysNeedingAttention(caller: Caller): Promise<{ unused: AccessKey[]; expiring: AccessKey[]; scoped: AccessKey[] }> {
    assertOperator(caller, 'list every account’s keys');
    const now = this.#registry.context.now().getTime();
    const today = this.#admin.today();
    return this.#registry.keys.needingAttention({
      unusedBefore: new Date(now - unusedKeyDays * 86_400_000).toISOString(),
      today,
      expiringBy: new Date(Date.parse(`${today}T00:00:00Z`) + grantWarningDays * 86_400_000).toISOString().slice(0, 10),
    });
  }

  /**
   * One page of the audit trail across accounts, newest first: by account, key, action (or family,
   * `key.*`) and time, `limit` events older than `beforeId`.
   */
  async auditPage(caller: Caller, filter: AuditFilter & { limit: number }): Promise<AuditEvent[]> {
    assertOperator(caller, 'read every account’s activity');
    return this.#registry.audit.list(filter);
  }

  /** A key's downloads per package since `sinceDay` (as far back as download counts are kept; a deleted key's too). */
  async keyDownloads(caller: Caller, publicKey: string, sinceDay: string): Promise<Array<{ package: string; count: number }>> {
    assertOperator(caller, 'read every account’s downloads');
    return this.#registry.usage.downloadsPerPackage(sinceDay, { publicKey });
  }

  /** Why a key can or cannot install a package, with the proxy's own decision. */
  explainAccess(caller: Caller, request: { publicKey: string; packageName: string; address?: string | undefined }): Promise<AccessExplanation> {
    assertOperator(caller, 'explain access decisions');
    return explainAccess(this.#registry, { ...request, packageKnown: this.#packageKnown });
  }
}
