/**
 * A node:http server shaped like repo.magento.com, for tests, benchmarks and the demo: Basic auth,
 * one of three metadata layouts, zip archives, `Last-Modified`/`ETag` with 304s, gzip, latency,
 * bandwidth limits and switchable failure modes.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { acceptsGzip, basicCredentials, decodePath, notModified, sendPaced } from './http-util.js';
import { DocumentStore } from './layouts.js';
import type { UpstreamLayout } from './layouts.js';
import type { VersionSpec } from './catalog.js';
import { defaultCatalog } from './catalog.js';
import { PackageSet } from './package-set.js';
import { phpJsonEncode } from './php-json.js';
import type { JsonObject } from './php-json.js';

export type { UpstreamLayout } from './layouts.js';

/**
 * How the mock misbehaves for matching requests:
 * - `none`: behaves normally;
 * - `down`: not listening at all (connection refused; applies to every path);
 * - `hang`: accepts the request and never answers (sockets are closed by `close()`);
 * - `5xx`: 503 with an HTML body, as a load balancer in trouble sends;
 * - `reset`: 200 headers and part of the body, then the connection is destroyed;
 * - `truncated-json`: 200 with the body cut in half (Content-Length matches the cut body);
 * - `invalid-json`: 200 `<html>oops</html>` labelled `application/json`;
 * - `auth-401` / `auth-403`: the organisation's keys are revoked (401) or lack access (403).
 */
export type FailureMode =
  | 'none'
  | 'down'
  | 'hang'
  | '5xx'
  | 'reset'
  | 'truncated-json'
  | 'invalid-json'
  | 'auth-401'
  | 'auth-403';

/** Options for {@link startMockUpstream}. */
export interface MockUpstreamOptions {
  /** Which metadata layout to serve. */
  layout: UpstreamLayout;
  /** Basic-auth username (the Marketplace public key); defaults to {@link DEFAULT_UPSTREAM_USERNAME}. */
  username?: string;
  /** Basic-auth password (the private key); defaults to {@link DEFAULT_UPSTREAM_PASSWORD}. */
  password?: string;
  /** Port on 127.0.0.1; 0 or omitted picks a free one. */
  port?: number;
  /** Delay before answering each request, in milliseconds. */
  latencyMs?: number;
  /** When set, bodies are sent paced to this many bytes per second. */
  bytesPerSecond?: number;
  /**
   * The versions to serve instead of the default Magento-like catalogue, e.g. one merchant's
   * Marketplace purchases only.
   */
  packages?: readonly VersionSpec[];
  /**
   * Versions served on top of `packages` (or of the default catalogue), e.g.
   * `marketplaceModule('merchant-a/module-alpha', '1.0.0')` for a second upstream that differs from the first.
   */
  extraPackages?: readonly VersionSpec[];
}

/** One request the mock received. */
export interface RecordedRequest {
  readonly method: string;
  /** Percent-decoded path without query string (`$` even when the client sent `%24`). */
  readonly path: string;
  /** The request target exactly as received. */
  readonly rawPath: string;
  /** Status sent; 0 while unanswered (stays 0 for `hang`). */
  status: number;
  /** When the request arrived (ms since the epoch). */
  readonly at: number;
  /** True when the request carried the configured credentials (whatever the failure mode). */
  readonly authorized: boolean;
  /** The Authorization header exactly as received, to show whose credentials reached this server. */
  readonly authorization?: string;
  readonly ifModifiedSince?: string;
  readonly ifNoneMatch?: string;
  readonly acceptEncoding?: string;
  readonly userAgent?: string;
  /** The X-Request-Id the client sent, if any. */
  readonly requestId?: string;
  /** The failure mode applied to this request, if any. */
  failure?: FailureMode;
}

