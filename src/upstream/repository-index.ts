import { isObject, jsonOf } from '../cache/json-document.js';
import type { CachedDocument } from '../cache/cached-document.js';
import { rootMessages, type RootMessages } from './root-messages.js';

/** The three layouts repo.magento.com has served (see composer-protocol.md). */
export type UpstreamLayout = 'composer2' | 'providers' | 'inline';

/** What repogate knows about the upstream repository, derived from its root document. */
export interface RepositoryIndex {
  readonly layout: UpstreamLayout;
  /** Changes when anything in the index changes. */
  readonly revision: string;
  /** Package names the upstream says it has, sorted; null when it doesn't list them. */
  readonly names: readonly string[] | null;
  readonly nameSet: ReadonlySet<string> | null;
  /** `available-package-patterns` of a Composer 2 upstream. */
  readonly patterns: readonly string[] | null;
  readonly notifyBatch: string | null;
  /** Composer 2: the metadata URL template. */
  readonly metadataUrl: string | null;
  /** Composer 1: the provider URL template and each package's file hash. */
  readonly providersUrl: string | null;
  readonly providerHashes: ReadonlyMap<string, string> | null;
  /** Inline layout: the whole `packages` map of the root document. */
  readonly inlinePackages: Readonly<Record<string, unknown>> | null;
  /** Warnings and infos the upstream wants users to see (`warning`, `warnings`, `info`, `infos`, …). */
  readonly messages: RootMessages;
  readonly rootLastModifiedMs: number;
  /** `security-advisories.api-url` of the root document, as written (Composer's `audit` posts to it). */
  readonly advisoriesUrl: string | null;
  /** `search` (`…?q=%query%&type=%type%`) and `list` of the root document, as written. */
  readonly searchUrl: string | null;
  readonly listUrl: string | null;
}

/**
 * Whether the index rules `name` out: neither in the list it gives nor matching any of its patterns
 * (Composer asks a repository that gives both for a name either admits). False when the upstream
 * gives neither (packagist lists no names): only its metadata can tell.
 */
export function indexExcludes(index: RepositoryIndex, name: string): boolean {
  if (index.nameSet === null && index.patterns === null) return false;
  if (index.nameSet?.has(name) === true) return false;
  return index.patterns?.some((pattern) => patternMatches(pattern, name)) !== true;
}

/**
 * Whether the index names `name` itself (in `available-packages`, a provider, an inline package):
 * then the upstream has it. A name only a pattern admits may still be absent.
 */
export function indexLists(index: RepositoryIndex, name: string): boolean {
  return index.nameSet?.has(name) === true;
}

/** Whether the index's list is all the upstream has: a list, and no patterns admitting more. */
export function indexListsAll(index: RepositoryIndex): boolean {
  return index.names !== null && index.patterns === null;
}

/** `available-package-patterns` as Composer reads them: `*` matches any run of characters. */
function patternMatches(pattern: string, name: string): boolean {
  const parts = pattern.toLowerCase().split('*');
  if (parts.length === 1) return parts[0] === name;
  if (!name.startsWith(parts[0]!) || !name.endsWith(parts[parts.length - 1]!)) return false;
  let at = parts[0]!.length;
  for (const part of parts.slice(1, -1)) {
    const found = name.indexOf(part, at);
    if (found === -1) return false;
    at = found + part.length;
  }
  return at <= name.length - parts[parts.length - 1]!.length;
}

/** A Composer 1 provider-include file to load before the index is complete. */
export interface ProviderInclude {
  readonly path: string;
  readonly sha256: string;
}

export function detectLayout(root: Record<string, unknown>): UpstreamLayout {
  if (typeof root['metadata-url'] === 'string') return 'composer2';
  if (typeof root['providers-url'] === 'string' && (isObject(root['provider-includes']) || isObject(root['providers']))) {
    return 'providers';
  }
  return 'inline';
}

/** The provider-include files named by a Composer 1 root (`p/provider-x$%hash%.json` → concrete paths). */
export function providerIncludes(root: Record<string, unknown>): ProviderInclude[] {
  const includes = root['provider-includes'];
  if (!isObject(includes)) return [];
  const result: ProviderInclude[] = [];
  for (const [template, value] of Object.entries(includes)) {
    if (!isObject(value) || typeof value['sha256'] !== 'string') continue;
    result.push({ path: template.replace('%hash%', value['sha256']), sha256: value['sha256'] });
  }
  return result;
}

