import { randomBytes } from 'node:crypto';
import { readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { invalid, isRepogateError, notFound, RepogateError } from '../../errors.js';
import { createOutput } from '../output.js';
import {
  findUpstreamCredentials,
  findUpstreamReferences,
  migrateProject,
  parseRepogateUrl,
  parseUpstream,
  type Change,
  type ProjectFile,
  type Upstream,
  type UpstreamReference,
} from '../project/project-migration.js';
import { wantsJson } from '../session.js';

interface Options {
  url?: string;
  upstream?: Upstream;
  check?: boolean;
}

/**
 * `repogate migrate-project [DIR] --url <repogate URL>`: moves an existing project from the upstream
 * to repogate (composer.json's repositories, composer.lock's dist and notification URLs and its
 * content-hash); `--check` only reports what still points at the upstream and exits 1 if anything does.
 */
export function registerMigrateProjectCommand(program: Command): void {
  program
    .command('migrate-project')
    .description("point a project's composer.json and composer.lock at repogate instead of the upstream (or --check them)")
    .argument('[dir]', 'the project directory (where composer.json is)', '.')
    .option('--url <url>', "repogate's public URL, as developers reach it (https://repogate.example.com)", parseRepogateUrl)
    .option('--upstream <url>', 'the repository moved away from (default: REPOGATE_UPSTREAM_URL, else https://repo.magento.com/)', parseUpstream)
    .option('--check', 'change nothing; exit 1 when composer.json, composer.lock or auth.json still point at the upstream')
    .action(async (dir: string, options: Options, command: Command) => {
      const output = createOutput(wantsJson(command));
      const repogate = options.url;
      if (options.check !== true && repogate === undefined) {
        throw new RepogateError('USAGE', 'migrate-project needs --url <repogate URL> (or --check to only report what still points at the upstream)');
      }
      const upstream = options.upstream ?? (await configuredUpstream());
      const directory = resolve(dir);
      const project = await readProject(directory);

      if (options.check === true) {
        const auth = await readAuthSources(directory);
        const references = findUpstreamReferences({ ...project, auth }, upstream);
        output.result({ directory, upstream: upstream.base, clean: references.length === 0, references }, () =>
          references.length === 0
            ? `Nothing in ${directory} points at ${upstream.base}.`
            : [`Still pointing at ${upstream.base}:`, ...describeReferences(references)].join('\n'),
        );
        if (references.length > 0) {
          throw new RepogateError(
            'CONFLICT',
            `${references.length === 1 ? '1 place in the project still points' : `${references.length} places in the project still point`} at ${upstream.base}: run repogate migrate-project --url <repogate URL>${references.some((r) => r.kind === 'credentials') ? ', and remove the upstream credentials from auth.json' : ''}`,
          );
        }
        return;
      }

      if (repogate === undefined) return;
      const migration = migrateProject(project, upstream, repogate);
      const credentials = findUpstreamCredentials(await readAuthSources(directory), upstream);
      const writes: Array<[string, string]> = [];
      if (migration.composerJson !== project.composerJson.text) writes.push([join(directory, 'composer.json'), migration.composerJson]);
      if (project.composerLock && migration.composerLock !== undefined && migration.composerLock !== project.composerLock.text) {
        writes.push([join(directory, 'composer.lock'), migration.composerLock]);
      }
      await writeAtomically(writes);
      const written = writes.map(([path]) => basename(path));
      const warnings = [
        ...migration.warnings,
        ...credentials.map((c) => `${c.file} still holds credentials for ${c.value} (${c.location}): replace them with a repogate key for ${new URL(repogate).host}`),
      ];
      for (const warning of warnings) console.error(`repogate: warning: ${warning}`);
      output.result(
        { directory, upstream: upstream.base, url: repogate, written, changes: migration.changes, warnings },
        () =>
          migration.changes.length === 0
            ? `Nothing in ${directory} points at ${upstream.base}: no file changed.`
            : [
                `Moved ${directory} from ${upstream.base} to ${repogate}:`,
                ...describeChanges(migration.changes),
                `Wrote ${written.join(' and ')}. Check with: repogate migrate-project --check${upstreamHint(upstream)}`,
              ].join('\n'),
      );
    });
}

/** The upstream REPOGATE_UPSTREAM_URL names (https://repo.magento.com when unset). */
async function configuredUpstream(): Promise<Upstream> {
  const { loadConfig } = await import('../../config.js');
  return parseUpstream(loadConfig().upstream.url);
}

const upstreamHint = (upstream: Upstream): string => (upstream.base === 'https://repo.magento.com' ? '' : ` --upstream ${upstream.base}`);

/** Reads a file as UTF-8 text (as Composer requires), or undefined when it does not exist. */
async function readText(path: string, name: string): Promise<string | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    if ((error as NodeJS.ErrnoException).code === 'EISDIR') throw invalid(`${name} is a directory, not a file`);
    throw new RepogateError('INTERNAL', `cannot read ${path}: ${(error as Error).message}`);
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw invalid(`${name} is not valid UTF-8 (Composer cannot read it either)`);
  }
}

