import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { BoundCounter, BoundHistogram } from './bound-metrics.js';

const prefix = 'repogate_';

/**
 * repogate's Prometheus metrics, in a registry of their own (not prom-client's global one), all
 * prefixed `repogate_`. Modules receive this object and update what concerns them.
 */
export interface Metrics {
  readonly registry: Registry;
  readonly httpRequests: BoundCounter<'listener' | 'route' | 'status'>;
  readonly httpDuration: BoundHistogram<'listener' | 'route'>;
  readonly cacheLookups: BoundCounter<'tier' | 'outcome'>;
  readonly upstreamRequests: Counter<'source' | 'kind' | 'status'>;
  readonly upstreamDuration: Histogram<'source' | 'kind'>;
  readonly upstreamErrors: Counter<'source' | 'code'>;
  readonly singleFlightWaits: Counter;
  readonly authRefusals: Counter<'code'>;
  readonly circuitState: Gauge<'source'>;
  readonly archiveCacheBytes: Gauge;
  readonly archiveCacheEvictions: Counter;
  readonly registryKeys: Gauge<'status'>;
  readonly registryAccounts: Gauge<'status'>;
}

export function createMetrics(options: { processMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry, prefix });
  const registers = [registry];
  return {
    registry,
    // The three metrics every request updates are bound series (bound-metrics.ts); the rest are prom-client's.
    httpRequests: new BoundCounter({
      name: `${prefix}http_requests_total`,
      help: 'HTTP requests answered, by listener (composer, admin), route and status code',
      labelNames: ['listener', 'route', 'status'],
      registers,
    }),
    httpDuration: new BoundHistogram({
      name: `${prefix}http_request_duration_seconds`,
      help: 'Time to answer an HTTP request (to the last byte), by listener and route',
      labelNames: ['listener', 'route'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    cacheLookups: new BoundCounter({
      name: `${prefix}cache_lookups_total`,
      help: 'Metadata cache lookups by tier that answered (memory, redis, upstream) and outcome (hit, miss, stale, revalidated)',
      labelNames: ['tier', 'outcome'],
      registers,
    }),
    upstreamRequests: new Counter({
      name: `${prefix}upstream_requests_total`,
      help: 'Requests sent to upstream sources, by source (`default`: the environment\'s upstream), kind (document, archive, notify, advisories) and status (HTTP code or error)',
      labelNames: ['source', 'kind', 'status'],
      registers,
    }),
    upstreamDuration: new Histogram({
      name: `${prefix}upstream_request_duration_seconds`,
      help: 'Upstream response time by source and kind (to the headers for archives, to the whole body for documents)',
      labelNames: ['source', 'kind'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    upstreamErrors: new Counter({
      name: `${prefix}upstream_errors_total`,
      help: 'Upstream failures by source and error code (UPSTREAM_UNAVAILABLE, UPSTREAM_TIMEOUT, UPSTREAM_AUTH, UPSTREAM_NOT_ENTITLED, UPSTREAM_INVALID)',
      labelNames: ['source', 'code'],
      registers,
    }),
    singleFlightWaits: new Counter({
      name: `${prefix}single_flight_waits_total`,
      help: 'Requests that waited for an upstream fetch already in flight instead of making their own',
      registers,
    }),
    authRefusals: new Counter({
      name: `${prefix}auth_refusals_total`,
      help: 'Refused requests by reason code (AUTH_INVALID, KEY_DISABLED, RATE_LIMITED, NOT_ENTITLED, …)',
      labelNames: ['code'],
      registers,
    }),
    circuitState: new Gauge({
      name: `${prefix}upstream_circuit_state`,
      help: 'Upstream circuit breaker by source: 0 closed, 1 half-open (probing), 2 open (failing fast)',
      labelNames: ['source'],
      registers,
    }),
    archiveCacheBytes: new Gauge({
      name: `${prefix}archive_cache_bytes`,
      help: 'Bytes held by the archive disk cache',
      registers,
    }),
    archiveCacheEvictions: new Counter({
      name: `${prefix}archive_cache_evictions_total`,
      help: 'Archives evicted from the disk cache to stay within its size bound',
      registers,
    }),
    registryKeys: new Gauge({
      name: `${prefix}registry_keys`,
      help: 'Access keys in the registry by status',
      labelNames: ['status'],
      registers,
    }),
    registryAccounts: new Gauge({
      name: `${prefix}registry_accounts`,
      help: 'Accounts in the registry by status',
      labelNames: ['status'],
      registers,
    }),
  };
}

/** The route label for a request path: a small fixed set, never the raw path (unbounded cardinality). */
export function routeOf(listener: 'composer' | 'admin', path: string): string {
  if (listener === 'composer') {
    if (path === '/packages.json') return 'packages';
    if (path.startsWith('/p2/')) return 'p2';
    if (path.startsWith('/archives/') || path.startsWith('/dists/')) return 'archive';
    if (path === '/api/security-advisories/') return 'advisories';
    if (path === '/notify-batch') return 'notify';
    if (path === '/healthz' || path === '/readyz') return 'health';
    return 'other';
  }
  if (path.startsWith('/api/')) return 'api';
  if (path === '/metrics') return 'metrics';
  if (path === '/healthz' || path === '/readyz') return 'health';
  if (path.startsWith('/static/')) return 'static';
  return 'page';
}
