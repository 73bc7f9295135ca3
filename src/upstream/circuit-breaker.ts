/**
 * Stops hammering an upstream that keeps failing: after `failureThreshold` consecutive failures the
 * circuit opens and requests fail at once for `openMs`; then one probe is let through (half-open)
 * and its outcome closes the circuit again or reopens it.
 */
export class CircuitBreaker {
  readonly #failureThreshold: number;
  readonly #openMs: number;
  readonly #now: () => number;
  #failures = 0;
  #openedAt: number | undefined;
  #probing = false;

  constructor(options: { failureThreshold: number; openMs: number; now?: () => number }) {
    this.#failureThreshold = options.failureThreshold;
    this.#openMs = options.openMs;
    this.#now = options.now ?? Date.now;
  }

  get state(): 'closed' | 'open' | 'half-open' {
    if (this.#openedAt === undefined) return 'closed';
    return this.#now() - this.#openedAt >= this.#openMs ? 'half-open' : 'open';
  }

  /** Milliseconds until a request may be tried, or 0 when one may go now (and, half-open, is the probe). */
  admit(): number {
    const state = this.state;
    if (state === 'closed') return 0;
    if (state === 'half-open' && !this.#probing) {
      this.#probing = true;
      return 0;
    }
    return Math.max(1, this.#openMs - (this.#now() - (this.#openedAt ?? 0)));
  }

  succeeded(): void {
    this.#failures = 0;
    this.#openedAt = undefined;
    this.#probing = false;
  }

  failed(): void {
    this.#failures += 1;
    if (this.#probing || this.#failures >= this.#failureThreshold) this.#openedAt = this.#now();
    this.#probing = false;
  }
}
