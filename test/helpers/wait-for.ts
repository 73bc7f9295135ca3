import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitOptions {
  /**
   * What is awaited, for the failure message: "timed out after 5000 ms waiting for <what>". A
   * function is called only then (to add, say, a server's log at that moment).
   */
  readonly what: string | (() => string);
  /** Give up after this long (default 5000 ms). */
  readonly timeoutMs?: number;
  /** Pause between checks (default 5 ms); longer when a check is costly, such as spawning the CLI. */
  readonly intervalMs?: number;
  /**
   * Treat a check that throws as "not yet" (a server that is not listening yet, say) and name the
   * last error on timeout. Off by default: an assertion failing inside a check fails the wait at once.
   */
  readonly retryErrors?: boolean;
}

/**
 * Waits until `condition` holds, checking at once and then every `intervalMs`; rejects, naming
 * `what`, when it still does not hold after `timeoutMs`.
 *
 * Use this instead of a fixed sleep wherever a test waits for something to happen: it is as fast as
 * the behaviour allows, and says what never happened instead of failing an assertion made too early.
 */
export async function waitFor(condition: () => boolean | Promise<boolean>, options: WaitOptions): Promise<void> {
  await waitForValue(async () => ((await condition()) ? true : undefined), options);
}

/** Like {@link waitFor}, for a check that finds something: resolves to the first value that is not undefined. */
export async function waitForValue<T>(find: () => T | undefined | Promise<T | undefined>, options: WaitOptions): Promise<T> {
  const { what, timeoutMs = 5000, intervalMs = 5, retryErrors = false } = options;
  const deadline = performance.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await find();
      if (value !== undefined) return value;
    } catch (error) {
      if (!retryErrors) throw error;
      lastError = error;
    }
    if (performance.now() >= deadline) {
      const cause = lastError === undefined ? '' : ` (last check threw: ${lastError instanceof Error ? lastError.message : String(lastError)})`;
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}${cause}`);
    }
    await sleep(intervalMs);
  }
}
