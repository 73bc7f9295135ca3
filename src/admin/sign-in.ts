import { createHash, timingSafeEqual } from 'node:crypto';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { Logger } from '../logger.js';
import type { Registry } from '../registry/registry.js';
import { hashPassword, verifyPassword } from '../registry/secrets.js';
import { mageIdPattern } from '../registry/validation.js';
import type { AdminService } from './admin-service.js';
import { accountCaller, operatorCaller, type Caller } from './caller.js';

/** How many failed sign-ins are allowed, per client address and per MAGEID, within `windowSeconds`. */
export interface SignInLimits {
  readonly failuresPerAddress: number;
  readonly failuresPerMageId: number;
  readonly windowSeconds: number;
}

export const defaultSignInLimits: SignInLimits = Object.freeze({ failuresPerAddress: 20, failuresPerMageId: 5, windowSeconds: 900 });

export type SignInResult =
  /** `securityStamp`: an owner's account stamp, which the session must carry (none for the operator). */
  | { readonly ok: true; readonly caller: Caller; readonly securityStamp?: string }
  | { readonly ok: false; readonly code: 'AUTH_INVALID'; readonly message: string }
  | { readonly ok: false; readonly code: 'RATE_LIMITED'; readonly message: string; readonly retryAfterSeconds: number };

/** The one answer to a wrong MAGEID, a wrong password, or an account without a password: nothing more. */
export const wrongCredentials = 'wrong MAGEID or password';

/**
 * Checks sign-in credentials (an owner's MAGEID and password, or the operator's admin token) and
 * limits failures: per client address, and per MAGEID (the operator's token counts as one name).
 * Failed attempts are logged; successful sign-ins are recorded in the audit trail.
 */
export class SignIn {
  readonly #registry: Registry;
  readonly #admin: AdminService;
  readonly #adminTokenHash: Buffer | undefined;
  readonly #logger: Logger;
  readonly #byAddress: RateLimiterMemory;
  readonly #byName: RateLimiterMemory;
  readonly #limits: SignInLimits;
  #dummyHash: Promise<string> | undefined;

  constructor(deps: { registry: Registry; admin: AdminService; adminToken: string | undefined; logger: Logger; limits?: SignInLimits }) {
    this.#registry = deps.registry;
    this.#admin = deps.admin;
    this.#adminTokenHash = deps.adminToken === undefined ? undefined : digest(deps.adminToken);
    this.#logger = deps.logger;
    this.#limits = deps.limits ?? defaultSignInLimits;
    this.#byAddress = new RateLimiterMemory({ keyPrefix: 'address', points: this.#limits.failuresPerAddress, duration: this.#limits.windowSeconds });
    this.#byName = new RateLimiterMemory({ keyPrefix: 'mageid', points: this.#limits.failuresPerMageId, duration: this.#limits.windowSeconds });
  }

  /** Whether operator sign-in is possible at all (REPOGATE_ADMIN_TOKEN is set). */
  get operatorEnabled(): boolean {
    return this.#adminTokenHash !== undefined;
  }

  /** An account owner signs in with MAGEID and password. */
  async owner(mageIdInput: string, password: string, address: string, via: 'page' | 'api'): Promise<SignInResult> {
    const mageId = mageIdInput.trim().toUpperCase().slice(0, 64);
    const limited = await this.#limited(address, mageId);
    if (limited) return limited;
    const account = mageIdPattern.test(mageId) ? await this.#registry.accounts.find(mageId) : undefined;
    let securityStamp: string | undefined;
    if (account?.hasPassword === true && password.length <= 1024) {
      securityStamp = await this.#registry.accounts.verifyOwner(mageId, password);
    } else {
      // Spend the same time as a real check, so that the answer's timing doesn't tell which MAGEIDs exist.
      this.#dummyHash ??= hashPassword('no account has this password');
      await verifyPassword(password.slice(0, 1024), await this.#dummyHash);
    }
    if (securityStamp === undefined) return this.#failed(address, mageId, 'account');
    await this.#byName.delete(mageId);
    const caller = accountCaller(mageId);
    await this.#admin.record(caller, 'session.signed_in', { address, via });
    return { ok: true, caller, securityStamp };
  }

  /** The operator signs in with the admin token. */
  async operator(token: string, address: string, via: 'page' | 'api'): Promise<SignInResult> {
    const limited = await this.#limited(address, 'operator');
    if (limited) return limited;
    if (!this.tokenMatches(token)) return this.#failed(address, 'operator', 'operator');
    await this.#byName.delete('operator');
    await this.#admin.record(operatorCaller, 'session.signed_in', { address, via });
    return { ok: true, caller: operatorCaller };
  }

  /** Constant-time comparison with the admin token (false when none is configured). */
  tokenMatches(token: string): boolean {
    return this.#adminTokenHash !== undefined && timingSafeEqual(digest(token), this.#adminTokenHash);
  }

  /** For a bearer token the API refused: counts against the address, and says when it is blocked. */
  async bearerRefused(address: string): Promise<void> {
    await this.#byAddress.penalty(address, 1);
    this.#logger.warn({ address }, 'admin API: bearer token refused');
  }

  /** Seconds until the address may try again, when it has used up its failures; else undefined. */
  async addressBlocked(address: string): Promise<number | undefined> {
    return blockedFor(await this.#byAddress.get(address), this.#limits.failuresPerAddress);
  }

  async #limited(address: string, name: string): Promise<SignInResult | undefined> {
    const [byAddress, byName] = await Promise.all([this.#byAddress.get(address), this.#byName.get(name)]);
    const wait = Math.max(
      blockedFor(byAddress, this.#limits.failuresPerAddress) ?? 0,
      blockedFor(byName, this.#limits.failuresPerMageId) ?? 0,
    );
    if (wait === 0) return undefined;
    this.#logger.warn({ address, name }, 'sign-in refused: too many failed attempts');
    return {
      ok: false,
      code: 'RATE_LIMITED',
      message: `too many failed sign-in attempts: try again in ${describeWait(wait)}`,
      retryAfterSeconds: wait,
    };
  }

  async #failed(address: string, name: string, kind: 'account' | 'operator'): Promise<SignInResult> {
    await Promise.all([this.#byAddress.penalty(address, 1), this.#byName.penalty(name, 1)]);
    this.#logger.warn({ address, mageId: kind === 'account' ? name : undefined, kind }, 'sign-in failed');
    return { ok: false, code: 'AUTH_INVALID', message: kind === 'account' ? wrongCredentials : 'wrong admin token' };
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

function blockedFor(res: { consumedPoints: number; msBeforeNext: number } | null, points: number): number | undefined {
  if (res === null || res.consumedPoints < points) return undefined;
  return Math.max(1, Math.ceil(res.msBeforeNext / 1000));
}

function describeWait(seconds: number): string {
  return seconds < 90 ? `${seconds} seconds` : `${Math.ceil(seconds / 60)} minutes`;
}
