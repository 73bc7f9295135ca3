import { rulesAllow } from '../registry/rules.js';
import type { EffectiveAccess } from '../access/access-rules.js';
import { indexListsAll, type RepositoryIndex } from '../upstream/repository-index.js';
import type { PackageSource } from '../upstream/upstream-repository.js';
import type { DistIndex } from '../archives/dist-index.js';
import { minifyVersions, type VersionEntry } from '../upstream/minified-metadata.js';
import { toRendered, type Rendered } from '../http/rendered.js';
import type { DistMapping } from '../upstream/dist-mapping.js';

/**
 * Which `shasum` a dist served by repogate carries: the sha1 of the bytes pinned for its path, when
 * repogate has served them, else the upstream's (src/archives/archive-cache.ts).
 */
export interface DistPinning {
  shasumFor(path: string, packageName: string, upstreamShasum: string | undefined): string | undefined;
  /** The `shasum` of a project template's dist as served through `base` (its repositories name `base`). */
  templateShasumFor(path: string, packageName: string, upstreamShasum: string | undefined, base: string): string;
  /** Changes whenever a pin of the package changes. */
  pinRevision(packageName: string): number;
}

/**
 * The memo key of a package's rendered metadata: everything the bytes depend on (the upstream
 * content, the public base URL and the package's archive pins).
 */
export function packageRenderKey(source: PackageSource, base: string, pinning: DistPinning | undefined): string {
  // `source.revision` names the source the package was read from.
  return `p2|${source.revision}|${base}|${pinning?.pinRevision(source.name) ?? 0}`;
}

/**
 * A package's Composer 2 metadata file (`/p2/vendor/name.json`) as repogate serves it: minified,
 * only the named package, dist and source URLs on the upstream host pointed at `base`, and each
 * dist's `shasum` the one of the bytes repogate pinned for it (of a project template: of the bytes
 * it serves through `base`).
 */
export function renderPackage(source: PackageSource, base: string, rewriter: DistMapping, dists: DistIndex, pinning?: DistPinning): Rendered {
  const versions = source.versions().map((entry) => rewriteEntry(entry, source.name, base, rewriter, dists, pinning));
  return toRendered({ minified: 'composer/2.0', packages: { [source.name]: minifyVersions(versions) } }, source.lastModifiedMs);
}

function rewriteEntry(
  entry: VersionEntry,
  name: string,
  base: string,
  rewriter: DistMapping,
  dists: DistIndex,
  pinning: DistPinning | undefined,
): VersionEntry {
  const { uid: _uid, ...rest } = entry;
  const result: VersionEntry = rest;
  for (const field of ['dist', 'source'] as const) {
    const value = entry[field];
    if (typeof value !== 'object' || value === null || Array.isArray(value)) continue;
    const reference = value as Record<string, unknown>;
    const url = reference['url'];
    if (typeof url !== 'string') continue;
    if (field === 'source' && rewriter.sourceReferences === 'drop') {
      delete result[field];
      continue;
    }
    const path = rewriter.pathOf(url, entry, name);
    if (path === undefined) continue;
    const rewritten: Record<string, unknown> = { ...reference, url: `${base}${path}` };
    if (field === 'dist') {
      dists.learn(new URL(`${base}${path}`).pathname, name);
      const upstreamShasum = typeof reference['shasum'] === 'string' ? reference['shasum'] : undefined;
      // A project template is served naming `base` as its repository (src/archives/project-templates.ts).
      const shasum = entry['type'] === 'project' ? pinning?.templateShasumFor(path, name, upstreamShasum, base) : pinning?.shasumFor(path, name, upstreamShasum);
      if (shasum !== undefined) rewritten['shasum'] = shasum;
    }
    result[field] = rewritten;
  }
  return result;
}

/** Package names (or patterns) of the index that the key may see. */
export function visiblePackages(index: RepositoryIndex, access: EffectiveAccess): { names?: string[]; patterns?: string[] } {
  const allows = (name: string): boolean =>
    access.grants.some((g) => rulesAllow(g.rules, name)) && (access.scope === null || rulesAllow(access.scope, name));
  if (index.names && indexListsAll(index)) return { names: index.names.filter(allows) };
  // No list upstream, or patterns besides it: offer the key's own positive rules (narrowed by scope) as patterns. A name they
  // admit that the upstream lacks is a 404, which Composer handles.
  const positive = (access.scope ?? access.grants.flatMap((g) => g.rules)).filter((r) => !r.negated).map((r) => r.glob);
  return { patterns: [...new Set(positive)].sort() };
}

/** The root document clients get: always the Composer 2 layout, filtered to what the key may see. */
export function renderRoot(index: RepositoryIndex, access: EffectiveAccess, base: string): Rendered {
  const visible = visiblePackages(index, access);
  const root: Record<string, unknown> = {
    packages: [],
    'metadata-url': `${base}/p2/%package%.json`,
    'notify-batch': `${base}/notify-batch`,
  };
  if (visible.names) root['available-packages'] = visible.names;
  if (visible.patterns) root['available-package-patterns'] = visible.patterns;
  // Composer's `audit` posts the installed names here; repogate asks the sources (advisories-answer.ts).
  if (index.advisoriesUrl !== null) root['security-advisories'] = { metadata: false, 'api-url': `${base}/api/security-advisories/` };
  // `composer search` and name listings, answered from the sources that offer them (catalogue-routes.ts).
  if (index.searchUrl !== null) root['search'] = `${base}/search.json?q=%query%&type=%type%`;
  if (index.listUrl !== null && !visible.names) root['list'] = `${base}/packages/list.json`;
  Object.assign(root, index.messages);
  return toRendered(root, index.rootLastModifiedMs);
}
