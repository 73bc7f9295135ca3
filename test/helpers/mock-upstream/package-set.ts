/**
 * The mutable package data behind a mock upstream: versions, their metadata entries as the
 * upstream serves them, their archives, and when each package last changed.
 */
import { createHash } from 'node:crypto';
import { buildArchive } from './archives.js';
import { defaultCatalog, PHP_CONSTRAINT } from './catalog.js';
import type { VersionSpec } from './catalog.js';
import type { JsonObject } from './php-json.js';
import { compareVersions, normalizeVersion, stabilityOf } from './versions.js';

/** One published version of one package. */
export interface PackageVersion extends VersionSpec {
  /** Composer's normalised form: `100.4.7.0`, `2.4.7.0-patch1`, `dev-main`. */
  readonly versionNormalized: string;
  /** Composer 1 `uid`, unique across the whole set. */
  readonly uid: number;
  /** True for a dev version (`dev-main`), served from `~dev.json` in the Composer 2 layout. */
  readonly dev: boolean;
}

/** Which of a package's documents a timestamp is about. */
export type VersionKind = 'stable' | 'dev' | 'all';

interface PackageState {
  readonly name: string;
  /** Newest first. */
  versions: PackageVersion[];
  stableModifiedAt: number;
  devModifiedAt: number;
}

const FIRST_UID = 3_100_000;

function versionKey(name: string, versionNormalized: string): string {
  return `${name}@${versionNormalized}`;
}

