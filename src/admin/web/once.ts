import { randomBytes } from 'node:crypto';
import { LRUCache } from 'lru-cache';

/**
 * One-time form ids for the forms that issue a secret (create, regenerate, generate token). The
 * response to such a POST shows the secret, so reloading it without JavaScript would send the form
 * again and issue another one; a used id is remembered (in this process, for a day) so the repeat is
 * answered with a redirect to the page instead.
 */
export class OnceGuard {
  readonly #used = new LRUCache<string, true>({ max: 10_000, ttl: 24 * 60 * 60 * 1000 });

  /** A new id to put in a form. */
  issue(): string {
    return randomBytes(12).toString('base64url');
  }

  /** True the first time an id is used; false when it was used before. A missing or odd id counts as fresh. */
  use(id: unknown): boolean {
    if (typeof id !== 'string' || !/^[A-Za-z0-9_-]{16}$/.test(id)) return true;
    if (this.#used.has(id)) return false;
    this.#used.set(id, true);
    return true;
  }
}