/**
 * The URLs a root document would send repogate to, as `[field, reference]` with their templates
 * filled in (`metadata-url`, `providers-url`, each `provider-includes` file, `notify-batch`), for
 * checking before any of them is followed.
 */
export function rootReferences(root: Record<string, unknown>): Array<readonly [string, string]> {
  const references: Array<readonly [string, string]> = [];
  const sampleHash = '0'.repeat(64);
  if (typeof root['metadata-url'] === 'string') references.push(['metadata-url', root['metadata-url'].replace('%package%', 'vendor/package')]);
  if (typeof root['providers-url'] === 'string') {
    references.push(['providers-url', root['providers-url'].replace('%package%', 'vendor/package').replace('%hash%', sampleHash)]);
  }
  for (const include of providerIncludes(root)) references.push(['provider-includes', include.path]);
  if (typeof root['notify-batch'] === 'string') references.push(['notify-batch', root['notify-batch']]);
  return references;
}

function advisoriesUrlOf(root: Record<string, unknown>): string | null {
  const advisories = root['security-advisories'];
  return isObject(advisories) && typeof advisories['api-url'] === 'string' ? advisories['api-url'] : null;
}

function stringList(value: unknown): string[] | null {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : null;
}

function httpDateMs(value: string | null, fallback: number): number {
  const ms = value === null ? NaN : Date.parse(value);
  return Number.isNaN(ms) ? fallback : ms;
}

/** Builds the index from the root document and, for Composer 1 roots, its provider-include files. */
export function buildIndex(rootDoc: CachedDocument, includeDocs: readonly CachedDocument[]): RepositoryIndex {
  const root = jsonOf(rootDoc);
  const layout = detectLayout(root);
  const rootLastModifiedMs = httpDateMs(rootDoc.lastModified, rootDoc.changedAt);
  const base = {
    layout,
    revision: [rootDoc.revision, ...includeDocs.map((d) => d.revision)].join('+'),
    notifyBatch: typeof root['notify-batch'] === 'string' ? root['notify-batch'] : null,
    messages: rootMessages(root),
    rootLastModifiedMs,
    advisoriesUrl: advisoriesUrlOf(root),
    searchUrl: typeof root['search'] === 'string' ? root['search'] : null,
    listUrl: typeof root['list'] === 'string' ? root['list'] : null,
  };
  if (layout === 'composer2') {
    // Lowercased as Composer reads them (and as the other layouts' names are): lookups use lowercase names.
    // An empty list (or set of patterns) is none, as Composer reads it.
    const listed = stringList(root['available-packages']);
    const names = listed !== null && listed.length > 0 ? listed.map((n) => n.toLowerCase()).sort() : null;
    const patterns = stringList(root['available-package-patterns']);
    return {
      ...base,
      names,
      nameSet: names ? new Set(names) : null,
      patterns: patterns !== null && patterns.length > 0 ? patterns : null,
      metadataUrl: root['metadata-url'] as string,
      providersUrl: null,
      providerHashes: null,
      inlinePackages: null,
    };
  }
  if (layout === 'providers') {
    const hashes = new Map<string, string>();
    const addProviders = (providers: unknown): void => {
      if (!isObject(providers)) return;
      for (const [name, value] of Object.entries(providers)) {
        if (isObject(value) && typeof value['sha256'] === 'string') hashes.set(name.toLowerCase(), value['sha256']);
      }
    };
    addProviders(root['providers']);
    for (const doc of includeDocs) addProviders(jsonOf(doc)['providers']);
    const names = [...hashes.keys()].sort();
    return {
      ...base,
      names,
      nameSet: new Set(names),
      patterns: null,
      metadataUrl: null,
      providersUrl: root['providers-url'] as string,
      providerHashes: hashes,
      inlinePackages: null,
    };
  }
  const packages = isObject(root['packages']) ? root['packages'] : {};
  const names = Object.keys(packages)
    .map((n) => n.toLowerCase())
    .sort();
  return {
    ...base,
    names,
    nameSet: new Set(names),
    patterns: null,
    metadataUrl: null,
    providersUrl: null,
    providerHashes: null,
    inlinePackages: packages,
  };
}
