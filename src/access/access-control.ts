import { LRUCache } from 'lru-cache';
import { timingSafeEqual } from 'node:crypto';
import { RepogateError } from '../errors.js';
import type { Registry } from '../registry/registry.js';
import { hashSecret, keyStringPattern } from '../registry/secrets.js';
import { computeAccountAccess, deny, keyDenial, packageDenial, type AccountAccess, type AuthResult, type Denial, type EffectiveAccess } from './access-rules.js';
import type { AuthThrottle } from './auth-throttle.js';
import { parseBasicAuthorization } from './basic-auth.js';
import { loadPrincipal, type CachedKey } from './load-principal.js';
import { addressAllowed, type Principal } from './principal.js';


export type Decision = { readonly ok: true; readonly principal: Principal } | Denial;

/** What `allowedPrincipal` remembers of one Authorization header. */
interface AllowedRequests {
  readonly principal: Principal;
  /** The day (since the epoch, UTC) the answers were given: expiry dates change them. */
  readonly day: number;
  readonly packages: Set<string>;
}

const maxAllowedHeaders = 20_000;
const maxPackagesPerKey = 10_000;



/**
 * Answers "may this key fetch this package now?". Verified keys are kept in memory (with their
 * account and grants), so the common path is a map lookup and a hash; any registry change — in this
 * process, or seen through the registry version from another — empties the cache.
 */
export class AccessControl {
  readonly #registry: Registry;
  readonly #nowMs: () => number;
  readonly #throttle: AuthThrottle | undefined;
  readonly #keys = new LRUCache<string, CachedKey | 'unknown'>({ max: 20_000 });
  /** Authorization header → public key, for headers already verified since the last change. */
  readonly #verified = new LRUCache<string, string>({ max: 20_000 });
  readonly #effective = new LRUCache<string, EffectiveAccess | Denial>({ max: 20_000 });
  /** Authorization header → requests `checkAccess` allowed since the last change (see `allowedPrincipal`). */
  readonly #allowed = new Map<string, AllowedRequests>();
  /** Bumped by every invalidation, so that a check that started before one doesn't record its answer. */
  #generation = 0;
  #knownVersion = -1;
  #day = -1;
  #dayText = '';
  #timer: NodeJS.Timeout | undefined;
  readonly #invalidated = new Set<() => void>();

  constructor(registry: Registry, options: { now?: () => Date; throttle?: AuthThrottle } = {}) {
    this.#registry = registry;
    const now = options.now;
    this.#nowMs = now ? () => now().getTime() : Date.now;
    this.#throttle = options.throttle;
    registry.onChange(() => this.invalidate());
  }

