import { notFound, type ErrorCode } from '../errors.js';
import type { Registry } from '../registry/registry.js';
import { decidingRule, type PackageRule } from '../registry/rules.js';
import { computeAccountAccess, grantActive, keyDenial, packageDenial, type Denial } from './access-rules.js';
import { loadPrincipal } from './load-principal.js';
import { addressAllowed, type Principal } from './principal.js';

/** The rule of a list that decides for the package (the last that matches), and its position (1-based). */
export interface RuleMatch {
  readonly rule: string;
  readonly position: number;
  readonly effect: 'allow' | 'deny';
}

export interface GrantExplanation {
  readonly entitlement: string;
  readonly expiresOn: string | null;
  /** False once its last day has passed: an expired grant no longer counts. */
  readonly active: boolean;
  readonly rules: readonly string[];
  /** The deciding rule; null when no rule matches (then the grant does not allow the package). */
  readonly match: RuleMatch | null;
  readonly allows: boolean;
}

/** One step of the decision, in the order the proxy takes them. */
export interface ExplanationCheck {
  readonly check: 'key-status' | 'key-expiry' | 'key-address' | 'account-status' | 'grants' | 'scope' | 'upstream';
  /** true passed, false refused, null not checked (no address given; the upstream not asked). */
  readonly ok: boolean | null;
  readonly detail: string;
}

/** Why a key can or cannot install a package: the proxy's own decision and every step that led to it. */
export interface AccessExplanation {
  readonly publicKey: string;
  readonly package: string;
  readonly allowed: boolean;
  /** The refusal the proxy answers (its code and the reason Composer shows); null when allowed. */
  readonly denial: { readonly code: ErrorCode; readonly reason: string } | null;
  readonly key: {
    readonly name: string;
    readonly status: 'enabled' | 'disabled';
    readonly expiresOn: string | null;
    readonly cidrs: readonly string[] | null;
    /** The client address checked against `cidrs`, when one was given. */
    readonly address: string | null;
  };
  readonly account: { readonly id: string; readonly status: 'active' | 'suspended'; readonly suspensionReason: string | null };
  readonly grants: readonly GrantExplanation[];
  /** The key's scope, which can only narrow the grants; null when the key has none. */
  readonly scope: { readonly rules: readonly string[]; readonly match: RuleMatch | null; readonly allows: boolean } | null;
  /** Whether one of the account's sources has the package: null when not asked (or they could not be asked). */
  readonly knownUpstream: boolean | null;
  /** The first of the account's sources that has the package; null when none has it, or not asked. */
  readonly knownSource: string | null;
  readonly checks: readonly ExplanationCheck[];
  readonly today: string;
}

export interface ExplainRequest {
  readonly publicKey: string;
  readonly packageName: string;
  /** The client address to check the key's networks against; undefined: not checked. */
  readonly address?: string | undefined;
  /** Asks the account's sources (through repogate's cache) whether they have the package; undefined: not asked. */
  readonly packageKnown?: PackageKnown | undefined;
}

/**
 * The first of `sources` (an account's, in order) that has the package; null when none of them has
 * it; undefined when that could not be told (a source could not be asked).
 */
export type PackageKnown = (name: string, sources: readonly string[]) => Promise<string | null | undefined>;

/**
 * Explains the access decision for one key and one package. The decision is taken by the proxy's
 * own functions (`keyDenial`, `computeAccountAccess`, `packageDenial`, in that order, on the
 * principal `loadPrincipal` builds for the proxy); the trail adds what each step looked at: which
 * rule of which entitlement matched, grant expiry, the key's scope and networks, the account's
 * suspension. An unknown public key is NOT_FOUND.
 */
export async function explainAccess(registry: Registry, request: ExplainRequest): Promise<AccessExplanation> {
  const loaded = await loadPrincipal(registry, request.publicKey);
  if (loaded === 'unknown') throw notFound(`no key with public key ${request.publicKey}`);
  const principal = loaded.principal;
  const today = registry.context.today();
  const name = request.packageName;

  const denial = decide(principal, today, request.address, name);
  const grants = principal.grants.map((g): GrantExplanation => {
    const active = grantActive(g, today);
    const match = matchOf(g.rules, name);
    return { entitlement: g.entitlement, expiresOn: g.expiresOn, active, rules: g.rules.map((r) => r.source), match, allows: match?.effect === 'allow' };
  });
  const scopeMatch = principal.scope === null ? null : matchOf(principal.scope, name);
  const scope =
    principal.scope === null ? null : { rules: principal.scope.map((r) => r.source), match: scopeMatch, allows: scopeMatch?.effect === 'allow' };
  const known = request.packageKnown ? await request.packageKnown(name, principal.sources).catch(() => undefined) : undefined;
  const knownUpstream = known === undefined ? null : known !== null;
  const knownSource = known ?? null;

  return {
    publicKey: principal.publicKey,
    package: name,
    allowed: denial === undefined,
    denial: denial === undefined ? null : { code: denial.code, reason: denial.reason },
    key: { name: principal.keyName, status: principal.keyStatus, expiresOn: principal.keyExpiresOn, cidrs: principal.cidrs, address: request.address ?? null },
    account: { id: principal.accountId, status: principal.accountStatus, suspensionReason: principal.suspensionReason },
    grants,
    scope,
    knownUpstream,
    knownSource,
    checks: checksOf(principal, today, request.address, name, grants, scope, knownSource, knownUpstream, request.packageKnown !== undefined),
    today,
  };
}

