import { createHash } from 'node:crypto';
import { invalid } from '../../errors.js';
import { composerContentHash } from './content-hash.js';
import { applyEdits, encodeLike, member, parseJsonSource, stringMember, type JsonNode, type JsonString, type TextEdit } from './json-source.js';

/** The Composer repository a project is moved away from (repo.magento.com by default). */
export interface Upstream {
  /** `https://repo.magento.com`: scheme, host and base path, without a trailing slash. */
  readonly base: string;
  readonly hostname: string;
  /** The port, also when it is the scheme's default. */
  readonly port: string;
  /** `host[:port]` as Composer keys `http-basic` credentials. */
  readonly authHost: string;
  /** The path below which the repository lives, without a trailing slash (`''` at the root). */
  readonly basePath: string;
}

const effectivePort = (url: URL): string => url.port || (url.protocol === 'https:' ? '443' : '80');

function parseHttpUrl(value: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw invalid(`invalid ${what} "${value}": expected an http:// or https:// URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid(`invalid ${what} "${value}": expected an http:// or https:// URL`);
  if (url.username !== '' || url.password !== '') {
    throw invalid(`invalid ${what}: it must not carry credentials (Composer takes them from auth.json)`);
  }
  if (url.search !== '' || url.hash !== '') throw invalid(`invalid ${what} "${value}": it must not have a query or fragment`);
  return url;
}

/** The upstream from `--upstream` (a URL, or a bare host for https://), with or without trailing slash. */
export function parseUpstream(value: string): Upstream {
  const url = parseHttpUrl(/^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `https://${value}`, 'upstream URL');
  const basePath = url.pathname.replace(/\/+$/, '');
  return { base: `${url.origin}${basePath}`, hostname: url.hostname, port: effectivePort(url), authHost: url.host, basePath };
}

/** repogate's public URL from `--url`, without a trailing slash. */
export function parseRepogateUrl(value: string): string {
  const url = parseHttpUrl(value, 'repogate URL');
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** The URL on the upstream that `value` is, or undefined when it is not on the upstream (or not a URL). */
function onUpstream(value: string, upstream: Upstream): URL | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.hostname !== upstream.hostname || effectivePort(url) !== upstream.port) return undefined;
  if (url.pathname !== upstream.basePath && !url.pathname.startsWith(`${upstream.basePath}/`)) return undefined;
  return url;
}

/** What kind of place in a project names the upstream. */
export type ReferenceKind = 'repository' | 'dist' | 'notification' | 'credentials';

/** One place in a project's files that still points at the upstream. */
export interface UpstreamReference {
  /** The file (or `COMPOSER_AUTH`) as the user knows it. */
  readonly file: string;
  /** Where in it: `repositories[0].url`, `packages[3] (magento/framework) dist.url`, `http-basic.repo.magento.com`. */
  readonly location: string;
  readonly kind: ReferenceKind;
  /** The URL (or, for credentials, the host) found there. */
  readonly value: string;
}

/** A text file of the project: its name as shown to the user, and its content. */
export interface ProjectFile {
  readonly name: string;
  readonly text: string;
}

interface Found extends UpstreamReference {
  readonly node: JsonString;
}

function* repositoryReferences(file: ProjectFile, root: JsonNode, upstream: Upstream): Generator<Found> {
  const repositories = member(root, 'repositories');
  const entries: Array<[string, JsonNode]> =
    repositories?.kind === 'array'
      ? repositories.items.map((item, i) => [`repositories[${i}]`, item])
      : repositories?.kind === 'object'
        ? repositories.members.map((m) => [`repositories.${m.key}`, m.value])
        : [];
  for (const [location, entry] of entries) {
    const url = stringMember(entry, 'url');
    if (url && onUpstream(url.value, upstream)) {
      yield { file: file.name, location: `${location}.url`, kind: 'repository', value: url.value, node: url };
    }
  }
}

