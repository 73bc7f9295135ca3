import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import type { ConditionalHeaders, DocumentSource, UpstreamDocument } from '../cache/document-source.js';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import type { Readable } from 'node:stream';
import { Agent, request, type Dispatcher } from 'undici';
import { RepogateError } from '../errors.js';
import type { Logger } from '../logger.js';
import { CircuitBreaker } from './circuit-breaker.js';
import { decodeBody, header, readLimited, upstreamFailure } from './upstream-bodies.js';
import type { Metrics } from '../metrics/metrics.js';

export interface UpstreamOptions {
  /** Base URL of the upstream repository, without trailing slash (it may have a path). */
  readonly url: string;
  readonly username: string | undefined;
  readonly password: string | undefined;
  /** Deadline for one whole request (headers and body of a metadata document; headers of an archive). */
  readonly timeoutMs: number;
  readonly maxDocumentBytes?: number;
  /** Consecutive failures (network errors, timeouts, 5xx) that open the circuit, and for how long. */
  readonly breaker?: { readonly failureThreshold: number; readonly openMs: number };
  /**
   * Other hosts (`host:port`, lowercase) the upstream's documents may send repogate to for metadata
   * (REPOGATE_UPSTREAM_METADATA_HOSTS); the upstream's own origin is always allowed.
   */
  readonly metadataHosts?: readonly string[];
  /** The User-Agent of every request (REPOGATE_UPSTREAM_USER_AGENT or the Composer-like default). */
  readonly userAgent?: string;
  /**
   * How a `401`/`403` for one path other than the root document (`packages.json`) is read: by default
   * (true) as the upstream refusing that one file (UPSTREAM_NOT_ENTITLED, a 404 to clients) unless
   * 401s keep coming; false (the release downloads upstream, which has no root document) as the
   * upstream refusing the credentials, always.
   */
  readonly perPathRefusals?: boolean;
  /** The source this client reads (`default`: the environment's upstream); names it in metrics and logs. */
  readonly source?: string;
  /**
   * A GitHub token (as Composer's `github-oauth`), sent only to api.github.com over https when an
   * archive is fetched from there, never on a redirect elsewhere.
   */
  readonly githubToken?: string;
}

/** Redirects followed for an archive on another host (GitHub's zipball URLs answer with one). */
const maxRedirects = 5;

/**
 * `401`s in a row (no success between them) on paths other than the root document after which they
 * are read as the upstream refusing the organisation's keys, not as one file refused.
 */
export const unauthorizedStreakAlarm = 3;

export type { ConditionalHeaders, UpstreamDocument } from '../cache/document-source.js';

export interface UpstreamStream {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Readable;
}

/**
 * The HTTP client to the upstream repository: keep-alive pool, the organisation's Basic credentials
 * added here and only for the upstream's own origin, deadlines, gzip. Failures become
 * RepogateErrors (UPSTREAM_UNAVAILABLE, UPSTREAM_TIMEOUT, UPSTREAM_AUTH) whose messages never hold
 * the credentials.
 */
export class UpstreamClient implements DocumentSource {
  readonly baseUrl: string;
  readonly origin: string;
  readonly #basePath: string;
  readonly #authorization: string | undefined;
  readonly #timeoutMs: number;
  readonly #maxBytes: number;
  readonly #agent: Agent;
  /** Archives are streamed with node:http (see openStream). */
  readonly #streamAgents = { http: new HttpAgent({ keepAlive: true, maxSockets: 64 }), https: new HttpsAgent({ keepAlive: true, maxSockets: 64 }) };
  readonly #logger: Logger;
  readonly #breaker: CircuitBreaker;
  readonly #metrics: Pick<Metrics, 'upstreamRequests' | 'upstreamDuration' | 'upstreamErrors' | 'circuitState'> | undefined;
  readonly #metadataHosts: ReadonlySet<string>;
  readonly #userAgent: string;
  readonly #perPathRefusals: boolean;
  readonly #rootPath: string;
  readonly source: string;
  readonly #githubAuthorization: string | undefined;
  /** 401s answered in a row for paths other than the root document. */
  #unauthorizedStreak = 0;
  /** The root document was refused, and nothing has succeeded since: every refusal is the credentials'. */
  #rootRefused = false;

