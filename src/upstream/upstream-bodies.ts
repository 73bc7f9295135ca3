import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { brotliDecompress, gunzip, inflate } from 'node:zlib';
import { errors as undiciErrors } from 'undici';
import { RepogateError } from '../errors.js';

const gunzipAsync = promisify(gunzip);
const inflateAsync = promisify(inflate);
const brotliAsync = promisify(brotliDecompress);

/** A response header's first value, or null. */
export function header(headers: Record<string, string | string[] | undefined>, name: string): string | null {
  const value = headers[name];
  if (Array.isArray(value)) return value[0] ?? null;
  return value ?? null;
}

/** Reads a document's body whole, refusing one larger than `maxBytes` (UPSTREAM_INVALID). */
export async function readLimited(body: Readable, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of body) {
    const buffer = chunk as Buffer;
    total += buffer.length;
    if (total > maxBytes) {
      body.destroy();
      throw new RepogateError('UPSTREAM_INVALID', `the upstream document is larger than ${maxBytes} bytes`);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks, total);
}

/** A document's body decompressed as its `Content-Encoding` says (a corrupt one is UPSTREAM_INVALID). */
export async function decodeBody(raw: Buffer, encoding: string | null, url: URL): Promise<Buffer> {
  try {
    switch (encoding?.toLowerCase()) {
      case 'gzip':
      case 'x-gzip':
        return await gunzipAsync(raw);
      case 'deflate':
        return await inflateAsync(raw);
      case 'br':
        return await brotliAsync(raw);
      default:
        return raw;
    }
  } catch (error) {
    throw new RepogateError('UPSTREAM_INVALID', `the upstream sent a corrupt compressed body for ${url.pathname}`, { cause: error });
  }
}

/** What a failed upstream request is to the client: UPSTREAM_TIMEOUT, or UPSTREAM_UNAVAILABLE with the cause's code. */
export function upstreamFailure(error: unknown, url: URL, timedOut: boolean, timeoutMs: number): RepogateError {
  if (error instanceof RepogateError) return error;
  const path = url.pathname;
  if (timedOut || error instanceof undiciErrors.HeadersTimeoutError || error instanceof undiciErrors.BodyTimeoutError || error instanceof undiciErrors.ConnectTimeoutError) {
    return new RepogateError('UPSTREAM_TIMEOUT', `the upstream repository did not answer ${path} within ${timeoutMs} ms`, { cause: error });
  }
  const code = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : 'unknown';
  return new RepogateError('UPSTREAM_UNAVAILABLE', `the upstream repository is unreachable for ${path} (${code})`, { cause: error });
}