function* lockReferences(file: ProjectFile, root: JsonNode, upstream: Upstream): Generator<Found> {
  for (const section of ['packages', 'packages-dev']) {
    const packages = member(root, section);
    if (packages?.kind !== 'array') continue;
    for (const [i, entry] of packages.items.entries()) {
      const name = stringMember(entry, 'name')?.value ?? '?';
      const dist = stringMember(member(entry, 'dist'), 'url');
      if (dist && onUpstream(dist.value, upstream)) {
        yield { file: file.name, location: `${section}[${i}] (${name}) dist.url`, kind: 'dist', value: dist.value, node: dist };
      }
      const notification = stringMember(entry, 'notification-url');
      if (notification && onUpstream(notification.value, upstream)) {
        yield { file: file.name, location: `${section}[${i}] (${name}) notification-url`, kind: 'notification', value: notification.value, node: notification };
      }
    }
  }
}

function parseObject(file: ProjectFile): JsonNode {
  const root = parseJsonSource(file.text, file.name);
  if (root.kind !== 'object') throw invalid(`${file.name} must hold a JSON object`);
  return root;
}

/**
 * Every place in composer.json, composer.lock and the given auth.json sources that still points at
 * the upstream: `repositories` URLs, the lock's dist URLs and `notification-url`s, and `http-basic`
 * credentials stored for the upstream's host.
 */
export function findUpstreamReferences(
  project: { composerJson: ProjectFile; composerLock?: ProjectFile | undefined; auth: readonly ProjectFile[] },
  upstream: Upstream,
): UpstreamReference[] {
  const found: UpstreamReference[] = [...repositoryReferences(project.composerJson, parseObject(project.composerJson), upstream)];
  if (project.composerLock) found.push(...lockReferences(project.composerLock, parseObject(project.composerLock), upstream));
  found.push(...findUpstreamCredentials(project.auth, upstream));
  // Strip the parser's node from what callers see.
  return found.map(({ file, location, kind, value }) => ({ file, location, kind, value }));
}

/** The `http-basic` credentials stored for the upstream's host (`host[:port]`, as Composer keys them). */
export function findUpstreamCredentials(sources: readonly ProjectFile[], upstream: Upstream): UpstreamReference[] {
  const found: UpstreamReference[] = [];
  for (const auth of sources) {
    const basic = member(parseObject(auth), 'http-basic');
    if (basic?.kind !== 'object') continue;
    for (const { key } of basic.members) {
      const host = key.toLowerCase();
      if (host === upstream.authHost || host === `${upstream.hostname}:${upstream.port}`) {
        found.push({ file: auth.name, location: `http-basic.${key}`, kind: 'credentials', value: key });
      }
    }
  }
  return found;
}

/** One value `migrate-project` replaced. */
export interface Change {
  readonly file: string;
  readonly location: string;
  readonly kind: ReferenceKind | 'content-hash';
  readonly from: string;
  readonly to: string;
}

/** The new texts of a project's files, what changed in them, and what the user should know. */
export interface Migration {
  readonly composerJson: string;
  readonly composerLock: string | undefined;
  readonly changes: readonly Change[];
  readonly warnings: readonly string[];
}

/**
 * Moves a project from `upstream` to repogate at `repogate` (its public URL, no trailing slash):
 * `repositories` entries on the upstream become repogate's URL, dist URLs on the upstream the same path
 * on repogate (as repogate rewrites them when it serves metadata), `notification-url`s repogate's
 * `/notify-batch`, and the lock's `content-hash` is recomputed as Composer computes it. Only those
 * values' text changes; every other byte of both files stays as it was.
 */
