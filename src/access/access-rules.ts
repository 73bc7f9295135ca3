import type { ErrorCode } from '../errors.js';
import { rulesAllow, type PackageRule } from '../registry/rules.js';
import { addressAllowed, type CompiledGrant, type Principal } from './principal.js';

/** Why a request is refused; `code` maps to the HTTP status (401 for credentials, 403 otherwise). */
export interface Denial {
  readonly ok: false;
  readonly code: ErrorCode;
  readonly reason: string;
  /** For RATE_LIMITED: when to try again. */
  readonly retryAfterSeconds?: number;
}

export type AuthResult = { readonly ok: true; readonly principal: Principal } | Denial;

/** What a principal may see today: the rules of its unexpired grants, narrowed by the key's scope. */
export interface EffectiveAccess {
  readonly ok: true;
  readonly grants: readonly CompiledGrant[];
  readonly scope: readonly PackageRule[] | null;
  /** Identifies the rule set, for memoising what is rendered from it. */
  readonly fingerprint: string;
}

export type AccountAccess = EffectiveAccess | Denial;

export const deny = (code: ErrorCode, reason: string): Denial => ({ ok: false, code, reason });

/** Whether an allowed account may fetch one package: entitled by a grant and inside the key's scope. */
export function packageDenial(principal: Principal, access: EffectiveAccess, packageName: string): Denial | undefined {
  if (!access.grants.some((g) => rulesAllow(g.rules, packageName))) {
    return deny('NOT_ENTITLED', `account ${principal.accountId} is not entitled to ${packageName}`);
  }
  if (access.scope !== null && !rulesAllow(access.scope, packageName)) {
    return deny(
      'NOT_ENTITLED',
      `key "${principal.keyName}" is scoped to ${access.scope.map((r) => r.source).join(', ')}; ${packageName} is outside its scope`,
    );
  }
  return undefined;
}

/**
 * Whether the key itself may be used today from `address`: enabled, not past its last day, and inside
 * its networks. Without an address (an explanation asked for no particular one) the networks are not
 * checked.
 */
export function keyDenial(principal: Principal, today: string, address: string | undefined): Denial | undefined {
  const label = `key "${principal.keyName}" (${principal.publicKey})`;
  if (principal.keyStatus === 'disabled') return deny('KEY_DISABLED', `${label} is disabled`);
  if (principal.keyExpiresOn !== null && today > principal.keyExpiresOn) {
    return deny('KEY_EXPIRED', `${label} expired on ${principal.keyExpiresOn}`);
  }
  if (address !== undefined && !addressAllowed(principal.networks, address)) {
    return deny('ADDRESS_NOT_ALLOWED', `${label} may not be used from ${address}`);
  }
  return undefined;
}

/** A grant counts up to and including its last day (UTC dates `YYYY-MM-DD`). */
export function grantActive(grant: CompiledGrant, today: string): boolean {
  return grant.expiresOn === null || grant.expiresOn >= today;
}

export function computeAccountAccess(principal: Principal, today: string): AccountAccess {
  if (principal.accountStatus === 'suspended') {
    return deny('ACCOUNT_SUSPENDED', `account ${principal.accountId} suspended: ${principal.suspensionReason ?? 'no reason given'}`);
  }
  const active = principal.grants.filter((g) => grantActive(g, today));
  if (active.length === 0) {
    const expired = [...principal.grants].sort((a, b) => (b.expiresOn ?? '').localeCompare(a.expiresOn ?? ''))[0];
    return expired
      ? deny('NO_ACTIVE_GRANT', `grant '${expired.entitlement}' of account ${principal.accountId} expired on ${expired.expiresOn}`)
      : deny('NO_ACTIVE_GRANT', `account ${principal.accountId} has no entitlement granted`);
  }
  const fingerprint = JSON.stringify([
    active.map((g) => g.rules.map((r) => r.source)),
    principal.scope?.map((r) => r.source) ?? null,
  ]);
  return { ok: true, grants: active, scope: principal.scope, fingerprint };
}
