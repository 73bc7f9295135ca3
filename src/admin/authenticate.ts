import type { Request } from 'express';
import { LRUCache } from 'lru-cache';
import type { ErrorCode } from '../errors.js';
import type { ClientAddress } from '../http/client-address.js';
import type { Registry } from '../registry/registry.js';
import type { Caller } from './caller.js';
import { csrfMatches } from './web/csrf.js';
import { readCookies } from './web/cookies.js';
import { sessionCookieName, type Session, type SessionCodec } from './web/session.js';
import type { SignIn } from './sign-in.js';

export type Authentication =
  | { readonly ok: true; readonly caller: Caller; readonly via: 'admin-token' | 'bearer-session' | 'cookie-session'; readonly session?: Session }
  | { readonly ok: false; readonly code: ErrorCode; readonly message: string; readonly retryAfterSeconds?: number };

const unsafeMethods = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Who is calling: the admin token as a bearer token, a session token as a bearer token, or the
 * page's session cookie. A cookie-authenticated change (POST, PUT, PATCH, DELETE) must carry the
 * session's CSRF token in `X-CSRF-Token`; a bearer token needs none, as browsers never send one on
 * their own. Refused bearer tokens count against the client's address like failed sign-ins.
 */
export class Authenticator {
  readonly #codec: SessionCodec;
  readonly #signIn: SignIn;
  readonly #registry: Registry;
  readonly #clientAddress: ClientAddress;
  /** Sessions ended by signing out, until they would have expired (this process only). */
  readonly #ended = new LRUCache<string, true>({ max: 20_000, ttlAutopurge: false });

  constructor(deps: { codec: SessionCodec; signIn: SignIn; registry: Registry; clientAddress: ClientAddress }) {
    this.#codec = deps.codec;
    this.#signIn = deps.signIn;
    this.#registry = deps.registry;
    this.#clientAddress = deps.clientAddress;
  }

  /**
   * The session in a token, if it is genuine, unexpired, and (for an account owner) opened under the
   * account's current security stamp: setting the password, suspending, deleting the account or
   * signing out everywhere ends its sessions, on every instance, from the next request on (the stamp
   * is read from the registry each time).
   */
  async session(token: string | undefined): Promise<Session | undefined> {
    const session = this.#codec.read(token);
    if (session === undefined || this.#ended.has(session.id)) return undefined;
    if (session.caller.kind === 'account') {
      const stamp = await this.#registry.accounts.sessionStamp(session.caller.accountId);
      if (stamp === undefined || stamp !== session.securityStamp) return undefined;
    }
    return session;
  }

  /**
   * Ends a session: this process refuses it from now on, even though its token would still verify.
   * (Sessions are stateless; other instances accept the token until it expires.)
   */
  end(session: Session): void {
    const ttl = session.expiresAtMs - Date.now();
    if (ttl > 0) this.#ended.set(session.id, true, { ttl });
  }

  /** Authenticates a request to the JSON API. */
  async api(req: Request): Promise<Authentication> {
    const address = this.#clientAddress(req);
    const authorization = req.headers.authorization;
    if (authorization !== undefined) {
      const blocked = await this.#signIn.addressBlocked(address);
      if (blocked !== undefined) {
        return { ok: false, code: 'RATE_LIMITED', message: `too many refused tokens from ${address}: try again later`, retryAfterSeconds: blocked };
      }
      const match = /^Bearer +([\x21-\x7e]+) *$/i.exec(authorization);
      if (match?.[1] === undefined) {
        await this.#signIn.bearerRefused(address);
        return { ok: false, code: 'AUTH_INVALID', message: 'the Authorization header must be "Bearer <admin token or session token>"' };
      }
      const token = match[1];
      if (this.#signIn.tokenMatches(token)) return { ok: true, caller: { kind: 'operator' }, via: 'admin-token' };
      const session = await this.session(token);
      if (session) return { ok: true, caller: session.caller, via: 'bearer-session', session };
      await this.#signIn.bearerRefused(address);
      return { ok: false, code: 'AUTH_INVALID', message: 'the bearer token is neither the admin token nor a valid session token' };
    }
    const cookie = readCookies(req)[sessionCookieName];
    if (cookie !== undefined) {
      const session = await this.session(cookie);
      if (session) {
        if (unsafeMethods.has(req.method) && !csrfMatches(this.#codec, session.id, req.headers['x-csrf-token'])) {
          return { ok: false, code: 'CSRF_INVALID', message: 'missing or wrong X-CSRF-Token header for a request made with the session cookie' };
        }
        return { ok: true, caller: session.caller, via: 'cookie-session', session };
      }
    }
    return { ok: false, code: 'AUTH_REQUIRED', message: 'authentication required: send "Authorization: Bearer <admin token or session token>"' };
  }
}
