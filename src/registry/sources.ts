import { createHash } from 'node:crypto';
import type { Selectable } from 'kysely';
import { RepogateError, notFound } from '../errors.js';
import { parseJsonList, type Actor, type RegistryContext } from './context.js';
import type { SourcesTable } from './schema.js';
import { openSecret, sealSecret } from './secret-box.js';
import { assertCanSeal, assertSecret, assertSourceName, assertSourceUrl, assertUsername } from './source-rules.js';

/** The upstream the environment configures (REPOGATE_UPSTREAM_URL…): always there, never stored. */
export const defaultSourceName = 'default';

export interface SourceInfo {
  name: string;
  url: string;
  username: string | null;
  hasPassword: boolean;
  hasGithubToken: boolean;
  createdAt: string;
  updatedAt: string;
  /** Ids of the accounts whose list of sources names this one. */
  accounts: string[];
}

export interface SourceSettings {
  name: string;
  url: string;
  username: string | null;
  password: string | null;
  githubToken: string | null;
  updatedAt: string;
}

/** A stored source whose secrets could not be opened (no REPOGATE_SECRETS_KEY, or another one). */
export interface UnreadableSource {
  name: string;
  url: string;
  updatedAt: string;
  error: string;
}

/** A source as listed for people: `default` (from the environment) or a stored one. */
export interface SourceView extends Omit<SourceInfo, 'createdAt' | 'updatedAt'> {
  origin: 'environment' | 'registry';
  /** null for `default`, which is not stored. */
  createdAt: string | null;
  updatedAt: string | null;
}

/** The environment's upstream as `overview` describes it (its password only says whether there is one). */
export interface EnvironmentUpstream {
  readonly url: string;
  readonly username: string | undefined;
  readonly password: string | undefined;
}

export interface SourceInput {
  name: string;
  url: string;
  username?: string | undefined;
  password?: string | undefined;
  githubToken?: string | undefined;
}

/** An account's list of sources from its column: null stands for `["default"]`. */
export function accountSources(text: string | null): string[] {
  const list = parseJsonList(text);
  return list === null || list.length === 0 ? [defaultSourceName] : list;
}

function refuseDefault(verb: string): RepogateError {
  return new RepogateError(
    'BAD_REQUEST',
    `cannot ${verb} the source "default": it is the upstream the environment configures (REPOGATE_UPSTREAM_URL, REPOGATE_UPSTREAM_USERNAME, REPOGATE_UPSTREAM_PASSWORD); change those instead`,
  );
}

/**
 * Sources: Composer repositories repogate reads besides the environment's upstream, each with its own
 * credentials (sealed with REPOGATE_SECRETS_KEY), and which accounts read them.
 */
export class SourceService {
  readonly #ctx: RegistryContext;
  /** Secrets `settings` opened last time, by key fingerprint and sealed text. */
  #opened = new Map<string, string>();

  constructor(ctx: RegistryContext) {
    this.#ctx = ctx;
  }

  async add(input: SourceInput, actor: Actor, secretsKey: string | undefined): Promise<SourceInfo> {
    if (input.name === defaultSourceName) throw refuseDefault('add');
    const name = assertSourceName(input.name);
    const url = assertSourceUrl(input.url);
    const username = input.username === undefined ? null : assertUsername(input.username);
    const password = input.password === undefined ? null : assertSecret(input.password, 'password');
    const githubToken = input.githubToken === undefined ? null : assertSecret(input.githubToken, 'GitHub token');
    if (password !== null && username === null) throw new RepogateError('BAD_REQUEST', 'a password needs a username: give both');
    if (password !== null) assertCanSeal(name, 'password', secretsKey);
    if (githubToken !== null) assertCanSeal(name, 'GitHub token', secretsKey);
    if (await this.#find(name)) throw new RepogateError('ALREADY_EXISTS', `source "${name}" already exists; remove it first to change it`);
    const now = this.#ctx.nowIso();
    const row: Selectable<SourcesTable> = {
      name,
      url,
      username,
      password: password === null ? null : await sealSecret(password, secretsKey!),
      github_token: githubToken === null ? null : await sealSecret(githubToken, secretsKey!),
      created_at: now,
      updated_at: now,
    };
    await this.#ctx.write(
      actor,
      (trx) => trx.insertInto('sources').values(row).execute(),
      () => ({
        action: 'source.added',
        detail: { name, url, username, hasPassword: password !== null, hasGithubToken: githubToken !== null },
      }),
    );
    return this.get(name);
  }

  /** Stored sources only (not `default`), by name. */
  async list(): Promise<SourceInfo[]> {
    const [rows, readers] = await Promise.all([
      this.#ctx.db.selectFrom('sources').selectAll().orderBy('name').execute(),
      this.#readers(),
    ]);
    return rows.map((row) => toInfo(row, readers.get(row.name) ?? []));
  }

