import type { Logger } from './logger.js';

/**
 * What a start-up opened, closed in the reverse order: the same stack serves a start-up that fails
 * half-way and the shutdown of a running server, so neither can forget a resource. A closer that
 * fails is logged; the others still run.
 */
export class Closers {
  readonly #logger: Logger;
  readonly #stack: Array<{ readonly what: string; readonly close: () => unknown }> = [];
  #closing: Promise<void> | undefined;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /** Registers how to close `what`, just opened. */
  add(what: string, close: () => unknown): void {
    this.#stack.push({ what, close });
  }

  /** Closes everything registered, last first; once, however often it is called. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      for (let entry = this.#stack.pop(); entry !== undefined; entry = this.#stack.pop()) {
        try {
          await entry.close();
        } catch (error) {
          this.#logger.warn({ err: error instanceof Error ? error.message : String(error), what: entry.what }, 'could not close cleanly');
        }
      }
    })();
    return this.#closing;
  }
}