function isoSeconds(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 19)}+00:00`;
}

/**
 * The packages a mock upstream serves. Deterministic for a given base URL until it is mutated
 * with {@link PackageSet.addVersion} or {@link PackageSet.republishArchive}.
 */
export class PackageSet {
  /** Increments on every change; documents rendered from an older generation are stale. */
  generation = 0;
  /** When the list of package names last changed (ms since the epoch, whole seconds). */
  namesModifiedAt: number;

  private readonly byName = new Map<string, PackageState>();
  private readonly revisions = new Map<string, number>();
  private readonly archives = new Map<string, Uint8Array>();
  private readonly shasums = new Map<string, string>();
  private nextUid = FIRST_UID;
  private clock: number;

  /**
   * @param baseUrl upstream URL without trailing slash; dist URLs point at `<baseUrl>/archives/…`.
   * @param specs the versions to serve (the default Magento-like catalogue when omitted).
   */
  constructor(
    readonly baseUrl: string,
    specs: readonly VersionSpec[] = defaultCatalog(),
  ) {
    const sorted = [...specs].sort((a, b) => (a.name === b.name ? 0 : a.name < b.name ? -1 : 1));
    for (const spec of sorted) this.insert(spec);
    let newest = 0;
    for (const state of this.byName.values()) {
      const times = (dev: boolean): number[] => state.versions.filter((v) => v.dev === dev).map((v) => Date.parse(v.time));
      const all = state.versions.map((v) => Date.parse(v.time));
      const maxAll = Math.max(...all);
      state.stableModifiedAt = Math.max(...times(false), 0) || maxAll;
      state.devModifiedAt = Math.max(...times(true), 0) || maxAll;
      newest = Math.max(newest, maxAll);
    }
    this.namesModifiedAt = newest;
    this.clock = newest;
  }

  /** Number of packages (names). */
  get size(): number {
    return this.byName.size;
  }

  /** Number of versions across all packages. */
  get versionCount(): number {
    let n = 0;
    for (const state of this.byName.values()) n += state.versions.length;
    return n;
  }

  /** All package names, sorted. */
  names(): string[] {
    return [...this.byName.keys()].sort();
  }

  /** True when the set has a package called `name`. */
  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** All versions of `name`, newest first (empty for an unknown package). */
  versions(name: string): readonly PackageVersion[] {
    return this.byName.get(name)?.versions ?? [];
  }

  /** The stable (non-dev) versions of `name`, newest first. */
  stableVersions(name: string): PackageVersion[] {
    return this.versions(name).filter((v) => !v.dev);
  }

  /** The dev versions of `name` (`dev-main`…), newest first. */
  devVersions(name: string): PackageVersion[] {
    return this.versions(name).filter((v) => v.dev);
  }

  /** Finds a version by its pretty (`2.4.7-p1`) or normalised (`2.4.7.0-patch1`) form. */
  find(name: string, version: string): PackageVersion | undefined {
    return this.versions(name).find((v) => v.version === version || v.versionNormalized === version);
  }

  private require(name: string, version: string): PackageVersion {
    const found = this.find(name, version);
    if (!found) throw new Error(`mock upstream: no ${name} ${version}`);
    return found;
  }

  /** How many times `name` `version` has been republished (0 = original bytes). */
  revision(name: string, version: string): number {
    const v = this.require(name, version);
    return this.revisions.get(versionKey(v.name, v.versionNormalized)) ?? 0;
  }

  /** Archive file name: `<vendor>-<name>-<four-part version>.zip`, as on repo.magento.com. */
  archiveFileName(v: PackageVersion): string {
    return `${v.name.replace('/', '-')}-${v.versionNormalized}.zip`;
  }

  /** Archive path on the upstream: `/archives/<vendor>/<name>/<file>.zip`. */
  archivePath(v: PackageVersion): string {
    return `/archives/${v.name}/${this.archiveFileName(v)}`;
  }

  /** Absolute dist URL of a version. */
  archiveUrl(v: PackageVersion): string {
    return `${this.baseUrl}${this.archivePath(v)}`;
  }

  /** The exact zip bytes served for a version (built on first use, then cached). */
  archive(name: string, version: string): Uint8Array {
    const v = this.require(name, version);
    if (!v.dist) throw new Error(`mock upstream: ${name} ${version} is a ${v.type} without an archive`);
    const key = versionKey(v.name, v.versionNormalized);
    let bytes = this.archives.get(key);
    if (!bytes) {
      bytes = buildArchive(v, this.revisions.get(key) ?? 0, this.baseUrl);
      this.archives.set(key, bytes);
    }
    return bytes;
  }

  /** sha1 (hex) of the archive bytes, as published in `dist.shasum`. */
  shasum(name: string, version: string): string {
    const v = this.require(name, version);
    const key = versionKey(v.name, v.versionNormalized);
    let sum = this.shasums.get(key);
    if (!sum) {
      sum = createHash('sha1').update(this.archive(name, version)).digest('hex');
      this.shasums.set(key, sum);
    }
    return sum;
  }

  /** Resolves a request path to an archive, or undefined when the path names no archive. */
  archiveByPath(path: string): { version: PackageVersion; bytes: Uint8Array } | undefined {
    const m = /^\/archives\/([^/]+\/[^/]+)\/([^/]+\.zip)$/.exec(path);
    if (!m || m[1] === undefined) return undefined;
    const version = this.versions(m[1]).find((v) => v.dist && this.archiveFileName(v) === m[2]);
    if (!version) return undefined;
    return { version, bytes: this.archive(version.name, version.version) };
  }

  /**
   * The complete metadata entry for a version, as the upstream serves it. `uid` is included for
   * the Composer 1 providers layout.
   */
  entry(v: PackageVersion, options: { uid?: boolean } = {}): JsonObject {
    const entry: JsonObject = {
      name: v.name,
      description: v.description,
      version: v.version,
      version_normalized: v.versionNormalized,
      type: v.type,
      license: [...v.license],
      time: v.time,
    };
    if (v.dist) {
      entry.dist = { type: 'zip', url: this.archiveUrl(v), reference: null, shasum: this.shasum(v.name, v.version) };
    }
    entry.require = { ...v.require };
    if (v.autoload) entry.autoload = v.autoload;
    if (v.extra) entry.extra = v.extra;
    if (options.uid) entry.uid = v.uid;
    return entry;
  }

  /** When a package's stable, dev or any metadata last changed (ms since the epoch, whole seconds). */
  modifiedAt(name: string, kind: VersionKind = 'all'): number {
    const state = this.byName.get(name);
    if (!state) return this.namesModifiedAt;
    if (kind === 'stable') return state.stableModifiedAt;
    if (kind === 'dev') return state.devModifiedAt;
    return Math.max(state.stableModifiedAt, state.devModifiedAt);
  }

  /** The newest modification time across every package and the name list. */
  lastModified(): number {
    let newest = this.namesModifiedAt;
    for (const name of this.byName.keys()) newest = Math.max(newest, this.modifiedAt(name));
    return newest;
  }

  /**
   * Republishes an archive: same URL, different bytes. The version's `dist.shasum` changes with
   * them and the package's metadata documents get a new `Last-Modified`.
   */
  republishArchive(name: string, version: string): void {
    const v = this.require(name, version);
    if (!v.dist) throw new Error(`mock upstream: ${name} ${version} has no archive to republish`);
    const key = versionKey(v.name, v.versionNormalized);
    this.revisions.set(key, (this.revisions.get(key) ?? 0) + 1);
    this.archives.delete(key);
    this.shasums.delete(key);
    this.touch(v.name, v.dev);
  }

  /**
   * Publishes a new version of `name` (copying the newest existing version's metadata) or, for an
   * unknown name, a new package. Its documents get a new `Last-Modified`.
   */
  addVersion(name: string, version: string): PackageVersion {
    if (this.find(name, version)) throw new Error(`mock upstream: ${name} ${version} already exists`);
    const template = this.stableVersions(name)[0] ?? this.versions(name)[0];
    const now = this.tick();
    const spec: VersionSpec = template
      ? { ...template, version, time: isoSeconds(now) }
      : {
          name,
          version,
          type: 'magento2-module',
          description: 'N/A',
          license: ['proprietary'],
          require: { php: PHP_CONSTRAINT },
          autoload: { files: ['registration.php'] },
          time: isoSeconds(now),
          dist: true,
          payloadBytes: 0,
        };
    const isNew = !this.byName.has(name);
    const added = this.insert(spec);
    const state = this.byName.get(name);
    if (state && isNew) {
      state.stableModifiedAt = now;
      state.devModifiedAt = now;
      this.namesModifiedAt = now;
    }
    this.touch(name, added.dev, now);
    return added;
  }

  private insert(spec: VersionSpec): PackageVersion {
    const versionNormalized = normalizeVersion(spec.version);
    const v: PackageVersion = {
      ...spec,
      versionNormalized,
      uid: this.nextUid++,
      dev: stabilityOf(versionNormalized) === 'dev',
    };
    let state = this.byName.get(spec.name);
    if (!state) {
      state = { name: spec.name, versions: [], stableModifiedAt: 0, devModifiedAt: 0 };
      this.byName.set(spec.name, state);
    }
    state.versions.push(v);
    state.versions.sort((a, b) => compareVersions(b.versionNormalized, a.versionNormalized));
    this.generation++;
    return v;
  }

  private touch(name: string, dev: boolean, at: number = this.tick()): void {
    const state = this.byName.get(name);
    if (!state) return;
    if (dev) state.devModifiedAt = at;
    else state.stableModifiedAt = at;
    this.generation++;
  }

  /** A modification time: now (whole seconds), strictly after the previous one. */
  private tick(): number {
    this.clock = Math.max(Math.floor(Date.now() / 1000) * 1000, this.clock + 1000);
    return this.clock;
  }
}

/** Creates the default Magento-like package set for an upstream at `baseUrl`. */
export function createMagentoPackageSet(baseUrl: string): PackageSet {
  return new PackageSet(baseUrl);
}