async function readProject(directory: string): Promise<{ composerJson: ProjectFile; composerLock: ProjectFile | undefined }> {
  const info = await stat(directory).catch(() => undefined);
  if (!info?.isDirectory()) throw notFound(`no project directory ${directory}`);
  const composerJson = await readText(join(directory, 'composer.json'), 'composer.json');
  if (composerJson === undefined) throw notFound(`no composer.json in ${directory}: give the project directory (repogate migrate-project <dir>)`);
  const composerLock = await readText(join(directory, 'composer.lock'), 'composer.lock');
  return {
    composerJson: { name: 'composer.json', text: composerJson },
    composerLock: composerLock === undefined ? undefined : { name: 'composer.lock', text: composerLock },
  };
}

/** The project's auth.json, COMPOSER_HOME's auth.json and COMPOSER_AUTH, those that exist. */
async function readAuthSources(directory: string): Promise<ProjectFile[]> {
  const { composerCredentialSettings } = await import('../../config.js');
  const settings = composerCredentialSettings();
  const sources: ProjectFile[] = [];
  const project = await readText(join(directory, 'auth.json'), 'auth.json');
  if (project !== undefined) sources.push({ name: 'auth.json', text: project });
  if (settings.home !== undefined) {
    const path = join(resolve(settings.home), 'auth.json');
    if (path !== join(directory, 'auth.json')) {
      const name = `COMPOSER_HOME's auth.json (${path})`;
      const home = await readText(path, name);
      if (home !== undefined) sources.push({ name, text: home });
    }
  }
  if (settings.auth !== undefined) sources.push({ name: 'COMPOSER_AUTH', text: settings.auth });
  return sources;
}

/**
 * Writes each file to a temporary file next to it, then renames them all into place, so that no file
 * is ever half written and a failure before the renames leaves the project as it was. Keeps each
 * file's mode.
 */
async function writeAtomically(files: ReadonlyArray<readonly [string, string]>): Promise<void> {
  const temporary: Array<[string, string]> = [];
  try {
    for (const [path, text] of files) {
      const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
      const { mode } = await stat(path);
      temporary.push([temp, path]);
      await writeFile(temp, text, { mode: mode & 0o7777, flag: 'wx' });
    }
  } catch (error) {
    await Promise.all(temporary.map(([temp]) => unlink(temp).catch(() => undefined)));
    if (isRepogateError(error)) throw error;
    throw new RepogateError('INTERNAL', `cannot write the project's files: ${(error as Error).message}`);
  }
  for (const [temp, path] of temporary) await rename(temp, path);
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** Groups items in the order their group first appears; `key` undefined: a group of its own. */
function inGroups<T>(items: readonly T[], key: (item: T) => string | undefined): T[][] {
  const groups = new Map<string | number, T[]>();
  items.forEach((item, i) => {
    const k = key(item) ?? i;
    groups.set(k, [...(groups.get(k) ?? []), item]);
  });
  return [...groups.values()];
}

/** One line per change; dist URLs and notification URLs summed up with a count (and an example). */
function describeChanges(changes: readonly Change[]): string[] {
  const key = (c: Change): string | undefined =>
    c.kind === 'dist' ? `${c.file}\0dist` : c.kind === 'notification' ? `${c.file}\0notification\0${c.from}` : undefined;
  return inGroups(changes, key).map((group) => {
    const first = group[0] as Change;
    if (first.kind === 'dist') return `  ${first.file}  dist.url of ${plural(group.length, 'package')}, e.g. ${first.from} → ${first.to}`;
    if (first.kind === 'notification') return `  ${first.file}  notification-url of ${plural(group.length, 'package')}: ${first.from} → ${first.to}`;
    return `  ${first.file}  ${first.location}: ${first.from} → ${first.to}`;
  });
}

/** One line per reference; the lock's dist and notification URLs summed up with a count and an example. */
function describeReferences(references: readonly UpstreamReference[]): string[] {
  const key = (r: UpstreamReference): string | undefined => (r.kind === 'dist' || r.kind === 'notification' ? `${r.file}\0${r.kind}` : undefined);
  return inGroups(references, key).map((group) => {
    const first = group[0] as UpstreamReference;
    if (first.kind === 'credentials') return `  ${first.file}  ${first.location}: credentials for the upstream's host`;
    if (first.kind === 'repository') return `  ${first.file}  ${first.location}: ${first.value}`;
    const what = first.kind === 'dist' ? 'dist.url' : 'notification-url';
    return `  ${first.file}  ${what} of ${plural(group.length, 'package')}, e.g. ${first.location}: ${first.value}`;
  });
}