/** A running mock upstream. */
export interface MockUpstream {
  /** `http://127.0.0.1:PORT`, no trailing slash. */
  readonly url: string;
  readonly layout: UpstreamLayout;
  readonly username: string;
  readonly password: string;
  /** The data served, for assertions (and for mutations beyond the shortcuts below). */
  readonly packages: PackageSet;
  /** The rendered metadata documents (e.g. `documents.providerPath(name)`). */
  readonly documents: DocumentStore;
  /** Every request received, in arrival order (including failed and unauthorised ones). */
  readonly requests: RecordedRequest[];
  /** Parsed bodies POSTed to `/notify-batch` (the raw string when not JSON). */
  readonly notifications: unknown[];
  /** TCP connections accepted so far (shows whether a client reuses connections). */
  readonly connectionCount: number;
  /** Most requests in flight at once so far (shows whether a client downloads in parallel). */
  readonly peakConcurrency: number;
  /** Number of recorded requests, or of those matching `filter`. */
  count(filter?: (r: RecordedRequest) => boolean): number;
  /** Forgets recorded requests and notifications (arrays emptied in place) and resets the counters. */
  resetRequests(): void;
  /**
   * Switches failure mode for requests whose decoded path matches `pathFilter` (all when omitted).
   * `down` stops listening (ignores the filter); any other mode after `down` listens again on the
   * same port.
   */
  setFailure(mode: FailureMode, pathFilter?: (path: string) => boolean): Promise<void>;
  /** Sets the delay before each answer. */
  setLatency(ms: number): void;
  /** Paces bodies to `bytesPerSecond`, or sends them at full speed when undefined. */
  setBandwidth(bytesPerSecond: number | undefined): void;
  /** Same URL, different zip bytes; the metadata shasum and Last-Modified change accordingly. */
  republishArchive(name: string, version: string): void;
  /** Publishes a new version (metadata changes, Last-Modified moves). */
  addVersion(name: string, version: string): void;
  /** Replaces or adds fields of the root document (`packages.json`); `{}` restores it. */
  setRootFields(fields: JsonObject): void;
  /** Stops listening and destroys every open connection, including hanging ones. */
  close(): Promise<void>;
}

/** Default upstream username (a fixed, fake 32-hex public key). */
export const DEFAULT_UPSTREAM_USERNAME = '5c0f3e8a1b9d4f7260a2e4c6d8b0f1a3';
/** Default upstream password (a fixed, fake 32-hex private key). */
export const DEFAULT_UPSTREAM_PASSWORD = 'e7b2d9f4a6c18053b4d6e8f0a2c4e6b8';

const REALM = 'Basic realm="Magento Repository"';
const INVALID_KEYS_WARNING =
  'Your authentication keys are invalid. Check the public and private keys in your auth.json against the Access Keys of your Commerce Marketplace account.';
const FORBIDDEN_WARNING =
  'Access denied: the account these authentication keys belong to has no access to this resource.';
const HTML_503 =
  '<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n<body>\r\n<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n';

interface Content {
  readonly contentType: string;
  readonly body: Buffer;
}

class MockUpstreamServer implements MockUpstream {
  readonly requests: RecordedRequest[] = [];
  readonly notifications: unknown[] = [];
  readonly documents: DocumentStore;
  private failure: FailureMode = 'none';
  private failureFilter: ((path: string) => boolean) | undefined;
  private latencyMs: number;
  private bytesPerSecond: number | undefined;
  private readonly sockets = new Set<Socket>();
  private lifetime = new AbortController();
  private listening = true;
  private closed = false;
  private connections = 0;
  private inFlight = 0;
  private peak = 0;

  constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly port: number,
    readonly layout: UpstreamLayout,
    readonly username: string,
    readonly password: string,
    readonly packages: PackageSet,
    options: MockUpstreamOptions,
  ) {
    this.documents = new DocumentStore(layout, packages);
    this.latencyMs = options.latencyMs ?? 0;
    this.bytesPerSecond = options.bytesPerSecond;
    server.on('connection', (socket: Socket) => {
      this.connections++;
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    server.on('request', (req: IncomingMessage, res: ServerResponse) => this.onRequest(req, res));
  }

  get connectionCount(): number {
    return this.connections;
  }

  get peakConcurrency(): number {
    return this.peak;
  }

  count(filter?: (r: RecordedRequest) => boolean): number {
    return filter ? this.requests.filter(filter).length : this.requests.length;
  }

  resetRequests(): void {
    this.requests.length = 0;
    this.notifications.length = 0;
    this.connections = 0;
    this.peak = this.inFlight;
  }

  async setFailure(mode: FailureMode, pathFilter?: (path: string) => boolean): Promise<void> {
    if (this.closed) throw new Error('mock upstream is closed');
    this.failure = mode;
    this.failureFilter = pathFilter;
    if (mode === 'down') {
      if (this.listening) await this.stopListening();
    } else if (!this.listening) {
      this.lifetime = new AbortController();
      await listen(this.server, this.port);
      this.listening = true;
    }
  }

  setLatency(ms: number): void {
    this.latencyMs = Math.max(0, ms);
  }

  setBandwidth(bytesPerSecond: number | undefined): void {
    this.bytesPerSecond = bytesPerSecond;
  }

  republishArchive(name: string, version: string): void {
    this.packages.republishArchive(name, version);
  }

  addVersion(name: string, version: string): void {
    this.packages.addVersion(name, version);
  }

  setRootFields(fields: JsonObject): void {
    this.documents.setRootFields(fields);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.listening) await this.stopListening();
  }

  private stopListening(): Promise<void> {
    this.listening = false;
    this.lifetime.abort();
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      for (const socket of this.sockets) socket.destroy();
    });
  }

  private onRequest(req: IncomingMessage, res: ServerResponse): void {
    const rawPath = req.url ?? '/';
    const header = (name: string): string | undefined => {
      const value = req.headers[name];
      return typeof value === 'string' ? value : undefined;
    };
    const credentials = basicCredentials(header('authorization'));
    const record: RecordedRequest = {
      method: req.method ?? 'GET',
      path: decodePath(rawPath),
      rawPath,
      status: 0,
      at: Date.now(),
      authorized: credentials?.username === this.username && credentials.password === this.password,
      ...optional('authorization', header('authorization')),
      ...optional('ifModifiedSince', header('if-modified-since')),
      ...optional('ifNoneMatch', header('if-none-match')),
      ...optional('acceptEncoding', header('accept-encoding')),
      ...optional('userAgent', header('user-agent')),
      ...optional('requestId', header('x-request-id')),
    };
    this.requests.push(record);
    this.inFlight++;
    this.peak = Math.max(this.peak, this.inFlight);
    res.on('close', () => this.inFlight--);
    res.on('error', () => undefined);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('error', () => undefined);
    req.on('end', () => {
      this.respond(req, res, record, Buffer.concat(chunks)).catch(() => {
        if (!res.destroyed) res.destroy();
      });
    });
  }

  private async respond(req: IncomingMessage, res: ServerResponse, record: RecordedRequest, body: Buffer): Promise<void> {
    const signal = this.lifetime.signal;
    if (this.latencyMs > 0) {
      try {
        await sleep(this.latencyMs, undefined, { signal });
      } catch {
        return;
      }
    }
    if (res.destroyed) return;
    const mode = this.failure;
    if (mode !== 'none' && mode !== 'down' && (this.failureFilter?.(record.path) ?? true)) {
      record.failure = mode;
      await this.fail(mode, req, res, record);
      return;
    }
    if (!record.authorized) {
      this.sendJson(res, record, 401, { warning: INVALID_KEYS_WARNING }, { 'WWW-Authenticate': REALM });
      return;
    }
    const method = record.method;
    if (method === 'POST' && record.path === '/notify-batch') {
      this.notifications.push(parseBody(body));
      this.sendJson(res, record, 200, { status: 'success' });
      return;
    }
    if (method !== 'GET' && method !== 'HEAD') {
      this.sendJson(res, record, 405, { message: 'Method Not Allowed' }, { Allow: 'GET, HEAD' });
      return;
    }
    const doc = this.documents.lookup(record.path);
    if (doc) {
      const gzip = acceptsGzip(req);
      const etag = gzip ? `W/${doc.etag}` : doc.etag;
      const headers: Record<string, string | number> = {
        'Content-Type': 'application/json',
        'Last-Modified': new Date(doc.lastModified).toUTCString(),
        ETag: etag,
        Vary: 'Accept-Encoding',
      };
      if (notModified(req, etag, doc.lastModified)) {
        record.status = 304;
        res.writeHead(304, headers);
        res.end();
        return;
      }
      const payload = gzip ? doc.gzip() : doc.body;
      if (gzip) headers['Content-Encoding'] = 'gzip';
      headers['Content-Length'] = payload.length;
      record.status = 200;
      res.writeHead(200, headers);
      await sendPaced(res, payload, () => this.bytesPerSecond, signal);
      return;
    }
    const archive = record.path.startsWith('/archives/') ? this.packages.archiveByPath(record.path) : undefined;
    if (archive) {
      record.status = 200;
      res.writeHead(200, {
        'Content-Type': 'application/zip',
        'Content-Length': archive.bytes.length,
        'Last-Modified': new Date(Date.parse(archive.version.time)).toUTCString(),
      });
      await sendPaced(res, archive.bytes, () => this.bytesPerSecond, signal);
      return;
    }
    this.sendJson(res, record, 404, { status: 404, message: 'Not Found' });
  }

  private async fail(mode: FailureMode, req: IncomingMessage, res: ServerResponse, record: RecordedRequest): Promise<void> {
    switch (mode) {
      case 'hang':
        return;
      case '5xx':
        record.status = 503;
        res.writeHead(503, { 'Content-Type': 'text/html', 'Content-Length': Buffer.byteLength(HTML_503), 'Retry-After': '30' });
        res.end(HTML_503);
        return;
      case 'reset': {
        const content = this.contentFor(record.path);
        record.status = 200;
        res.writeHead(200, { 'Content-Type': content.contentType, 'Content-Length': content.body.length });
        const part = content.body.subarray(0, Math.max(1, Math.floor(content.body.length / 2)));
        await new Promise<void>((resolve) => {
          res.write(part, () => resolve());
        });
        req.socket.destroy();
        return;
      }
      case 'truncated-json': {
        const content = this.contentFor(record.path);
        const cut = content.body.subarray(0, Math.floor(content.body.length / 2));
        record.status = 200;
        res.writeHead(200, { 'Content-Type': content.contentType, 'Content-Length': cut.length });
        res.end(cut);
        return;
      }
      case 'invalid-json': {
        const body = '<html>oops</html>';
        record.status = 200;
        res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
        res.end(body);
        return;
      }
      case 'auth-401':
        this.sendJson(res, record, 401, { warning: INVALID_KEYS_WARNING }, { 'WWW-Authenticate': REALM });
        return;
      case 'auth-403':
        this.sendJson(res, record, 403, { warning: FORBIDDEN_WARNING });
        return;
      default:
        return;
    }
  }

  /** What a path would normally serve (a filler JSON document for unknown paths). */
  private contentFor(path: string): Content {
    const doc = this.documents.lookup(path);
    if (doc) return { contentType: 'application/json', body: doc.body };
    const archive = path.startsWith('/archives/') ? this.packages.archiveByPath(path) : undefined;
    if (archive) return { contentType: 'application/zip', body: Buffer.from(archive.bytes) };
    const filler = phpJsonEncode({ packages: [], padding: 'x'.repeat(2048) });
    return { contentType: 'application/json', body: Buffer.from(filler) };
  }

  private sendJson(res: ServerResponse, record: RecordedRequest, status: number, value: JsonObject, extra: Record<string, string> = {}): void {
    const body = Buffer.from(phpJsonEncode(value));
    record.status = status;
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': body.length, ...extra });
    res.end(body);
  }
}

