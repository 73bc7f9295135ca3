import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { SessionCodec } from './session.js';

/** Name of the cookie that holds the CSRF seed of a visitor who has not signed in yet. */
export const csrfSeedCookieName = 'repogate_csrf';

/** Name of the form field (and, for the API with a session cookie, the header is `X-CSRF-Token`). */
export const csrfFieldName = '_csrf';

/** A new random seed for a visitor without a session. */
export function newCsrfSeed(): string {
  return randomBytes(18).toString('base64url');
}

/**
 * CSRF tokens are an HMAC of a seed the attacker can't read: the session id once signed in, or the
 * seed cookie before (so the sign-in form is protected too). Nothing is stored on the server.
 */
export function csrfToken(codec: SessionCodec, seed: string): string {
  return codec.mac('csrf', seed);
}

/** True when `presented` is the token for `seed` (constant time). */
export function csrfMatches(codec: SessionCodec, seed: string | undefined, presented: unknown): boolean {
  if (seed === undefined || typeof presented !== 'string' || presented.length === 0) return false;
  const expected = Buffer.from(csrfToken(codec, seed));
  const given = Buffer.from(presented);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
