import { createHash } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { ArchiveUpstream } from './archive-request.js';
import { readZipEntry, rewriteZipEntry } from './zip-rewrite.js';

/** A project template's archive as served through one public base. */
export interface TemplateVariant {
  readonly bytes: Buffer;
  readonly sha1: string;
}

/** Templates larger than this are refused (Magento's is a few kilobytes). */
export const maxTemplateBytes = 16 * 1024 * 1024;
/**
 * Archives held up to this size, of a path not yet known, are looked into (their composer.json's
 * `type`) to tell whether they are templates; larger ones are taken for packages.
 */
export const maxInspectedBytes = 1024 * 1024;

/**
 * Project templates (`"type": "project"`, what `composer create-project` installs): their archive's
 * composer.json lists the upstream under `repositories` (Magento's lists `https://repo.magento.com/`),
 * and Composer uses that list for the project's install and every later update. So repogate serves
 * each template with those entries pointed at the public base the request came through, every other
 * byte of the archive as it was (see {@link rewriteZipEntry}).
 *
 * A variant is a pure function of the pinned upstream bytes and the base, so it is as stable as the
 * pin: the metadata served through that base carries its sha1, and Composer's checksum passes.
 * Which dist paths are templates is learned when metadata is rendered, or looked up in the package's
 * metadata the first time such a path is asked for in this process.
 */
export class ProjectTemplates {
  readonly #upstream: ArchiveUpstream;
  /** Dist paths of project templates. */
  readonly #templates = new Set<string>();
  /** Dist paths looked up in the metadata: template or not. */
  readonly #checked = new LRUCache<string, boolean>({ max: 50_000 });
  /** `<upstream sha1>|<base>` → the variant served through that base. */
  readonly #variants = new LRUCache<string, TemplateVariant>({ maxSize: 64 * 1024 * 1024, sizeCalculation: (v) => Math.max(1, v.bytes.length) });

  constructor(upstream: ArchiveUpstream) {
    this.#upstream = upstream;
  }

  /** Records that `path` is the dist of a project template (seen while rendering metadata). */
  learn(path: string): void {
    this.#templates.add(path);
  }

  /** True when `path` is known to be a template's dist (synchronous; the warm archive branch asks). */
  has(path: string): boolean {
    return this.#templates.has(path);
  }

  /** Whether `path` is a template's dist, when this process knows. */
  known(path: string): boolean | undefined {
    return this.#templates.has(path) ? true : this.#checked.get(path);
  }

  /** Records what an archive's own composer.json said about `path`. */
  remember(path: string, template: boolean): void {
    if (template) this.#templates.add(path);
    else this.#checked.set(path, false);
  }

  /** Whether `path` is a template's dist: known, or looked up in its package's metadata once. */
  async isTemplate(path: string, packageName: string): Promise<boolean> {
    if (this.#templates.has(path)) return true;
    const checked = this.#checked.get(path);
    if (checked !== undefined) return checked;
    let type: string | undefined;
    try {
      type = await this.#upstream.typeOf(path, packageName);
    } catch {
      // The metadata can't be had now: ask again next time.
      return false;
    }
    const template = type === 'project';
    if (template) this.#templates.add(path);
    else this.#checked.set(path, false);
    return template;
  }

  /** The variant of the template `upstreamBytes` (sha1 `upstreamSha1`) served through `base`. */
  variant(upstreamBytes: Buffer, upstreamSha1: string, base: string): TemplateVariant {
    const key = `${upstreamSha1}|${base}`;
    let variant = this.#variants.get(key);
    if (variant === undefined) {
      const rewritten = rewriteZipEntry(upstreamBytes, composerJsonOf, (text) => pointRepositoriesAt(text, base, this.#upstream.toPublic));
      variant = rewritten ? { bytes: rewritten, sha1: createHash('sha1').update(rewritten).digest('hex') } : { bytes: upstreamBytes, sha1: upstreamSha1 };
      this.#variants.set(key, variant);
    }
    return variant;
  }

  /** The sha1 of the variant for `base`, when it has been made or the upstream bytes are at hand. */
  sha1For(upstreamSha1: string, base: string, readUpstream: () => Buffer | undefined): string | undefined {
    const known = this.#variants.get(`${upstreamSha1}|${base}`);
    if (known) return known.sha1;
    const bytes = readUpstream();
    return bytes && this.variant(bytes, upstreamSha1, base).sha1;
  }
}

/** True when the root composer.json of the zip `bytes` says `"type": "project"`. */
export function isProjectArchive(bytes: Buffer): boolean {
  const text = readZipEntry(bytes, composerJsonOf);
  if (text === undefined) return false;
  try {
    const doc = JSON.parse(text) as unknown;
    return typeof doc === 'object' && doc !== null && (doc as Record<string, unknown>)['type'] === 'project';
  } catch {
    return false;
  }
}

/**
 * The archive's root composer.json: `composer.json`, or `<dir>/composer.json` when every file is in
 * one top directory (Composer then extracts that directory's contents).
 */
function composerJsonOf(names: readonly string[]): string | undefined {
  if (names.includes('composer.json')) return 'composer.json';
  const top = names[0]?.split('/', 1)[0];
  if (top === undefined || !names.every((n) => n.startsWith(`${top}/`))) return undefined;
  return names.includes(`${top}/composer.json`) ? `${top}/composer.json` : undefined;
}

/**
 * The composer.json `text` with each `repositories` URL on the upstream pointed at `base`, as it is
 * written (with or without escaped slashes); every other character as it was. Undefined when no entry
 * points at the upstream or the text is not JSON.
 */
export function pointRepositoriesAt(text: string, base: string, toPublic: (url: string, base: string) => string | undefined): string | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof doc !== 'object' || doc === null) return undefined;
  const repositories = (doc as Record<string, unknown>)['repositories'];
  if (typeof repositories !== 'object' || repositories === null) return undefined;
  let result = text;
  for (const repository of Object.values(repositories)) {
    if (typeof repository !== 'object' || repository === null) continue;
    const url = (repository as Record<string, unknown>)['url'];
    if (typeof url !== 'string') continue;
    const to = toPublic(url, base);
    if (to === undefined) continue;
    for (const escape of [false, true]) {
      const from = jsonString(url, escape);
      result = result.split(from).join(jsonString(to, escape));
    }
  }
  return result === text ? undefined : result;
}

function jsonString(value: string, escapeSlashes: boolean): string {
  const plain = JSON.stringify(value);
  return escapeSlashes ? plain.replaceAll('/', '\\/') : plain;
}
