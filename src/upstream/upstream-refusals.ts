import { RepogateError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics/metrics.js';

/**
 * `401`s in a row (no success between them) on paths other than the root document after which they
 * are read as the upstream refusing the organisation's keys, not as one file refused.
 */
export const unauthorizedStreakAlarm = 3;

/** Why the upstream refuses or lacks one file while the rest works: the one line clients and the log give. */
export const notEntitledCause = "the organisation's upstream keys are not entitled to it, or it does not exist upstream";

/** How one client reads the `401`s and `403`s it gets (see `check`), with the state that takes. */
export class UpstreamRefusals {
  readonly #origin: string;
  readonly #rootPath: string;
  readonly #perPathRefusals: boolean;
  readonly #source: string;
  readonly #logger: Logger;
  readonly #metrics: Pick<Metrics, 'upstreamErrors'> | undefined;
  /** 401s answered in a row for paths other than the root document. */
  #unauthorizedStreak = 0;
  /** The root document was refused, and nothing has succeeded since: every refusal is the credentials'. */
  #rootRefused = false;

  constructor(options: { origin: string; rootPath: string; perPathRefusals: boolean; source: string }, logger: Logger, metrics: Pick<Metrics, 'upstreamErrors'> | undefined) {
    this.#origin = options.origin;
    this.#rootPath = options.rootPath;
    this.#perPathRefusals = options.perPathRefusals;
    this.#source = options.source;
    this.#logger = logger;
    this.#metrics = metrics;
  }

  /**
   * A `401`/`403` is the upstream refusing the organisation's keys (UPSTREAM_AUTH: logged at error
   * level, counted, a 502 to clients) when it is for the root document (or comes after the root was
   * refused, with no success since), or the latest of `unauthorizedStreakAlarm` 401s in a row. For any
   * other single path it refuses that file only: the organisation's keys are not entitled to it, or it
   * does not exist upstream (UPSTREAM_NOT_ENTITLED, a 404 to clients, which the caller logs naming the
   * package). Any answer below 400 ends a streak.
   */
  check(status: number, url: URL, kind: 'document' | 'archive'): void {
    if (status !== 401 && status !== 403) {
      if (status < 400) {
        this.#unauthorizedStreak = 0;
        this.#rootRefused = false;
      }
      return;
    }
    if (url.origin !== this.#origin) {
      // Another host (an archive on GitHub, say) refusing: not the source's credentials, which it never got.
      this.#metrics?.upstreamErrors.inc({ source: this.#source, code: 'UPSTREAM_NOT_ENTITLED' });
      throw new RepogateError('UPSTREAM_NOT_ENTITLED', `the archive's host ${url.host} refused it (HTTP ${status})`);
    }
    const root = url.pathname === this.#rootPath;
    if (root) this.#rootRefused = true;
    else if (status === 401) this.#unauthorizedStreak++;
    if (this.#rootRefused || !this.#perPathRefusals || (status === 401 && this.#unauthorizedStreak >= unauthorizedStreakAlarm)) {
      this.#metrics?.upstreamErrors.inc({ source: this.#source, code: 'UPSTREAM_AUTH' });
      this.#logger.error(
        { upstreamStatus: status, path: url.pathname, source: this.#source },
        this.#source === 'default'
          ? 'UPSTREAM REFUSED THE ORGANISATION KEYS: check REPOGATE_UPSTREAM_USERNAME / REPOGATE_UPSTREAM_PASSWORD and the account behind them'
          : `UPSTREAM REFUSED THE KEYS OF SOURCE ${this.#source}: check its credentials (repogate sources remove ${this.#source}, then sources add with the right ones)`,
      );
      throw new RepogateError(
        'UPSTREAM_AUTH',
        `the upstream repository refused repogate's own credentials (HTTP ${status}); the operator has been alerted`,
      );
    }
    this.#metrics?.upstreamErrors.inc({ source: this.#source, code: 'UPSTREAM_NOT_ENTITLED' });
    throw new RepogateError(
      'UPSTREAM_NOT_ENTITLED',
      `the upstream repository refused ${kind === 'archive' ? 'this archive' : "this package's metadata"} (HTTP ${status}): ${notEntitledCause}`,
    );
  }
}
