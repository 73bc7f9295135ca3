import { Writable } from 'node:stream';
import { z } from 'zod';
import { packageFromArchivePath } from './dist-index.js';
import type { VersionEntry } from '../upstream/minified-metadata.js';
import type { UrlRewriter } from '../upstream/url-rewriter.js';
import { invalid, isRepogateError } from '../errors.js';
import type { UpstreamRepository } from '../upstream/upstream-repository.js';
import type { ArchiveCache, ArchiveOutcome } from './archive-cache.js';

/** One archive to fetch into the cache. */
export interface WarmTarget {
  readonly packageName: string;
  readonly version: string;
  /** The dist path as repogate serves it. */
  readonly path: string;
}

export interface WarmProgress {
  readonly total: number;
  readonly done: number;
  readonly failed: number;
  readonly bytes: number;
}

export interface WarmFailure {
  readonly packageName: string;
  readonly version: string;
  readonly path: string;
  readonly code: string;
  readonly message: string;
}

export interface WarmSummary {
  readonly archives: number;
  /** Fetched from the upstream now (and pinned, when new). */
  readonly downloaded: number;
  /** Already on disk. */
  readonly cached: number;
  readonly failed: readonly WarmFailure[];
  readonly bytes: number;
  readonly seconds: number;
}

const lockSchema = z.looseObject({
  packages: z.array(z.looseObject({ name: z.string(), version: z.string(), dist: z.looseObject({ url: z.string() }).optional() })).optional(),
  'packages-dev': z
    .array(z.looseObject({ name: z.string(), version: z.string(), dist: z.looseObject({ url: z.string() }).optional() }))
    .optional(),
});

/**
 * The archives a `composer.lock` installs that repogate serves: dist URLs on the upstream's host, on
 * `publicUrl`, or of the `/archives/<vendor>/<name>/…` form on any host (a lock made through another
 * repogate). Others (GitHub zipballs, packagist) are `skipped`.
 */
export function targetsFromLock(
  text: string,
  rewriter: UrlRewriter,
  publicUrl: string | undefined,
): { targets: WarmTarget[]; skipped: number } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw invalid('the lock file is not valid JSON');
  }
  const parsed = lockSchema.safeParse(json);
  if (!parsed.success) throw invalid('the lock file does not look like a composer.lock (expected "packages" with name, version and dist)');
  const targets: WarmTarget[] = [];
  let skipped = 0;
  for (const entry of [...(parsed.data.packages ?? []), ...(parsed.data['packages-dev'] ?? [])]) {
    if (!entry.dist) continue;
    const path = distPath(entry.dist.url, rewriter, publicUrl);
    if (path === undefined) {
      skipped++;
      continue;
    }
    targets.push({ packageName: entry.name.toLowerCase(), version: entry.version, path });
  }
  return { targets, skipped };
}

function distPath(url: string, rewriter: UrlRewriter, publicUrl: string | undefined): string | undefined {
  const upstreamPath = rewriter.toPublic(url, '');
  if (upstreamPath !== undefined) return upstreamPath;
  if (publicUrl !== undefined && url.startsWith(`${publicUrl}/`)) return url.slice(publicUrl.length);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  return packageFromArchivePath(parsed.pathname) === undefined ? undefined : `${parsed.pathname}${parsed.search}`;
}

/**
 * The newest stable version of every package the upstream lists (its metadata is fetched on the
 * way, `concurrency` packages at a time).
 */
export async function latestTargets(repository: UpstreamRepository, rewriter: UrlRewriter, concurrency = 8): Promise<WarmTarget[]> {
  const { index } = await repository.index();
  const names = index.names ?? [...(index.providerHashes?.keys() ?? []), ...Object.keys(index.inlinePackages ?? {})].map((n) => n.toLowerCase());
  const targets: WarmTarget[] = [];
  await eachLimited([...new Set(names)].sort(), concurrency, async (name) => {
    let source;
    try {
      source = await repository.package(name, false);
    } catch (error) {
      // A package the organisation is not entitled to upstream is not warmed (and was logged); the others are.
      if (isRepogateError(error) && error.code === 'UPSTREAM_NOT_ENTITLED') return;
      throw error;
    }
    const latest = newest(source?.versions() ?? []);
    const dist = latest?.['dist'];
    if (!latest || typeof dist !== 'object' || dist === null || Array.isArray(dist)) return;
    const url = (dist as Record<string, unknown>)['url'];
    const path = typeof url === 'string' ? rewriter.toPublic(url, '') : undefined;
    if (path !== undefined) targets.push({ packageName: name, version: String(latest['version'] ?? ''), path });
  });
  return targets.sort((a, b) => a.path.localeCompare(b.path));
}

