import { RepogateError } from '../errors.js';
import type { Actor } from '../registry/context.js';

/**
 * Who is calling the admin API or using the page: the operator (the admin token, directly or through
 * a session opened with it) or the owner of one account (a session opened with MAGEID and password).
 */
export type Caller = { readonly kind: 'operator' } | { readonly kind: 'account'; readonly accountId: string };

export const operatorCaller: Caller = Object.freeze({ kind: 'operator' });

export function accountCaller(accountId: string): Caller {
  return Object.freeze({ kind: 'account', accountId });
}

/** The actor recorded in the audit trail: `operator/admin-token` or `account/<MAGEID>`. */
export function actorOf(caller: Caller): Actor {
  return caller.kind === 'operator' ? { type: 'operator', id: 'admin-token' } : { type: 'account', id: caller.accountId };
}

/** Refuses anyone but the operator: FORBIDDEN, `only the operator may <what>`. */
export function assertOperator(caller: Caller, what: string): void {
  if (caller.kind !== 'operator') throw new RepogateError('FORBIDDEN', `only the operator may ${what}`);
}
