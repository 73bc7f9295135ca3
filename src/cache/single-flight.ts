/**
 * At most one run of `fn` per key at a time: concurrent callers for the same key share its promise
 * (and so its result, or its failure, once).
 */
export class SingleFlight<T> {
  readonly #inFlight = new Map<string, Promise<T>>();

  run(key: string, fn: () => Promise<T>): { promise: Promise<T>; shared: boolean } {
    const existing = this.#inFlight.get(key);
    if (existing) return { promise: existing, shared: true };
    const promise = fn().finally(() => this.#inFlight.delete(key));
    this.#inFlight.set(key, promise);
    return { promise, shared: false };
  }

  get size(): number {
    return this.#inFlight.size;
  }
}
