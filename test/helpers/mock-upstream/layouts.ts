/**
 * Renders the metadata documents of the three repository layouts repo.magento.com has used:
 * Composer 2 (`metadata-url`, minified p2 files), Composer 1 providers (sha256-chained provider
 * files) and a single inline `packages.json`.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { PackageSet } from './package-set.js';
import { minifyVersions, phpJsonEncode } from './php-json.js';
import type { JsonObject } from './php-json.js';

/** The repository layouts the mock can serve. */
export type UpstreamLayout = 'composer2' | 'providers' | 'inline';

/** A rendered metadata document. */
export class RenderedDocument {
  /** Strong ETag of the identity body. */
  readonly etag: string;
  /** sha256 (hex) of the body: what Composer 1 provider listings publish. */
  readonly sha256: string;
  private gzipped: Buffer | undefined;

  constructor(
    /** Exact bytes served (PHP `json_encode` output). */
    readonly body: Buffer,
    /** When the content last changed (ms since the epoch, whole seconds). */
    readonly lastModified: number,
  ) {
    this.sha256 = createHash('sha256').update(body).digest('hex');
    this.etag = `"${this.sha256.slice(0, 40)}"`;
  }

  /** The body gzip-compressed (computed once). */
  gzip(): Buffer {
    this.gzipped ??= gzipSync(this.body);
    return this.gzipped;
  }
}

/**
 * Provider-include files of the providers layout, as repo.magento.com splits its Composer 1 root:
 * Open Source (`magento/*` under an open licence), Commerce (`magento/*`, proprietary) and everything
 * else (Marketplace vendors). Each lists its packages; an empty one is left out of the root.
 */
const PROVIDER_INCLUDES = ['p/provider-ce$%hash%.json', 'p/provider-ee$%hash%.json', 'p/provider-marketplace$%hash%.json'] as const;
type ProviderInclude = (typeof PROVIDER_INCLUDES)[number];

function includeOf(name: string, license: readonly string[]): ProviderInclude {
  if (!name.startsWith('magento/')) return 'p/provider-marketplace$%hash%.json';
  return license.includes('proprietary') ? 'p/provider-ee$%hash%.json' : 'p/provider-ce$%hash%.json';
}

function doc(value: JsonObject, lastModified: number): RenderedDocument {
  return new RenderedDocument(Buffer.from(phpJsonEncode(value), 'utf8'), lastModified);
}

/**
 * Renders and caches the documents of one layout, re-rendering after the package set changes.
 * Paths are percent-decoded request paths without query string (`/p/v/n$<hash>.json`).
 */
export class DocumentStore {
  private cache = new Map<string, RenderedDocument>();
  private generation = -1;
  private rootFields: JsonObject = {};
  private rootFieldsChangedAt = 0;

  constructor(
    readonly layout: UpstreamLayout,
    private readonly packages: PackageSet,
  ) {}

  /** The document served at `path`, or undefined (→ 404). */
  lookup(path: string): RenderedDocument | undefined {
    this.refresh();
    if (path === '/packages.json') return this.memo(path, () => this.withRootFields(this.root()));
    switch (this.layout) {
      case 'composer2':
        return this.lookupComposer2(path);
      case 'providers':
        return this.lookupProviders(path);
      case 'inline':
        return undefined;
    }
  }

  /**
   * Fields that replace (or add to) those of the root document, such as a `metadata-url` on another
   * host; `{}` restores the normal root. The root's Last-Modified moves on.
   */
  setRootFields(fields: JsonObject): void {
    this.rootFields = { ...fields };
    // Whole seconds (HTTP dates), always later than the last change, so that a revalidation sees it.
    this.rootFieldsChangedAt = Math.max(this.rootFieldsChangedAt, Math.floor(Date.now() / 1000) * 1000) + 1000;
    this.cache.delete('/packages.json');
  }

  /** The providers layout's per-package file name for `name` (`/p/v/n$<sha256>.json`). */
  providerPath(name: string): string | undefined {
    if (this.layout !== 'providers' || !this.packages.has(name)) return undefined;
    this.refresh();
    return `/p/${name}$${this.providerFile(name).sha256}.json`;
  }

  private refresh(): void {
    if (this.generation !== this.packages.generation) {
      this.cache = new Map();
      this.generation = this.packages.generation;
    }
  }

