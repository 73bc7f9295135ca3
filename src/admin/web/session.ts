import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import type { Config } from '../../config.js';
import type { Logger } from '../../logger.js';
import { accountCaller, operatorCaller, type Caller } from '../caller.js';

/** Name of the session cookie of the Access Keys page. */
export const sessionCookieName = 'repogate_session';

/** A session lasts a working day from sign-in; then the page asks to sign in again. */
export const sessionLifetimeMs = 8 * 60 * 60 * 1000;

const payloadSchema = z.object({
  v: z.literal(1),
  /** Random id: what CSRF tokens are bound to, so that each sign-in gets new ones. */
  sid: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/),
  sub: z.union([
    z.object({ type: z.literal('operator'), fp: z.string() }),
    /** `st`: the account's security stamp at sign-in (registry/accounts.ts); sessions without one are from before stamps and end. */
    z.object({ type: z.literal('account'), id: z.string(), st: z.string().max(64) }),
  ]),
  iat: z.number().int(),
  exp: z.number().int(),
});

export type SessionPayload = z.infer<typeof payloadSchema>;

/** A session read back from its token. */
export interface Session {
  readonly id: string;
  readonly caller: Caller;
  /** For an account owner's session: the account's security stamp when it was opened. */
  readonly securityStamp: string | undefined;
  readonly issuedAtMs: number;
  readonly expiresAtMs: number;
}

/**
 * Stateless, signed sessions: `base64url(JSON payload).base64url(HMAC-SHA256(secret, payload))`.
 * Nothing is kept on the server, so every instance with the same secret accepts the same sessions.
 * The same token works as the session cookie of the page and as a bearer token for the admin API.
 * An operator session carries a fingerprint of the admin token, so changing REPOGATE_ADMIN_TOKEN
 * ends every operator session; an owner's session carries the account's security stamp, which the
 * Authenticator compares with the registry's on every request.
 */
export class SessionCodec {
  readonly #secret: Buffer;
  readonly #adminToken: string | undefined;

  constructor(secret: Buffer, adminToken: string | undefined) {
    this.#secret = secret;
    this.#adminToken = adminToken;
  }

  /**
   * A new session for `caller`, valid for {@link sessionLifetimeMs}. An account owner's session needs
   * the account's security stamp as it was when the password was checked.
   */
  issue(caller: Caller, options: { securityStamp?: string | undefined; nowMs?: number } = {}): { token: string; session: Session } {
    const nowMs = options.nowMs ?? Date.now();
    const sid = randomBytes(18).toString('base64url');
    let sub: SessionPayload['sub'];
    if (caller.kind === 'operator') {
      sub = { type: 'operator', fp: this.#operatorFingerprint() };
    } else {
      if (options.securityStamp === undefined) throw new Error('an account session needs the account’s security stamp');
      sub = { type: 'account', id: caller.accountId, st: options.securityStamp };
    }
    const payload: SessionPayload = { v: 1, sid, sub, iat: Math.floor(nowMs / 1000), exp: Math.floor((nowMs + sessionLifetimeMs) / 1000) };
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    const token = `${body}.${this.#sign(body)}`;
    const securityStamp = sub.type === 'account' ? sub.st : undefined;
    return { token, session: { id: sid, caller, securityStamp, issuedAtMs: payload.iat * 1000, expiresAtMs: payload.exp * 1000 } };
  }

  /** The session in `token`, or undefined when it is malformed, forged, expired or no longer valid. */
  read(token: string | undefined, nowMs: number = Date.now()): Session | undefined {
    if (token === undefined || token.length > 2048) return undefined;
    const [body, signature, extra] = token.split('.');
    if (body === undefined || signature === undefined || extra !== undefined) return undefined;
    const expected = Buffer.from(this.#sign(body));
    const presented = Buffer.from(signature);
    if (expected.length !== presented.length || !timingSafeEqual(expected, presented)) return undefined;
    let decoded: unknown;
    try {
      decoded = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    } catch {
      return undefined;
    }
    const parsed = payloadSchema.safeParse(decoded);
    if (!parsed.success) return undefined;
    const payload = parsed.data;
    if (payload.exp * 1000 <= nowMs) return undefined;
    let caller: Caller;
    let securityStamp: string | undefined;
    if (payload.sub.type === 'operator') {
      if (this.#adminToken === undefined || !fingerprintsMatch(payload.sub.fp, this.#operatorFingerprint())) return undefined;
      caller = operatorCaller;
    } else {
      caller = accountCaller(payload.sub.id);
      securityStamp = payload.sub.st;
    }
    return { id: payload.sid, caller, securityStamp, issuedAtMs: payload.iat * 1000, expiresAtMs: payload.exp * 1000 };
  }

  /** HMAC of `purpose|value` with the session secret, base64url: for CSRF tokens and fingerprints. */
  mac(purpose: string, value: string): string {
    return createHmac('sha256', this.#secret).update(`${purpose}|${value}`).digest('base64url');
  }

  #sign(body: string): string {
    return this.mac('session', body);
  }

  #operatorFingerprint(): string {
    return this.mac('operator', this.#adminToken ?? '').slice(0, 22);
  }
}

function fingerprintsMatch(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * The secret sessions are signed with: REPOGATE_SESSION_SECRET; else derived from
 * REPOGATE_ADMIN_TOKEN (so instances that share the token share sessions); else random for this
 * process, with a warning, because sessions then end when the process does and aren't shared.
 */
export function resolveSessionSecret(config: Pick<Config, 'sessionSecret' | 'adminToken'>, logger: Logger): Buffer {
  if (config.sessionSecret !== undefined) return createHmac('sha256', 'repogate session secret').update(config.sessionSecret).digest();
  if (config.adminToken !== undefined) {
    return createHmac('sha256', 'repogate session secret from the admin token').update(config.adminToken).digest();
  }
  logger.warn(
    'REPOGATE_SESSION_SECRET and REPOGATE_ADMIN_TOKEN are unset: the Access Keys page signs sessions with a random secret, so they end when this process stops and other instances do not accept them',
  );
  return randomBytes(32);
}
