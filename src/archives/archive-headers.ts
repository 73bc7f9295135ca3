import type { UpstreamStream } from '../upstream/upstream-client.js';
import type { ArchivePin } from './pin-store.js';

/** The upstream's headers an archive answer passes on. */
const passHeaders = ['content-type', 'content-length', 'last-modified', 'etag'] as const;

/** The headers of an archive streamed from the upstream (not yet pinned). */
export function upstreamHeaders(response: UpstreamStream): Record<string, string | number> {
  const headers: Record<string, string | number> = {};
  for (const name of passHeaders) {
    const value = response.headers[name];
    if (typeof value === 'string') headers[name] = value;
  }
  headers['content-type'] ??= 'application/zip';
  return headers;
}

/** The headers of a pinned archive: its own, whatever the upstream sent; ranges of it can be asked for. */
export function pinnedHeaders(path: string, pin: ArchivePin): Record<string, string | number> {
  return { 'content-type': contentTypeOf(path), 'content-length': pin.size, etag: `"${pin.sha1}"`, 'accept-ranges': 'bytes' };
}

/** Composer's dist types: zip (repo.magento.com), tar, gzip'd tar. */
export function contentTypeOf(path: string): string {
  const bare = path.split('?', 1)[0]!.toLowerCase();
  if (bare.endsWith('.zip')) return 'application/zip';
  if (bare.endsWith('.tar.gz') || bare.endsWith('.tgz')) return 'application/gzip';
  if (bare.endsWith('.tar')) return 'application/x-tar';
  return 'application/octet-stream';
}

export function numberHeader(value: string | string[] | undefined): number | undefined {
  if (typeof value !== 'string' || !/^\d+$/.test(value)) return undefined;
  return Number(value);
}