  /**
   * `default` first (the environment's upstream, with every account that reads it, also those never
   * set), then the stored sources by name: what `sources list`, the admin API and the page show.
   */
  async overview(upstream: EnvironmentUpstream): Promise<SourceView[]> {
    const [stored, accounts] = await Promise.all([
      this.list(),
      this.#ctx.db.selectFrom('accounts').select(['id', 'sources']).orderBy('id').execute(),
    ]);
    const first: SourceView = {
      name: defaultSourceName,
      url: upstream.url,
      username: upstream.username ?? null,
      hasPassword: upstream.password !== undefined,
      hasGithubToken: false,
      createdAt: null,
      updatedAt: null,
      accounts: accounts.filter((a) => accountSources(a.sources).includes(defaultSourceName)).map((a) => a.id),
      origin: 'environment',
    };
    return [first, ...stored.map((info): SourceView => ({ ...info, origin: 'registry' }))];
  }

  async get(name: string): Promise<SourceInfo> {
    const row = await this.#find(name);
    if (!row) throw notFound(`source "${name}" not found`);
    return toInfo(row, (await this.#readers()).get(name) ?? []);
  }

  /** Refused while an account still reads the source: take it out of their lists first. */
  async remove(name: string, actor: Actor): Promise<void> {
    if (name === defaultSourceName) throw refuseDefault('remove');
    await this.#ctx.write(
      actor,
      async (trx) => {
        const accounts = await trx.selectFrom('accounts').select(['id', 'sources']).where('sources', 'is not', null).orderBy('id').execute();
        const readers = accounts.filter((a) => accountSources(a.sources).includes(name)).map((a) => a.id);
        if (readers.length > 0) {
          throw new RepogateError(
            'CONFLICT',
            `source "${name}" is still read by ${readers.length === 1 ? 'account' : 'accounts'} ${readers.join(', ')}; set their sources without it first (repogate accounts set-sources)`,
          );
        }
        const result = await trx.deleteFrom('sources').where('name', '=', name).executeTakeFirst();
        if (Number(result.numDeletedRows) === 0) throw notFound(`source "${name}" not found`);
      },
      () => ({ action: 'source.removed', detail: { name } }),
    );
  }

  /**
   * Every stored source with its secrets opened: what a running server builds its upstream clients
   * from. A source whose secrets cannot be opened (no key, wrong key) comes back with `error` instead.
   */
  async settings(secretsKey: string | undefined): Promise<Array<SourceSettings | UnreadableSource>> {
    const rows = await this.#ctx.db.selectFrom('sources').selectAll().orderBy('name').execute();
    // Servers ask again after every registry change; scrypt runs once per sealed text and key, not each time.
    const fingerprint = secretsKey === undefined ? '' : createHash('sha256').update(secretsKey).digest('base64');
    const opened = new Map<string, string>();
    const open = async (sealed: string | null, name: string): Promise<string | null> => {
      if (sealed === null) return null;
      if (secretsKey === undefined) {
        throw new RepogateError('CONFIG_INVALID', `cannot decrypt the credentials of source "${name}": REPOGATE_SECRETS_KEY is not set; set the key they were stored with`);
      }
      const memo = `${fingerprint} ${sealed}`;
      const plain = this.#opened.get(memo) ?? (await openSecret(sealed, secretsKey));
      opened.set(memo, plain);
      return plain;
    };
    const result = await Promise.all(
      rows.map(async (row): Promise<SourceSettings | UnreadableSource> => {
        try {
          return {
            name: row.name,
            url: row.url,
            username: row.username,
            password: await open(row.password, row.name),
            githubToken: await open(row.github_token, row.name),
            updatedAt: row.updated_at,
          };
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          return { name: row.name, url: row.url, updatedAt: row.updated_at, error: message.includes(`"${row.name}"`) ? message : `source "${row.name}": ${message}` };
        }
      }),
    );
    // Only what is still stored stays in memory.
    this.#opened = opened;
    return result;
  }

  #find(name: string): Promise<Selectable<SourcesTable> | undefined> {
    return this.#ctx.db.selectFrom('sources').selectAll().where('name', '=', name).executeTakeFirst();
  }

  /** Source name → ids of the accounts that read it, in id order. */
  async #readers(): Promise<Map<string, string[]>> {
    const accounts = await this.#ctx.db.selectFrom('accounts').select(['id', 'sources']).where('sources', 'is not', null).orderBy('id').execute();
    const readers = new Map<string, string[]>();
    for (const account of accounts) {
      for (const source of accountSources(account.sources)) {
        const list = readers.get(source) ?? [];
        list.push(account.id);
        readers.set(source, list);
      }
    }
    return readers;
  }
}

function toInfo(row: Selectable<SourcesTable>, accounts: string[]): SourceInfo {
  return {
    name: row.name,
    url: row.url,
    username: row.username,
    hasPassword: row.password !== null,
    hasGithubToken: row.github_token !== null,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    accounts,
  };
}