  private memo(key: string, render: () => RenderedDocument): RenderedDocument {
    let found = this.cache.get(key);
    if (!found) {
      found = render();
      this.cache.set(key, found);
    }
    return found;
  }

  private notifyUrl(): string {
    return `${this.packages.baseUrl}/notify-batch`;
  }

  private withRootFields(root: RenderedDocument): RenderedDocument {
    if (Object.keys(this.rootFields).length === 0) return root;
    const fields = JSON.parse(root.body.toString('utf8')) as JsonObject;
    return doc({ ...fields, ...this.rootFields }, Math.max(root.lastModified, this.rootFieldsChangedAt));
  }

  private root(): RenderedDocument {
    const p = this.packages;
    switch (this.layout) {
      case 'composer2':
        return doc(
          {
            packages: [],
            'metadata-url': '/p2/%package%.json',
            'available-packages': p.names(),
            'notify-batch': this.notifyUrl(),
          },
          p.namesModifiedAt,
        );
      case 'providers': {
        const includes: JsonObject = {};
        for (const include of PROVIDER_INCLUDES) {
          if (this.includeMembers(include).length > 0) includes[include] = { sha256: this.includeFile(include).sha256 };
        }
        return doc(
          {
            packages: [],
            'notify-batch': this.notifyUrl(),
            'providers-url': '/p/%package%$%hash%.json',
            'provider-includes': includes,
          },
          p.lastModified(),
        );
      }
      case 'inline': {
        const packages: JsonObject = {};
        for (const name of p.names()) {
          const versions: JsonObject = {};
          for (const v of p.versions(name)) versions[v.version] = p.entry(v);
          packages[name] = versions;
        }
        return doc({ packages, 'notify-batch': this.notifyUrl() }, p.lastModified());
      }
    }
  }

  private lookupComposer2(path: string): RenderedDocument | undefined {
    const m = /^\/p2\/([^/]+\/[^/]+?)(~dev)?\.json$/.exec(path);
    if (!m || m[1] === undefined) return undefined;
    const name = m[1];
    const dev = m[2] !== undefined;
    if (!this.packages.has(name)) return undefined;
    return this.memo(path, () => {
      const p = this.packages;
      const versions = (dev ? p.devVersions(name) : p.stableVersions(name)).map((v) => p.entry(v));
      return doc({ minified: 'composer/2.0', packages: { [name]: minifyVersions(versions) } }, p.modifiedAt(name, dev ? 'dev' : 'stable'));
    });
  }

  private providerFile(name: string): RenderedDocument {
    return this.memo(`provider:${name}`, () => {
      const p = this.packages;
      const versions: JsonObject = {};
      for (const v of p.versions(name)) versions[v.version] = p.entry(v, { uid: true });
      return doc({ packages: { [name]: versions } }, p.modifiedAt(name));
    });
  }

  private includeMembers(include: string): string[] {
    const p = this.packages;
    return p.names().filter((name) => includeOf(name, p.versions(name)[0]?.license ?? []) === include);
  }

  private includeFile(include: string): RenderedDocument {
    return this.memo(`include:${include}`, () => {
      const providers: JsonObject = {};
      let newest = 0;
      for (const name of this.includeMembers(include)) {
        providers[name] = { sha256: this.providerFile(name).sha256 };
        newest = Math.max(newest, this.packages.modifiedAt(name));
      }
      return doc({ providers }, newest);
    });
  }

  private lookupProviders(path: string): RenderedDocument | undefined {
    const include = /^\/(p\/provider-[a-z0-9-]+)\$([0-9a-f]{64})\.json$/.exec(path);
    if (include && include[1] !== undefined) {
      const template = `${include[1]}$%hash%.json`;
      if (!PROVIDER_INCLUDES.some((i) => i === template) || this.includeMembers(template).length === 0) return undefined;
      const file = this.includeFile(template);
      return file.sha256 === include[2] ? file : undefined;
    }
    const pkg = /^\/p\/([^/]+\/[^/$]+)\$([0-9a-f]{64})\.json$/.exec(path);
    if (!pkg || pkg[1] === undefined || !this.packages.has(pkg[1])) return undefined;
    const file = this.providerFile(pkg[1]);
    return file.sha256 === pkg[2] ? file : undefined;
  }
}
