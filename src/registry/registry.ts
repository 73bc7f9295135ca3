import { AccountService } from './accounts.js';
import { AuditLog } from './audit.js';
import { RegistryContext } from './context.js';
import type { RegistryDatabase } from './database.js';
import { EntitlementService } from './entitlements.js';
import { KeyService } from './keys.js';
import { SourceService } from './sources.js';
import { TokenService } from './tokens.js';
import { UsageService } from './usage.js';

/**
 * The key registry: the one service layer that the CLI, the admin API, the web page and the proxy use.
 */
export interface Registry {
  readonly accounts: AccountService;
  readonly entitlements: EntitlementService;
  readonly keys: KeyService;
  readonly sources: SourceService;
  readonly tokens: TokenService;
  readonly audit: AuditLog;
  readonly usage: UsageService;
  readonly context: RegistryContext;
  /** Moves with every change by any process sharing the database. */
  version(): Promise<number>;
  /** Called after every change this process commits. */
  onChange(listener: () => void): () => void;
  close(): Promise<void>;
}

export function createRegistry(database: RegistryDatabase, options: { now?: () => Date } = {}): Registry {
  const context = new RegistryContext(database.db, options.now ?? (() => new Date()));
  return {
    accounts: new AccountService(context),
    entitlements: new EntitlementService(context),
    keys: new KeyService(context),
    sources: new SourceService(context),
    tokens: new TokenService(context),
    audit: new AuditLog(context),
    usage: new UsageService(context),
    context,
    version: () => context.version(),
    onChange: (listener) => context.onChange(listener),
    close: () => database.close(),
  };
}