  /** Drops every cached credential. */
  invalidate(): void {
    this.#generation += 1;
    this.#allowed.clear();
    this.#keys.clear();
    this.#verified.clear();
    this.#effective.clear();
    for (const listener of this.#invalidated) listener();
  }

  /**
   * Calls `listener` whenever the cached credentials are dropped: something changed in the
   * registry, in this process or (seen through the version or the change feed) another.
   */
  onInvalidate(listener: () => void): void {
    this.#invalidated.add(listener);
  }

  /**
   * Polls the registry version so that changes made by another process (the CLI, another instance)
   * take effect within `intervalMs`.
   */
  watch(intervalMs: number, onError: (error: unknown) => void): void {
    const poll = async (): Promise<void> => {
      try {
        const version = await this.#registry.version();
        if (version !== this.#knownVersion) {
          if (this.#knownVersion !== -1) this.invalidate();
          this.#knownVersion = version;
        }
      } catch (error) {
        onError(error);
      }
    };
    void poll();
    this.#timer = setInterval(() => void poll(), intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
  }

  /**
   * Verifies the Authorization header and the key's own state (enabled, unexpired, address). The
   * secret is checked before the failure limits: a correct key pair is always served, and only a
   * wrong guess is counted and, once a limit is used up, refused with RATE_LIMITED.
   */
  async authenticate(authorization: string | undefined, address: string): Promise<AuthResult> {
    let principal: Principal | undefined;
    const verifiedKey = authorization === undefined ? undefined : this.#verified.get(authorization);
    const cachedVerified = verifiedKey === undefined ? undefined : this.#keys.get(verifiedKey);
    if (cachedVerified !== undefined && cachedVerified !== 'unknown') {
      principal = cachedVerified.principal;
    } else {
      const presented = parseBasicAuthorization(authorization);
      if (presented.kind === 'none') {
        return deny('AUTH_REQUIRED', 'authentication required: use your repogate public key as username and private key as password');
      }
      if (presented.kind === 'malformed') return this.#wrongGuess(undefined, address, presented.reason);
      const { username, password } = presented;
      if (!keyStringPattern.test(username)) {
        return this.#wrongGuess(undefined, address, 'the username must be a public key of 32 hexadecimal characters');
      }
      const cached = await this.#load(username);
      if (cached === 'unknown') return this.#wrongGuess(username, address, `unknown public key ${username}`);
      const presentedHash = Buffer.from(hashSecret(password), 'hex');
      if (!timingSafeEqual(presentedHash, cached.hash)) return this.#wrongGuess(username, address, `wrong private key for public key ${username}`);
      this.#verified.set(authorization!, username);
      principal = cached.principal;
    }
    return this.#checkKeyState(principal, address);
  }

  /**
   * The answer to credentials that did not verify: counted against the public key (when the username
   * is one) and the address; 401 while under both limits, else 429 naming the limit that fired (the
   * address limit never names a key: it is not the client's to know whose key is under attack).
   */
  async #wrongGuess(publicKey: string | undefined, address: string, reason: string): Promise<Denial> {
    const exceeded = await this.#throttle?.recordFailure(publicKey, address);
    if (exceeded === undefined) return deny('AUTH_INVALID', `invalid credentials: ${reason}`);
    const wait = exceeded.retryAfterSeconds;
    const reasonText =
      exceeded.limit === 'address'
        ? `too many failed authentications from your address ${address}; try again in ${wait} s (a correct key pair is still accepted)`
        : `too many failed authentications against public key ${publicKey ?? ''}; try again in ${wait} s (its correct private key is still accepted)`;
    return { ...deny('RATE_LIMITED', reasonText), retryAfterSeconds: wait };
  }

  /** What the principal's account may see today, or why it may see nothing (suspended, no unexpired grant). */
  accountAccess(principal: Principal): AccountAccess {
    const today = this.#today();
    const memoKey = `${principal.publicKey}|${today}`;
    const memo = this.#effective.get(memoKey);
    if (memo) return memo;
    const result = computeAccountAccess(principal, today);
    this.#effective.set(memoKey, result);
    return result;
  }

  /** The one question: may this Authorization header, from this address, fetch this package now? */
  async checkAccess(request: { authorization: string | undefined; address: string; packageName: string }): Promise<Decision> {
    const generation = this.#generation;
    const auth = await this.authenticate(request.authorization, request.address);
    if (!auth.ok) return auth;
    const access = this.accountAccess(auth.principal);
    if (!access.ok) return access;
    const denial = packageDenial(auth.principal, access, request.packageName);
    if (denial) return denial;
    if (generation === this.#generation && request.authorization !== undefined) this.#remember(request.authorization, auth.principal, request.packageName);
    return auth;
  }

  /**
   * The hot path's shortcut: the principal `checkAccess` allowed for this same Authorization header
   * and package today, when nothing changed in the registry since (any change empties these answers)
   * and the address is still inside the key's networks; otherwise undefined, and the caller asks
   * `checkAccess`. Synchronous: no promise, no secret hashed, two map lookups.
   */
  allowedPrincipal(authorization: string | undefined, address: string, packageName: string): Principal | undefined {
    if (authorization === undefined) return undefined;
    const allowed = this.#allowed.get(authorization);
    if (allowed === undefined || !allowed.packages.has(packageName) || allowed.day !== this.#dayNumber()) return undefined;
    const principal = allowed.principal;
    return principal.networks === null || addressAllowed(principal.networks, address) ? principal : undefined;
  }

  #remember(authorization: string, principal: Principal, packageName: string): void {
    const day = this.#dayNumber();
    let allowed = this.#allowed.get(authorization);
    if (allowed === undefined || allowed.principal !== principal || allowed.day !== day || allowed.packages.size >= maxPackagesPerKey) {
      if (this.#allowed.size >= maxAllowedHeaders) this.#allowed.clear();
      allowed = { principal, day, packages: new Set() };
      this.#allowed.set(authorization, allowed);
    }
    allowed.packages.add(packageName);
  }

  #checkKeyState(principal: Principal, address: string): AuthResult {
    return keyDenial(principal, this.#today(), address) ?? { ok: true, principal };
  }

  /** Days since the epoch (UTC). */
  #dayNumber(): number {
    return Math.floor(this.#nowMs() / 86_400_000);
  }

  /** Today's UTC date `YYYY-MM-DD`, formatted once a day rather than on every request. */
  #today(): string {
    const day = this.#dayNumber();
    if (day !== this.#day) {
      this.#day = day;
      this.#dayText = new Date(day * 86_400_000).toISOString().slice(0, 10);
    }
    return this.#dayText;
  }

  async #load(publicKey: string): Promise<CachedKey | 'unknown'> {
    const hit = this.#keys.get(publicKey);
    if (hit !== undefined) return hit;
    let loaded: CachedKey | 'unknown';
    try {
      loaded = await loadPrincipal(this.#registry, publicKey);
    } catch (error) {
      throw new RepogateError('REGISTRY_UNAVAILABLE', 'the key registry cannot be reached; try again shortly', { cause: error });
    }
    this.#keys.set(publicKey, loaded);
    return loaded;
  }
}