function newest(versions: readonly VersionEntry[]): VersionEntry | undefined {
  let best: VersionEntry | undefined;
  for (const entry of versions) {
    if (!best || compareNormalized(String(entry['version_normalized'] ?? ''), String(best['version_normalized'] ?? '')) > 0) best = entry;
  }
  return best;
}

/** Stability ranks of a normalised version's suffix, as Composer orders them (a patch after its release). */
const suffixRank: Readonly<Record<string, number>> = { dev: 0, alpha: 1, a: 1, beta: 2, b: 2, rc: 3, '': 4, patch: 5, pl: 5, p: 5 };

/**
 * Compares normalised versions (`2.4.7.0`, `2.4.7.0-patch12`, `2.4.8.0-beta1`) the way Composer
 * orders them: the numbers part by part, then the suffix (dev < alpha < beta < RC < release < patch),
 * then the suffix's number (`patch12` after `patch9`).
 */
export function compareNormalized(a: string, b: string): number {
  const pa = parseNormalized(a);
  const pb = parseNormalized(b);
  for (let i = 0; i < Math.max(pa.numbers.length, pb.numbers.length); i++) {
    const d = (pa.numbers[i] ?? 0) - (pb.numbers[i] ?? 0);
    if (d !== 0) return d;
  }
  return pa.rank - pb.rank || pa.n - pb.n;
}

function parseNormalized(version: string): { numbers: number[]; rank: number; n: number } {
  const match = /^v?(\d+(?:\.\d+)*)(?:-?([a-z]+)\.?(\d*))?/i.exec(version);
  if (!match) return { numbers: [], rank: 0, n: 0 };
  const numbers = match[1]!.split('.').map(Number);
  const rank = suffixRank[(match[2] ?? '').toLowerCase()] ?? 0;
  return { numbers, rank, n: Number(match[3] || 0) };
}

/**
 * Fetches each target into the archive cache (and pins it), `concurrency` at a time, reporting
 * progress after each archive. Metadata of the packages is fetched first, which gives every
 * archive the `shasum` it is checked against.
 */
export async function warmArchives(
  archives: ArchiveCache,
  repository: UpstreamRepository,
  targets: readonly WarmTarget[],
  options: { concurrency?: number; onProgress?: (progress: WarmProgress) => void } = {},
): Promise<WarmSummary> {
  const started = performance.now();
  const names = [...new Set(targets.map((t) => t.packageName))];
  await eachLimited(names, 8, async (name) => {
    await repository.package(name, false).catch(() => undefined);
  });
  const failed: WarmFailure[] = [];
  let downloaded = 0;
  let cached = 0;
  let bytes = 0;
  let done = 0;
  const report = (): void => options.onProgress?.({ total: targets.length, done, failed: failed.length, bytes });
  report();
  await eachLimited(targets, options.concurrency ?? 6, async (target) => {
    try {
      const outcome = await fetchOne(archives, target, (n) => {
        bytes += n;
      });
      if (outcome === 'hit') cached++;
      else downloaded++;
    } catch (error) {
      failed.push({
        packageName: target.packageName,
        version: target.version,
        path: target.path,
        code: isRepogateError(error) ? error.code : 'INTERNAL',
        message: error instanceof Error ? error.message : String(error),
      });
    }
    done++;
    report();
  });
  await archives.idle();
  return { archives: targets.length, downloaded, cached, failed, bytes, seconds: (performance.now() - started) / 1000 };
}

async function fetchOne(archives: ArchiveCache, target: WarmTarget, counted: (bytes: number) => void): Promise<ArchiveOutcome> {
  const response = await archives.open({ path: target.path, packageName: target.packageName });
  await response.body.copyTo(
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        counted(chunk.length);
        callback();
      },
    }),
  );
  return response.outcome;
}

async function eachLimited<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next++]!;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