  constructor(
    options: UpstreamOptions,
    logger: Logger,
    metrics?: Pick<Metrics, 'upstreamRequests' | 'upstreamDuration' | 'upstreamErrors' | 'circuitState'>,
  ) {
    this.#metrics = metrics;
    const url = new URL(options.url);
    this.baseUrl = options.url.replace(/\/+$/, '');
    this.origin = url.origin;
    this.#basePath = url.pathname.replace(/\/+$/, '');
    this.#rootPath = `${this.#basePath}/packages.json`;
    this.#metadataHosts = new Set(options.metadataHosts ?? []);
    this.#userAgent = options.userAgent ?? 'repogate';
    this.#perPathRefusals = options.perPathRefusals ?? true;
    this.source = options.source ?? 'default';
    this.#githubAuthorization = options.githubToken === undefined ? undefined : `token ${options.githubToken}`;
    this.#authorization =
      options.username === undefined
        ? undefined
        : `Basic ${Buffer.from(`${options.username}:${options.password ?? ''}`).toString('base64')}`;
    this.#timeoutMs = options.timeoutMs;
    this.#maxBytes = options.maxDocumentBytes ?? 512 * 1024 * 1024;
    this.#logger = logger;
    this.#breaker = new CircuitBreaker(options.breaker ?? { failureThreshold: 5, openMs: 10_000 });
    this.#agent = new Agent({
      keepAliveTimeout: 30_000,
      connections: 64,
      connectTimeout: Math.min(options.timeoutMs, 10_000),
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
    });
  }

  /** The upstream base path ('' or '/something'), which rewritten URLs leave out. */
  get basePath(): string {
    return this.#basePath;
  }

  /** Resolves a URL or path found in upstream documents against the repository URL. */
  resolve(reference: string): URL {
    return new URL(reference, `${this.baseUrl}/`);
  }

  /** True for URLs on the upstream's host (any scheme), under its base path: those are rewritten to repogate. */
  isUpstreamUrl(url: URL): boolean {
    const upstream = new URL(this.baseUrl);
    return url.hostname === upstream.hostname && effectivePort(url) === effectivePort(upstream) && url.pathname.startsWith(`${this.#basePath}/`);
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
    this.#metrics?.upstreamErrors.inc({ source: this.source, code: 'UPSTREAM_INVALID' });
    this.#logger.error(
      { field, host, upstream: this.origin, source: this.source },
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

  /** Fetches a metadata document; the body is read whole (decompressed), within the deadline. */
  async fetchDocument(url: URL, conditional: ConditionalHeaders = {}): Promise<UpstreamDocument> {
    const started = performance.now();
    const headers: Record<string, string> = { 'accept-encoding': 'gzip, deflate, br', accept: 'application/json' };
    if (conditional.ifModifiedSince) headers['if-modified-since'] = conditional.ifModifiedSince;
    if (conditional.ifNoneMatch) headers['if-none-match'] = conditional.ifNoneMatch;
    const signal = AbortSignal.timeout(this.#timeoutMs);
    const response = await this.#send(url, 'GET', headers, conditional.requestId, signal);
    try {
      this.#checkRefusal(response.statusCode, url, 'document');
    } catch (error) {
      await response.body.dump().catch(() => undefined);
      throw error;
    }
    let raw: Buffer;
    try {
      raw = await readLimited(response.body, this.#maxBytes);
    } catch (error) {
      this.#breaker.failed();
      throw upstreamFailure(error, url, signal.aborted, this.#timeoutMs);
    }
    const body = await decodeBody(raw, header(response.headers, 'content-encoding'), url);
    return {
      status: response.statusCode,
      body,
      lastModified: header(response.headers, 'last-modified'),
      etag: header(response.headers, 'etag'),
      contentType: header(response.headers, 'content-type'),
      durationMs: performance.now() - started,
    };
  }

  /**
   * Opens a streamed response (archives, release downloads). The caller must consume or destroy
   * `body`. The deadline applies to silence: no headers, or no body bytes, for `timeoutMs`.
   *
   * Streamed with node:http rather than undici: undici copies every socket read into its parser's
   * memory and out again, so a gigabyte leaves twice the garbage (measured: +90 MiB peak for a 1 GiB
   * download against +40 MiB).
   *
   * `extraHeaders` (such as `range` and `if-range`) go with the request; the request id, the
   * credentials and `accept-encoding: identity` are set after them.
   */
  async openStream(url: URL, requestId?: string, extraHeaders: Readonly<Record<string, string>> = {}): Promise<UpstreamStream> {
    const started = this.#admit();
    return this.#openStream(url, requestId, extraHeaders, started);
  }

  /**
   * An archive that may live on another host (a source's dist URL on GitHub, say): redirects are
   * followed (at most five, http and https only). Each hop gets credentials for its own origin only:
   * the source's for the source's origin, the GitHub token for api.github.com over https, nothing
   * for any other host.
   */
  async openArchive(url: URL, requestId?: string): Promise<UpstreamStream> {
    const started = this.#admit();
    let current = url;
    for (let hop = 0; ; hop++) {
      const response = await this.#openStream(current, requestId, {}, started);
      const location = response.headers['location'];
      if (response.status < 300 || response.status >= 400 || response.status === 304 || typeof location !== 'string') return response;
      response.body.resume();
      let next: URL | undefined;
      try {
        next = new URL(location, current);
      } catch {
        next = undefined;
      }
      if (next === undefined || (next.protocol !== 'http:' && next.protocol !== 'https:') || hop + 1 > maxRedirects) {
        throw new RepogateError('UPSTREAM_INVALID', `the archive's host answered HTTP ${response.status} with a redirect repogate does not follow (${next === undefined ? 'unparsable' : hop + 1 > maxRedirects ? 'too many redirects' : next.protocol})`);
      }
      current = next;
    }
  }

  async #openStream(url: URL, requestId: string | undefined, extraHeaders: Readonly<Record<string, string>>, started: number): Promise<UpstreamStream> {
    const headers = this.#headersFor(url, { ...extraHeaders, 'accept-encoding': 'identity' }, requestId);
    let timedOut = false;
    let response: IncomingMessage;
    try {
      response = await new Promise<IncomingMessage>((resolve, reject) => {
        const https = url.protocol === 'https:';
        const send = https ? httpsRequest : httpRequest;
        const req = send(url, { method: 'GET', headers, agent: https ? this.#streamAgents.https : this.#streamAgents.http }, resolve);
        req.setTimeout(this.#timeoutMs, () => {
          timedOut = true;
          req.destroy(new Error(`no answer within ${this.#timeoutMs} ms`));
        });
        req.on('error', reject);
        req.end();
      });
    } catch (error) {
      throw this.#failed('archive', error, url, timedOut);
    }
    this.#answered('archive', response.statusCode ?? 0, started);
    try {
      this.#checkRefusal(response.statusCode ?? 0, url, 'archive');
    } catch (error) {
      response.resume();
      throw error;
    }
    return { status: response.statusCode ?? 0, headers: response.headers, body: response };
  }

  /**
   * A form POST whose JSON answer is wanted (a source's security-advisories API): the body is read
   * whole within the deadline; failures are RepogateErrors like a document's.
   */
  async postForm(url: URL, form: string): Promise<{ status: number; body: Buffer }> {
    const signal = AbortSignal.timeout(this.#timeoutMs);
    const response = await this.#send(url, 'POST', { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', 'accept-encoding': 'gzip, deflate, br' }, undefined, signal, form, 'advisories');
    let raw: Buffer;
    try {
      raw = await readLimited(response.body, 64 * 1024 * 1024);
    } catch (error) {
      throw upstreamFailure(error, url, signal.aborted, this.#timeoutMs);
    }
    return { status: response.statusCode, body: await decodeBody(raw, header(response.headers, 'content-encoding'), url) };
  }

  /** Best-effort POST (notify-batch); never throws. */
  async postJson(url: URL, body: unknown, timeoutMs: number): Promise<number | undefined> {
    try {
      const response = await this.#send(url, 'POST', { 'content-type': 'application/json' }, undefined, AbortSignal.timeout(timeoutMs), JSON.stringify(body));
      await response.body.dump();
      return response.statusCode;
    } catch {
      return undefined;
    }
  }

  /** `closed` (normal), `open` (failing fast) or `half-open` (probing). */
  get circuit(): 'closed' | 'open' | 'half-open' {
    return this.#breaker.state;
  }

  close(): Promise<void> {
    this.#streamAgents.http.destroy();
    this.#streamAgents.https.destroy();
    return this.#agent.close();
  }

  async #send(
    url: URL,
    method: 'GET' | 'POST',
    headers: Record<string, string>,
    requestId: string | undefined,
    signal: AbortSignal,
    body?: string,
    kind: 'document' | 'notify' | 'advisories' = method === 'POST' ? 'notify' : 'document',
  ): Promise<Dispatcher.ResponseData> {
    const started = this.#admit();
    try {
      const response = await request(url, {
        method,
        headers: this.#headersFor(url, headers, requestId),
        body,
        dispatcher: this.#agent,
        signal,
        headersTimeout: this.#timeoutMs,
        bodyTimeout: this.#timeoutMs,
      });
      this.#answered(kind, response.statusCode, started);
      return response;
    } catch (error) {
      throw this.#failed(kind, error, url, signal.aborted);
    }
  }

  /** Lets a request through the circuit breaker (or refuses it) and returns when it started. */
  #admit(): number {
    const started = performance.now();
    const waitMs = this.#breaker.admit();
    this.#observeCircuit();
    if (waitMs > 0) {
      this.#metrics?.upstreamErrors.inc({ source: this.source, code: 'CIRCUIT_OPEN' });
      throw new RepogateError(
        'UPSTREAM_UNAVAILABLE',
        `the upstream repository keeps failing; repogate will try it again in ${Math.ceil(waitMs / 1000)} s`,
      );
    }
    return started;
  }

  /** The headers of a request: ours, the request id, and the organisation's credentials for the upstream's own origin only. */
  #headersFor(url: URL, headers: Record<string, string>, requestId: string | undefined): Record<string, string> {
    const all: Record<string, string> = { ...headers, 'user-agent': this.#userAgent };
    if (requestId) all['x-request-id'] = requestId;
    if (this.#authorization && url.origin === this.origin) all['authorization'] = this.#authorization;
    else if (this.#githubAuthorization && url.protocol === 'https:' && url.hostname === 'api.github.com') all['authorization'] = this.#githubAuthorization;
    return all;
  }

  /** An answer came (any status): the breaker and the metrics hear of it. */
  #answered(kind: UpstreamKind, status: number, started: number): void {
    if (status >= 500) this.#breaker.failed();
    else this.#breaker.succeeded();
    this.#observeCircuit();
    this.#metrics?.upstreamRequests.inc({ source: this.source, kind, status: String(status) });
    this.#metrics?.upstreamDuration.observe({ source: this.source, kind }, (performance.now() - started) / 1000);
  }

  /** No answer: the breaker and the metrics hear of it, and the error becomes a RepogateError. */
  #failed(kind: UpstreamKind, error: unknown, url: URL, timedOut: boolean): RepogateError {
    this.#breaker.failed();
    this.#observeCircuit();
    const translated = upstreamFailure(error, url, timedOut, this.#timeoutMs);
    this.#metrics?.upstreamRequests.inc({ source: this.source, kind, status: 'error' });
    this.#metrics?.upstreamErrors.inc({ source: this.source, code: translated.code });
    return translated;
  }

  #observeCircuit(): void {
    this.#metrics?.circuitState.set({ source: this.source }, { closed: 0, 'half-open': 1, open: 2 }[this.#breaker.state]);
  }

  /**
   * A `401`/`403` is the upstream refusing the organisation's keys (UPSTREAM_AUTH: logged at error
   * level, counted, a 502 to clients) when it is for the root document (or comes after the root was
   * refused, with no success since), or the latest of `unauthorizedStreakAlarm` 401s in a row. For any
   * other single path it refuses that file only: the organisation's keys are not entitled to it, or it
   * does not exist upstream (UPSTREAM_NOT_ENTITLED, a 404 to clients, which the caller logs naming the
   * package). Any answer below 400 ends a streak.
   */
  #checkRefusal(status: number, url: URL, kind: 'document' | 'archive'): void {
    if (status !== 401 && status !== 403) {
      if (status < 400) {
        this.#unauthorizedStreak = 0;
        this.#rootRefused = false;
      }
      return;
    }
    if (url.origin !== this.origin) {
      // Another host (an archive on GitHub, say) refusing: not the source's credentials, which it never got.
      this.#metrics?.upstreamErrors.inc({ source: this.source, code: 'UPSTREAM_NOT_ENTITLED' });
      throw new RepogateError('UPSTREAM_NOT_ENTITLED', `the archive's host ${url.host} refused it (HTTP ${status})`);
    }
    const root = url.pathname === this.#rootPath;
    if (root) this.#rootRefused = true;
    else if (status === 401) this.#unauthorizedStreak++;
    if (this.#rootRefused || !this.#perPathRefusals || (status === 401 && this.#unauthorizedStreak >= unauthorizedStreakAlarm)) {
      this.#metrics?.upstreamErrors.inc({ source: this.source, code: 'UPSTREAM_AUTH' });
      this.#logger.error(
        { upstreamStatus: status, path: url.pathname, source: this.source },
        this.source === 'default'
          ? 'UPSTREAM REFUSED THE ORGANISATION KEYS: check REPOGATE_UPSTREAM_USERNAME / REPOGATE_UPSTREAM_PASSWORD and the account behind them'
          : `UPSTREAM REFUSED THE KEYS OF SOURCE ${this.source}: check its credentials (repogate sources remove ${this.source}, then sources add with the right ones)`,
      );
      throw new RepogateError(
        'UPSTREAM_AUTH',
        `the upstream repository refused repogate's own credentials (HTTP ${status}); the operator has been alerted`,
      );
    }
    this.#metrics?.upstreamErrors.inc({ source: this.source, code: 'UPSTREAM_NOT_ENTITLED' });
    throw new RepogateError(
      'UPSTREAM_NOT_ENTITLED',
      `the upstream repository refused ${kind === 'archive' ? 'this archive' : "this package's metadata"} (HTTP ${status}): ${notEntitledCause}`,
    );
  }
}

type UpstreamKind = 'document' | 'archive' | 'notify' | 'advisories';

/** Why the upstream refuses or lacks one file while the rest works: the one line clients and the log give. */
export const notEntitledCause = "the organisation's upstream keys are not entitled to it, or it does not exist upstream";

function effectivePort(url: URL): string {
  return url.port || (url.protocol === 'https:' ? '443' : '80');
}
