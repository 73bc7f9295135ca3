import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { LRUCache } from 'lru-cache';

/** Response bytes ready to write: the body, its gzip, and the validators. */
export interface Rendered {
  readonly body: Buffer;
  readonly gzip: Buffer | null;
  readonly etag: string;
  readonly lastModified: string;
  readonly lastModifiedMs: number;
}

/** Bodies smaller than this are sent as they are. */
const gzipThreshold = 1024;

export function toRendered(value: unknown, lastModifiedMs: number): Rendered {
  const body = Buffer.from(JSON.stringify(value));
  // HTTP dates have one-second resolution; round down so If-Modified-Since comparisons hold.
  const seconds = Math.floor(lastModifiedMs / 1000) * 1000;
  return {
    body,
    gzip: body.length >= gzipThreshold ? gzipSync(body, { level: 6 }) : null,
    etag: `"${createHash('sha1').update(body).digest('base64url').slice(0, 27)}"`,
    lastModified: new Date(seconds).toUTCString(),
    lastModifiedMs: seconds,
  };
}

/**
 * Memoised renderings, bounded in bytes. Keys say everything the bytes depend on (the upstream
 * revision, the key's rules, the public base URL), so a warm request does no JSON work.
 */
export class RenderCache {
  readonly #lru: LRUCache<string, Rendered>;

  constructor(maxBytes: number) {
    this.#lru = new LRUCache<string, Rendered>({
      maxSize: maxBytes,
      sizeCalculation: (r, key) => r.body.length + (r.gzip?.length ?? 0) + key.length + 128,
    });
  }

  get(key: string, render: () => Rendered): Rendered {
    let rendered = this.#lru.get(key);
    if (!rendered) {
      rendered = render();
      this.#lru.set(key, rendered);
    }
    return rendered;
  }
}
