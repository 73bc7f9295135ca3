import type { Config } from '../config.js';
import { notFound } from '../errors.js';
import type { Account } from '../registry/accounts.js';
import type { Registry } from '../registry/registry.js';
import { defaultSourceName, type SourceInfo, type SourceInput, type SourceView } from '../registry/sources.js';
import { actorOf, assertOperator, type Caller } from './caller.js';

/**
 * Sources for the admin API and the operator's page: operator only (an owner gets FORBIDDEN), through
 * the registry's SourceService, so the checks, errors and audit are the CLI's. The upstream of the
 * environment comes from the configuration as the source `default`.
 */
export class SourceAdmin {
  readonly #registry: Registry;
  readonly #config: Pick<Config, 'upstream' | 'secretsKey'>;

  constructor(registry: Registry, config: Pick<Config, 'upstream' | 'secretsKey'>) {
    this.#registry = registry;
    this.#config = config;
  }

  /** `default` first, then the stored sources by name; never a secret. */
  list(caller: Caller): Promise<SourceView[]> {
    assertOperator(caller, 'list sources');
    return this.#registry.sources.overview(this.#config.upstream);
  }

  async get(caller: Caller, name: string): Promise<SourceView> {
    assertOperator(caller, 'read sources');
    if (name === defaultSourceName) return (await this.#registry.sources.overview(this.#config.upstream))[0]!;
    return { ...(await this.#registry.sources.get(name)), origin: 'registry' };
  }

  add(caller: Caller, input: SourceInput): Promise<SourceInfo> {
    assertOperator(caller, 'add sources');
    return this.#registry.sources.add(input, actorOf(caller), this.#config.secretsKey);
  }

  remove(caller: Caller, name: string): Promise<void> {
    assertOperator(caller, 'remove sources');
    return this.#registry.sources.remove(name, actorOf(caller));
  }

  setAccountSources(caller: Caller, accountId: string, names: readonly string[]): Promise<Account> {
    // Another account looks like no account, as everywhere in the admin API.
    if (caller.kind === 'account' && caller.accountId !== accountId) throw notFound(`account ${accountId} not found`);
    assertOperator(caller, 'set the sources of accounts');
    return this.#registry.accounts.setSources(accountId, names, actorOf(caller));
  }
}