export function migrateProject(
  project: { composerJson: ProjectFile; composerLock?: ProjectFile | undefined },
  upstream: Upstream,
  repogate: string,
): Migration {
  if (onUpstream(repogate, upstream)) throw invalid(`the repogate URL ${repogate} is on the upstream ${upstream.base}; give repogate's own public URL`);
  const changes: Change[] = [];
  const warnings: string[] = [];

  const jsonEdits: TextEdit[] = [];
  const { composerJson, composerLock } = project;
  for (const found of repositoryReferences(composerJson, parseObject(composerJson), upstream)) {
    const to = repositoryUrl(found.value, upstream, repogate);
    jsonEdits.push(replaceString(composerJson.text, found.node, to));
    changes.push({ file: found.file, location: found.location, kind: found.kind, from: found.value, to });
  }
  const newJson = applyEdits(composerJson.text, jsonEdits);
  if (!composerLock) return { composerJson: newJson, composerLock: undefined, changes, warnings };

  const lockRoot = parseObject(composerLock);
  const lockEdits: TextEdit[] = [];
  for (const found of lockReferences(composerLock, lockRoot, upstream)) {
    const to = found.kind === 'notification' ? `${repogate}/notify-batch` : publicUrl(found.value, upstream, repogate);
    lockEdits.push(replaceString(composerLock.text, found.node, to));
    changes.push({ file: found.file, location: found.location, kind: found.kind, from: found.value, to });
  }

  // Composer compares the lock's content-hash with the one of composer.json (older locks: `hash`, the
  // md5 of the file). Recompute it only when the lock was up to date before, so as not to hide a
  // lock that was already stale.
  const contentHash = stringMember(lockRoot, 'content-hash');
  const legacyHash = stringMember(lockRoot, 'hash');
  const [stored, before, after] =
    contentHash && contentHash.value !== ''
      ? [contentHash, composerContentHash(composerJson.text, composerJson.name), composerContentHash(newJson, composerJson.name)]
      : legacyHash && legacyHash.value !== ''
        ? [legacyHash, md5(composerJson.text), md5(newJson)]
        : [undefined, '', ''];
  if (stored !== undefined && after !== stored.value) {
    // A lock whose only difference is a repositories entry already changed to repogate by hand (the
    // old recipe) was up to date with the upstream's entry: that counts as up to date too.
    const fresh = stored.value === before || (stored === contentHash && lockedWithUpstreamEntry(newJson, composerJson.name, upstream, repogate, stored.value));
    if (!fresh) {
      warnings.push(
        `${composerLock.name} was already out of date with ${composerJson.name} (Composer warns "The lock file is not up to date"); its ${contentHash ? 'content-hash' : 'hash'} is left as it was: run composer update --lock after the migration`,
      );
    } else {
      lockEdits.push(replaceString(composerLock.text, stored, after));
      changes.push({ file: composerLock.name, location: contentHash ? 'content-hash' : 'hash', kind: 'content-hash', from: stored.value, to: after });
    }
  }
  return { composerJson: newJson, composerLock: applyEdits(composerLock.text, lockEdits), changes, warnings };
}

/**
 * True when `hash` is the content hash of `json` with its repositories entries on repogate pointed back
 * at the upstream (with or without a trailing slash): the lock was made before that entry was edited.
 */
function lockedWithUpstreamEntry(json: string, name: string, upstream: Upstream, repogate: string, hash: string): boolean {
  const root = parseObject({ name, text: json });
  const onRepogate = [...repositoryReferences({ name, text: json }, root, parseUpstream(repogate))].map((found) => found.node);
  if (onRepogate.length === 0) return false;
  return [`${upstream.base}/`, upstream.base].some(
    (url) => composerContentHash(applyEdits(json, onRepogate.map((node) => replaceString(json, node, url))), name) === hash,
  );
}

const md5 = (text: string): string => createHash('md5').update(text, 'utf8').digest('hex');

function replaceString(text: string, node: JsonString, value: string): TextEdit {
  return { start: node.start, end: node.end, text: encodeLike(value, text.slice(node.start, node.end)) };
}

/** The same path on repogate, as repogate's URL rewriter (upstream/url-rewriter.ts) writes dist URLs. */
function publicUrl(value: string, upstream: Upstream, repogate: string): string {
  const url = new URL(value);
  return `${repogate}${url.pathname.slice(upstream.basePath.length)}${url.search}`;
}

/** A repository URL: repogate's, keeping whether the old one ended in a slash. */
function repositoryUrl(value: string, upstream: Upstream, repogate: string): string {
  const url = new URL(value);
  const below = `${url.pathname.slice(upstream.basePath.length)}${url.search}`;
  if (below === '/' || below === '') return value.endsWith('/') ? `${repogate}/` : repogate;
  return `${repogate}${below}`;
}
