import { LRUCache } from 'lru-cache';
import { isValidPackageName } from '../registry/rules.js';

/**
 * Which package an archive path belongs to. repo.magento.com's archives live at
 * `/archives/<vendor>/<name>/…`, which says it directly; other upstreams' dist paths are learned
 * when metadata naming them is rendered.
 */
export class DistIndex {
  readonly #learned = new LRUCache<string, string>({ max: 50_000 });

  learn(path: string, packageName: string): void {
    if (packageFromArchivePath(path) !== packageName) this.#learned.set(path, packageName);
  }

  packageFor(path: string): string | undefined {
    return packageFromArchivePath(path) ?? this.#learned.get(path);
  }
}

export function packageFromArchivePath(path: string): string | undefined {
  const match = /^\/archives\/([^/]+)\/([^/]+)\/([A-Za-z0-9][A-Za-z0-9._+~-]*)$/.exec(path);
  if (!match || match[3]!.includes('..')) return undefined;
  const name = `${match[1]}/${match[2]}`.toLowerCase();
  return isValidPackageName(name) ? name : undefined;
}
