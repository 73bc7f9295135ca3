/**
 * Small HTTP helpers for the mock upstream: Basic credentials, conditional requests,
 * `Accept-Encoding`, and paced body writing.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

/** Username and password from a `Basic` Authorization header, or undefined. */
export function basicCredentials(header: string | undefined): { username: string; password: string } | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header ?? '');
  if (!m || m[1] === undefined) return undefined;
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** The percent-decoded path of a request target, without query string (raw when undecodable). */
export function decodePath(target: string): string {
  const path = target.split('?', 1)[0] ?? '/';
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/** True when the client accepts a gzip-encoded response. */
export function acceptsGzip(req: IncomingMessage): boolean {
  const header = req.headers['accept-encoding'];
  if (typeof header !== 'string') return false;
  return header.split(',').some((part) => {
    const [coding = '', ...params] = part.trim().toLowerCase().split(';');
    if (coding.trim() !== 'gzip' && coding.trim() !== 'x-gzip') return false;
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

function opaque(tag: string): string {
  return tag.trim().replace(/^W\//, '');
}

/**
 * Whether a conditional GET may be answered with 304: `If-None-Match` (weak comparison) wins over
 * `If-Modified-Since`, as RFC 9110 requires.
 */
export function notModified(req: IncomingMessage, etag: string, lastModified: number): boolean {
  const inm = req.headers['if-none-match'];
  if (typeof inm === 'string' && inm.trim() !== '') {
    return inm.split(',').some((t) => t.trim() === '*' || opaque(t) === opaque(etag));
  }
  const ims = req.headers['if-modified-since'];
  if (typeof ims !== 'string') return false;
  const since = Date.parse(ims);
  return !Number.isNaN(since) && lastModified <= since;
}

/** Resolves when the response can take more data, or has been closed. */
function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/**
 * Writes `body` and ends the response: at once when `bytesPerSecond` is undefined, otherwise in
 * chunks paced to that rate (about 20 writes a second). Stops quietly if the client goes away or
 * `signal` aborts.
 */
export async function sendPaced(res: ServerResponse, body: Uint8Array, bytesPerSecond: () => number | undefined, signal: AbortSignal): Promise<void> {
  const initial = bytesPerSecond();
  if (initial === undefined || initial <= 0 || body.length === 0) {
    res.end(body);
    return;
  }
  let offset = 0;
  while (offset < body.length) {
    if (res.destroyed || signal.aborted) return;
    const rate = bytesPerSecond() ?? Number.POSITIVE_INFINITY;
    const size = Number.isFinite(rate) ? Math.max(512, Math.floor(rate / 20)) : body.length - offset;
    const piece = body.subarray(offset, offset + size);
    offset += piece.length;
    if (!res.write(piece)) await drained(res);
    if (Number.isFinite(rate) && offset < body.length) {
      try {
        await sleep((piece.length / rate) * 1000, undefined, { signal });
      } catch {
        return;
      }
    }
  }
  if (!res.destroyed) res.end();
}
