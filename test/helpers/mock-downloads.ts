import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pseudoRandomBytes } from './mock-upstream/index.js';
import { basic } from './repogate.js';

/** One request the mock downloads site received. */
export interface DownloadsRequest {
  /** The request target exactly as received. */
  readonly url: string;
  readonly authorization: string | undefined;
  readonly range: string | undefined;
  readonly ifRange: string | undefined;
}

/** A stand-in for the release downloads site (www.magentocommerce.com/products/downloads/…). */
export interface MockDownloads {
  /** `http://127.0.0.1:PORT` + `basePath`: what REPOGATE_DOWNLOADS_URL should be. */
  readonly url: string;
  readonly requests: DownloadsRequest[];
  /** Requests for anything outside `<basePath>/products/downloads/`: each one is an escape. */
  readonly outside: DownloadsRequest[];
  /** The bytes of `file/<name>` (the same for every name), and their ETag and Last-Modified. */
  readonly file: Buffer;
  readonly etag: string;
  readonly lastModified: string;
  close(): Promise<void>;
}

export interface MockDownloadsOptions {
  /** The site's own path prefix (`/mirror`); '' by default. */
  readonly basePath?: string;
  readonly mageId: string;
  readonly token: string;
  /** Size of `file/<name>`; 300,000 bytes by default. */
  readonly fileBytes?: number;
}

/**
 * Starts a downloads site on 127.0.0.1. Under `<basePath>/products/downloads/` it answers only the
 * organisation's MAGEID:TOKEN: `info/help` (text) and `file/<name>` (bytes, with `Accept-Ranges`, one
 * byte range per request, `If-Range` on the ETag or date, 416 with a `Content-Range` naming the size).
 * Anything outside that base answers 200 with a body naming the path it was asked for, so that a
 * test sees what would leak; such requests are listed in `outside`.
 */
export async function startMockDownloads(options: MockDownloadsOptions): Promise<MockDownloads> {
  const basePath = options.basePath ?? '';
  const prefix = `${basePath}/products/downloads/`;
  const file = Buffer.from(pseudoRandomBytes(options.fileBytes ?? 300_000, 17));
  const etag = '"release-file-1"';
  const lastModified = new Date(Date.UTC(2025, 0, 2, 3, 4, 5)).toUTCString();
  const requests: DownloadsRequest[] = [];
  const outside: DownloadsRequest[] = [];
  const server = createServer((req, res) => {
    const seen: DownloadsRequest = {
      url: req.url ?? '',
      authorization: req.headers.authorization,
      range: req.headers.range,
      ifRange: typeof req.headers['if-range'] === 'string' ? req.headers['if-range'] : undefined,
    };
    requests.push(seen);
    const path = seen.url.split('?')[0] ?? '';
    if (!path.startsWith(prefix)) {
      outside.push(seen);
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`SECRET outside the downloads base: ${path}\n`);
      return;
    }
    if (req.headers.authorization !== basic(options.mageId, options.token)) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="downloads"' }).end('denied');
      return;
    }
    const command = path.slice(prefix.length);
    if (command === 'info/help') {
      const help = 'release downloads help\n';
      res.writeHead(200, { 'content-type': 'text/plain', 'content-length': Buffer.byteLength(help) }).end(help);
      return;
    }
    if (command.startsWith('file/')) {
      sendFile(req, res, file, { etag, lastModified, name: command.slice('file/'.length) });
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${basePath}`;
  return {
    url,
    requests,
    outside,
    file,
    etag,
    lastModified,
    close: () => closeServer(server),
  };
}

/** The whole file, or one byte range of it (RFC 9110 §14), honouring If-Range. */
function sendFile(req: IncomingMessage, res: ServerResponse, file: Buffer, meta: { etag: string; lastModified: string; name: string }): void {
  const headers = {
    'content-type': 'application/zip',
    'content-disposition': `attachment; filename="${meta.name}"`,
    'accept-ranges': 'bytes',
    etag: meta.etag,
    'last-modified': meta.lastModified,
  };
  const range = req.headers.range;
  const ifRange = req.headers['if-range'];
  const rangeApplies = range !== undefined && (ifRange === undefined || ifRange === meta.etag || ifRange === meta.lastModified);
  if (!rangeApplies) {
    res.writeHead(200, { ...headers, 'content-length': file.length }).end(file);
    return;
  }
  const match = /^bytes=(\d*)-(\d*)$/.exec(range);
  if (!match || (match[1] === '' && match[2] === '')) {
    res.writeHead(200, { ...headers, 'content-length': file.length }).end(file);
    return;
  }
  const size = file.length;
  let start: number;
  let end: number;
  if (match[1] === '') {
    start = Math.max(0, size - Number(match[2]));
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  if (start >= size || start > end) {
    res.writeHead(416, { 'content-range': `bytes */${size}`, 'content-type': 'text/plain' }).end('range not satisfiable');
    return;
  }
  const part = file.subarray(start, end + 1);
  res.writeHead(206, { ...headers, 'content-range': `bytes ${start}-${end}/${size}`, 'content-length': part.length }).end(part);
}

/** A server on 127.0.0.1 that stands for another host: it counts what it receives and answers 200. */
export interface CountingServer {
  readonly url: string;
  /** `host:port`. */
  readonly host: string;
  /** `METHOD target`, in arrival order. */
  readonly requests: string[];
  /** The Authorization header of each request ('' when none). */
  readonly authorizations: string[];
  close(): Promise<void>;
}

export async function startCountingServer(): Promise<CountingServer> {
  const requests: string[] = [];
  const authorizations: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    authorizations.push(req.headers.authorization ?? '');
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"reached":"another host"}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, host: `127.0.0.1:${port}`, requests, authorizations, close: () => closeServer(server) };
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