function optional<K extends string>(key: K, value: string | undefined): Partial<Record<K, string>> {
  const out: Partial<Record<K, string>> = {};
  if (value !== undefined) out[key] = value;
  return out;
}

function parseBody(body: Buffer): unknown {
  const text = body.toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen({ port, host: '127.0.0.1' }, () => {
      server.off('error', onError);
      const address = server.address();
      if (address === null || typeof address === 'string') reject(new Error('mock upstream: no TCP address'));
      else resolve(address.port);
    });
  });
}

/**
 * Starts a mock repo.magento.com on 127.0.0.1 serving the default Magento-like package set (or
 * `options.packages`, plus `options.extraPackages`) in the given layout. Close it with `close()`.
 */
export async function startMockUpstream(options: MockUpstreamOptions): Promise<MockUpstream> {
  const server = createServer({ keepAliveTimeout: 5000 });
  const port = await listen(server, options.port ?? 0);
  const url = `http://127.0.0.1:${port}`;
  const specs = options.packages ?? defaultCatalog();
  const packages = new PackageSet(url, options.extraPackages ? [...specs, ...options.extraPackages] : specs);
  return new MockUpstreamServer(
    server,
    url,
    port,
    options.layout,
    options.username ?? DEFAULT_UPSTREAM_USERNAME,
    options.password ?? DEFAULT_UPSTREAM_PASSWORD,
    packages,
    options,
  );
}
