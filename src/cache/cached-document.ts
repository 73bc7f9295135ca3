import { createHash } from 'node:crypto';

/**
 * An upstream response as the cache keeps it. Only 200s with a valid JSON body and 404s (briefly)
 * are ever stored.
 */
export interface CachedDocument {
  readonly status: 200 | 404;
  /** The upstream body, decompressed (empty for a 404). */
  readonly body: Buffer;
  readonly lastModified: string | null;
  readonly etag: string | null;
  /** When the upstream last confirmed this content (a 200 or a 304), ms since epoch. */
  readonly fetchedAt: number;
  /** When the content last changed, ms since epoch: what repogate calls Last-Modified when the upstream says nothing. */
  readonly changedAt: number;
  /** Content hash: identifies what is rendered from this document. */
  readonly revision: string;
}

export function revisionOf(body: Buffer): string {
  return createHash('sha1').update(body).digest('hex').slice(0, 20);
}

/** Redis value: one JSON header line, a newline, then the body bytes. */
export function serialiseDocument(doc: CachedDocument): Buffer {
  const { body, ...meta } = doc;
  return Buffer.concat([Buffer.from(`${JSON.stringify(meta)}\n`), body]);
}

export function deserialiseDocument(data: Buffer): CachedDocument | undefined {
  const newline = data.indexOf(10);
  if (newline === -1) return undefined;
  try {
    const meta = JSON.parse(data.subarray(0, newline).toString('utf8')) as Omit<CachedDocument, 'body'>;
    if ((meta.status !== 200 && meta.status !== 404) || typeof meta.fetchedAt !== 'number') return undefined;
    return { ...meta, body: data.subarray(newline + 1) };
  } catch {
    return undefined;
  }
}
