import { RepogateError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics/metrics.js';

/**
 * Where an upstream client may go: the repository's own URLs (rewritten to repogate), where its
 * documents may send it for metadata (its own origin, REPOGATE_UPSTREAM_METADATA_HOSTS) and for
 * advisories. Anything else a document names is refused, logged naming the host.
 */
export class UpstreamUrls {
  readonly baseUrl: string;
  readonly origin: string;
  readonly basePath: string;
  readonly #metadataHosts: ReadonlySet<string>;
  readonly #source: string;
  readonly #logger: Logger;
  readonly #metrics: Pick<Metrics, 'upstreamErrors'> | undefined;

  constructor(options: { url: string; metadataHosts?: readonly string[] | undefined; source: string }, logger: Logger, metrics: Pick<Metrics, 'upstreamErrors'> | undefined) {
    const url = new URL(options.url);
    this.baseUrl = options.url.replace(/\/+$/, '');
    this.origin = url.origin;
    this.basePath = url.pathname.replace(/\/+$/, '');
    this.#metadataHosts = new Set(options.metadataHosts ?? []);
    this.#source = options.source;
    this.#logger = logger;
    this.#metrics = metrics;
  }

  /** Resolves a URL or path found in upstream documents against the repository URL. */
  resolve(reference: string): URL {
    return new URL(reference, `${this.baseUrl}/`);
  }

  /** True for URLs on the upstream's host (any scheme), under its base path: those are rewritten to repogate. */
  isUpstreamUrl(url: URL): boolean {
    const upstream = new URL(this.baseUrl);
    return url.hostname === upstream.hostname && effectivePort(url) === effectivePort(upstream) && url.pathname.startsWith(`${this.basePath}/`);
  }

  /**
   * True for URLs repogate may read metadata from: http(s) on the upstream's own origin, or on a host
   * listed in REPOGATE_UPSTREAM_METADATA_HOSTS (which get no credentials: see `#headersFor`).
   */
  readsMetadataFrom(url: URL): boolean {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
    return url.origin === this.origin || this.#metadataHosts.has(`${url.hostname}:${effectivePort(url)}`);
  }

  /**
   * Resolves a URL the upstream's documents give for metadata (`field` names where it came from:
   * `metadata-url`, `provider-includes`, …). One on another host, not allowed by
   * REPOGATE_UPSTREAM_METADATA_HOSTS, is refused: logged as an error naming the host, and thrown as
   * UPSTREAM_INVALID (502), so that the upstream cannot send repogate elsewhere.
   */
  metadataUrl(reference: string | URL, field: string): URL {
    let url: URL | undefined;
    try {
      url = typeof reference === 'string' ? this.resolve(reference) : reference;
    } catch {
      url = undefined;
    }
    if (url !== undefined && this.readsMetadataFrom(url)) return url;
    const host = url === undefined ? 'an unparsable URL' : url.protocol === 'http:' || url.protocol === 'https:' ? url.host : `a ${url.protocol} URL`;
    this.#metrics?.upstreamErrors.inc({ source: this.#source, code: 'UPSTREAM_INVALID' });
    this.#logger.error(
      { field, host, upstream: this.origin, source: this.#source },
      `UPSTREAM DOCUMENT POINTS ELSEWHERE: its ${field} names ${host}, not the upstream's own origin; not followed. Add the host to REPOGATE_UPSTREAM_METADATA_HOSTS only if it is trusted`,
    );
    throw new RepogateError(
      'UPSTREAM_INVALID',
      `the upstream repository's ${field} points to another host (${host}); repogate does not follow it (REPOGATE_UPSTREAM_METADATA_HOSTS)`,
    );
  }

  /**
   * Where to ask for security advisories (`security-advisories.api-url` of the root document):
   * somewhere metadata may come from, or a parent domain of the source's host over the same scheme
   * (packagist's root on repo.packagist.org names packagist.org). Anything else is refused: the
   * source's documents do not get to send repogate elsewhere.
   */
  advisoriesUrl(reference: string): URL | undefined {
    let url: URL;
    try {
      url = this.resolve(reference);
    } catch {
      return undefined;
    }
    if (this.readsMetadataFrom(url)) return url;
    const own = new URL(this.baseUrl);
    // The parent domain only (one label less: repo.packagist.org → packagist.org), never a suffix such as co.uk.
    const parent = own.hostname.slice(own.hostname.indexOf('.') + 1);
    if (url.protocol === own.protocol && effectivePort(url) === effectivePort(own) && url.hostname === parent && parent.includes('.')) return url;
    return undefined;
  }
}

function effectivePort(url: URL): string {
  return url.port || (url.protocol === 'https:' ? '443' : '80');
}
