import { RepogateError } from '../errors.js';
import type { Metrics } from '../metrics/metrics.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { upstreamFailure } from './upstream-bodies.js';

export type UpstreamKind = 'document' | 'archive' | 'notify' | 'advisories';

export type UpstreamMetrics = Pick<Metrics, 'upstreamRequests' | 'upstreamDuration' | 'upstreamErrors' | 'circuitState'>;

/**
 * What every request to one upstream passes through: its circuit breaker, which lets requests go or
 * refuses them at once while the upstream keeps failing, and the metrics, which hear of each answer
 * and failure (labelled with the source).
 */
export class UpstreamGate {
  readonly #breaker: CircuitBreaker;
  readonly #metrics: UpstreamMetrics | undefined;
  readonly #source: string;
  readonly #timeoutMs: number;

  constructor(options: { source: string; timeoutMs: number; breaker: { failureThreshold: number; openMs: number } }, metrics: UpstreamMetrics | undefined) {
    this.#source = options.source;
    this.#timeoutMs = options.timeoutMs;
    this.#breaker = new CircuitBreaker(options.breaker);
    this.#metrics = metrics;
  }

  get circuit(): 'closed' | 'open' | 'half-open' {
    return this.#breaker.state;
  }

  /** Lets a request through the circuit breaker (or refuses it) and returns when it started. */
  admit(): number {
    const started = performance.now();
    const waitMs = this.#breaker.admit();
    this.#observeCircuit();
    if (waitMs > 0) {
      this.#metrics?.upstreamErrors.inc({ source: this.#source, code: 'CIRCUIT_OPEN' });
      throw new RepogateError(
        'UPSTREAM_UNAVAILABLE',
        `the upstream repository keeps failing; repogate will try it again in ${Math.ceil(waitMs / 1000)} s`,
      );
    }
    return started;
  }

  /** An answer came (any status): the breaker and the metrics hear of it. */
  answered(kind: UpstreamKind, status: number, started: number): void {
    if (status >= 500) this.#breaker.failed();
    else this.#breaker.succeeded();
    this.#observeCircuit();
    this.#metrics?.upstreamRequests.inc({ source: this.#source, kind, status: String(status) });
    this.#metrics?.upstreamDuration.observe({ source: this.#source, kind }, (performance.now() - started) / 1000);
  }

  /** An answer whose body could not be read (cut off, too slow, too large): the breaker counts it. */
  bodyFailed(): void {
    this.#breaker.failed();
  }

  /** No answer: the breaker and the metrics hear of it, and the error becomes a RepogateError. */
  failed(kind: UpstreamKind, error: unknown, url: URL, timedOut: boolean): RepogateError {
    this.#breaker.failed();
    this.#observeCircuit();
    const translated = upstreamFailure(error, url, timedOut, this.#timeoutMs);
    this.#metrics?.upstreamRequests.inc({ source: this.#source, kind, status: 'error' });
    this.#metrics?.upstreamErrors.inc({ source: this.#source, code: translated.code });
    return translated;
  }

  #observeCircuit(): void {
    this.#metrics?.circuitState.set({ source: this.#source }, { closed: 0, 'half-open': 1, open: 2 }[this.#breaker.state]);
  }
}
