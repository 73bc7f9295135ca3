import { Agent as HttpAgent, request as httpRequest, type IncomingMessage } from 'node:http';
import type { ConditionalHeaders, DocumentSource, UpstreamDocument } from '../cache/document-source.js';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { Agent, request, type Dispatcher } from 'undici';
import { RepogateError } from '../errors.js';
import type { Logger } from '../logger.js';
import { decodeBody, header, readLimited, upstreamFailure } from './upstream-bodies.js';
import type { UpstreamOptions, UpstreamStream } from './upstream-options.js';
import { UpstreamGate, type UpstreamKind, type UpstreamMetrics } from './upstream-gate.js';
import { UpstreamRefusals } from './upstream-refusals.js';
import { UpstreamUrls } from './upstream-urls.js';

/** Redirects followed for an archive on another host (GitHub's zipball URLs answer with one). */
const maxRedirects = 5;

export type { ConditionalHeaders, UpstreamDocument } from '../cache/document-source.js';
export type { UpstreamOptions, UpstreamStream } from './upstream-options.js';
export { notEntitledCause, unauthorizedStreakAlarm } from './upstream-refusals.js';

/**
 * The HTTP client to the upstream repository: keep-alive pool, the organisation's Basic credentials
 * added here and only for the upstream's own origin, deadlines, gzip. Failures become
 * RepogateErrors (UPSTREAM_UNAVAILABLE, UPSTREAM_TIMEOUT, UPSTREAM_AUTH) whose messages never hold
 * the credentials.
 */
export class UpstreamClient implements DocumentSource {
  readonly baseUrl: string;
  readonly origin: string;
  readonly #urls: UpstreamUrls;
  readonly #refusals: UpstreamRefusals;
  readonly #authorization: string | undefined;
  readonly #timeoutMs: number;
  readonly #maxBytes: number;
  readonly #agent: Agent;
  /** Archives are streamed with node:http (see openStream). */
  readonly #streamAgents = { http: new HttpAgent({ keepAlive: true, maxSockets: 64 }), https: new HttpsAgent({ keepAlive: true, maxSockets: 64 }) };
  readonly #gate: UpstreamGate;
  readonly #userAgent: string;
  readonly source: string;
  readonly #githubAuthorization: string | undefined;

  constructor(
    options: UpstreamOptions,
    logger: Logger,
    metrics?: UpstreamMetrics,
  ) {
    this.source = options.source ?? 'default';
    this.#urls = new UpstreamUrls({ url: options.url, metadataHosts: options.metadataHosts, source: this.source }, logger, metrics);
    this.baseUrl = this.#urls.baseUrl;
    this.origin = this.#urls.origin;
    const refusals = { origin: this.origin, rootPath: `${this.#urls.basePath}/packages.json`, perPathRefusals: options.perPathRefusals ?? true, source: this.source };
    this.#refusals = new UpstreamRefusals(refusals, logger, metrics);
    this.#userAgent = options.userAgent ?? 'repogate';
    this.#githubAuthorization = options.githubToken === undefined ? undefined : `token ${options.githubToken}`;
    this.#authorization =
      options.username === undefined
        ? undefined
        : `Basic ${Buffer.from(`${options.username}:${options.password ?? ''}`).toString('base64')}`;
    this.#timeoutMs = options.timeoutMs;
    this.#maxBytes = options.maxDocumentBytes ?? 512 * 1024 * 1024;
    this.#gate = new UpstreamGate({ source: this.source, timeoutMs: options.timeoutMs, breaker: options.breaker ?? { failureThreshold: 5, openMs: 10_000 } }, metrics);
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
    return this.#urls.basePath;
  }

  /** See `UpstreamUrls` (upstream-urls.ts): where this client may be sent, and what is the upstream's own. */
  resolve(reference: string): URL {
    return this.#urls.resolve(reference);
  }

  isUpstreamUrl(url: URL): boolean {
    return this.#urls.isUpstreamUrl(url);
  }

  readsMetadataFrom(url: URL): boolean {
    return this.#urls.readsMetadataFrom(url);
  }

  metadataUrl(reference: string | URL, field: string): URL {
    return this.#urls.metadataUrl(reference, field);
  }

  advisoriesUrl(reference: string): URL | undefined {
    return this.#urls.advisoriesUrl(reference);
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
      this.#refusals.check(response.statusCode, url, 'document');
    } catch (error) {
      await response.body.dump().catch(() => undefined);
      throw error;
    }
    let raw: Buffer;
    try {
      raw = await readLimited(response.body, this.#maxBytes);
    } catch (error) {
      this.#gate.bodyFailed();
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
    const started = this.#gate.admit();
    return this.#openStream(url, requestId, extraHeaders, started);
  }

  /**
   * An archive that may live on another host (a source's dist URL on GitHub, say): redirects are
   * followed (at most five, http and https only). Each hop gets credentials for its own origin only:
   * the source's for the source's origin, the GitHub token for api.github.com over https, nothing
   * for any other host.
   */
  async openArchive(url: URL, requestId?: string): Promise<UpstreamStream> {
    const started = this.#gate.admit();
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
      throw this.#gate.failed('archive', error, url, timedOut);
    }
    this.#gate.answered('archive', response.statusCode ?? 0, started);
    try {
      this.#refusals.check(response.statusCode ?? 0, url, 'archive');
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
    return this.#gate.circuit;
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
    kind: Exclude<UpstreamKind, 'archive'> = method === 'POST' ? 'notify' : 'document',
  ): Promise<Dispatcher.ResponseData> {
    const started = this.#gate.admit();
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
      this.#gate.answered(kind, response.statusCode, started);
      return response;
    } catch (error) {
      throw this.#gate.failed(kind, error, url, signal.aborted);
    }
  }

  /** The headers of a request: ours, the request id, and the organisation's credentials for the upstream's own origin only. */
  #headersFor(url: URL, headers: Record<string, string>, requestId: string | undefined): Record<string, string> {
    const all: Record<string, string> = { ...headers, 'user-agent': this.#userAgent };
    if (requestId) all['x-request-id'] = requestId;
    if (this.#authorization && url.origin === this.origin) all['authorization'] = this.#authorization;
    else if (this.#githubAuthorization && url.protocol === 'https:' && url.hostname === 'api.github.com') all['authorization'] = this.#githubAuthorization;
    return all;
  }
}