/** The proxy's decision, step for step as `AccessControl.checkAccess` takes it after the secret is verified. */
function decide(principal: Principal, today: string, address: string | undefined, name: string): Denial | undefined {
  const keyRefusal = keyDenial(principal, today, address);
  if (keyRefusal) return keyRefusal;
  const access = computeAccountAccess(principal, today);
  if (!access.ok) return access;
  return packageDenial(principal, access, name);
}

function matchOf(rules: readonly PackageRule[], name: string): RuleMatch | null {
  const rule = decidingRule(rules, name);
  if (rule === undefined) return null;
  return { rule: rule.source, position: rules.indexOf(rule) + 1, effect: rule.negated ? 'deny' : 'allow' };
}

function describeMatch(match: RuleMatch | null, name: string): string {
  return match === null ? `no rule matches ${name}` : `rule ${match.position} "${match.rule}" ${match.effect === 'allow' ? 'allows' : 'takes away'} ${name}`;
}

function checksOf(
  principal: Principal,
  today: string,
  address: string | undefined,
  name: string,
  grants: readonly GrantExplanation[],
  scope: AccessExplanation['scope'],
  knownSource: string | null,
  knownUpstream: boolean | null,
  upstreamAsked: boolean,
): ExplanationCheck[] {
  const checks: ExplanationCheck[] = [];
  checks.push({ check: 'key-status', ok: principal.keyStatus === 'enabled', detail: `key "${principal.keyName}" is ${principal.keyStatus}` });
  const expired = principal.keyExpiresOn !== null && today > principal.keyExpiresOn;
  checks.push({
    check: 'key-expiry',
    ok: !expired,
    detail: principal.keyExpiresOn === null ? 'the key has no expiry' : `the key ${expired ? 'expired on' : 'is valid until'} ${principal.keyExpiresOn}`,
  });
  const networks = principal.cidrs?.join(', ');
  checks.push(
    networks === undefined
      ? { check: 'key-address', ok: true, detail: 'the key may be used from any address' }
      : address === undefined
        ? { check: 'key-address', ok: null, detail: `the key may be used only from ${networks} (no address given to check)` }
        : {
            check: 'key-address',
            ok: addressAllowed(principal.networks, address),
            detail: `${address} is ${addressAllowed(principal.networks, address) ? 'inside' : 'outside'} the key's networks ${networks}`,
          },
  );
  checks.push({
    check: 'account-status',
    ok: principal.accountStatus === 'active',
    detail:
      principal.accountStatus === 'active'
        ? `account ${principal.accountId} is active`
        : `account ${principal.accountId} is suspended: ${principal.suspensionReason ?? 'no reason given'}`,
  });
  const allowing = grants.filter((g) => g.active && g.allows);
  const grantLines = grants.map(
    (g) => `${g.entitlement}${g.expiresOn === null ? '' : ` (${g.active ? 'until' : 'expired'} ${g.expiresOn})`}: ${describeMatch(g.match, name)}`,
  );
  checks.push({
    check: 'grants',
    ok: allowing.length > 0,
    detail:
      grants.length === 0
        ? `account ${principal.accountId} has no entitlement granted`
        : allowing.length > 0
          ? `allowed by ${allowing.map((g) => g.entitlement).join(', ')}; ${grantLines.join('; ')}`
          : grants.every((g) => !g.active)
            ? `every grant has expired; ${grantLines.join('; ')}`
            : `no unexpired grant allows ${name}; ${grantLines.join('; ')}`,
  });
  if (scope !== null) {
    checks.push({ check: 'scope', ok: scope.allows, detail: `the key's scope ${scope.rules.join(', ')}: ${describeMatch(scope.match, name)}` });
  }
  if (upstreamAsked) checks.push({ check: 'upstream', ok: knownUpstream, detail: upstreamDetail(principal.sources, name, knownSource, knownUpstream) });
  return checks;
}

/** What the sources said, in the words of an account that reads the upstream alone, or several sources. */
function upstreamDetail(sources: readonly string[], name: string, knownSource: string | null, knownUpstream: boolean | null): string {
  const onlyDefault = sources.length === 1 && sources[0] === 'default';
  if (knownUpstream === null) return onlyDefault ? 'the upstream could not be asked whether it has the package' : `the account's sources (${sources.join(', ')}) could not all be asked whether they have the package`;
  if (knownUpstream) return onlyDefault ? `the upstream has ${name}` : `the source "${knownSource}" has ${name}`;
  return onlyDefault
    ? `the upstream does not list ${name} (a typo, or a package of another repository)`
    : `none of the account's sources (${sources.join(', ')}) has ${name} (a typo, or a package of another repository)`;
}
