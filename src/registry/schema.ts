import type { Generated } from 'kysely';

/**
 * The registry's tables, shared by the SQLite and PostgreSQL stores. Timestamps are ISO-8601 UTC
 * strings, dates `YYYY-MM-DD`, lists JSON text: the same bytes in both databases.
 */
export interface AccountsTable {
  id: string;
  name: string;
  email: string | null;
  status: 'active' | 'suspended';
  suspension_reason: string | null;
  password_hash: string | null;
  created_at: string;
  /**
   * Random; replaced whenever the owner's sessions must end (password set, suspension, "sign out
   * everywhere"). A session carries the stamp it was opened with and holds only while it matches.
   */
  security_stamp: Generated<string>;
  /** JSON list of source names, in the order the account reads them; null: `["default"]`. */
  sources: string | null;
}

/**
 * Composer repositories repogate can read besides the environment's upstream (the source `default`,
 * never stored here). `password` and `github_token` are sealed (registry/secret-box.ts).
 */
export interface SourcesTable {
  name: string;
  url: string;
  username: string | null;
  password: string | null;
  github_token: string | null;
  created_at: string;
  updated_at: string;
}

export interface EntitlementsTable {
  name: string;
  rules: string;
  created_at: string;
  updated_at: string;
}

export interface GrantsTable {
  account_id: string;
  entitlement: string;
  expires_on: string | null;
  created_at: string;
}

export interface AccessKeysTable {
  public_key: string;
  account_id: string;
  name: string;
  private_key_hash: string;
  status: 'enabled' | 'disabled';
  scope: string | null;
  expires_on: string | null;
  cidrs: string | null;
  created_at: string;
  last_used_at: string | null;
  last_used_address: string | null;
}

export interface DownloadTokensTable {
  account_id: string;
  token_hash: string;
  created_at: string;
}

export interface AuditEventsTable {
  id: Generated<number>;
  at: string;
  actor_type: string;
  actor_id: string;
  action: string;
  account_id: string | null;
  public_key: string | null;
  detail: string | null;
}

/** Download counts per day, key and package, from Composer's notify-batch and archive downloads. */
export interface DownloadCountsTable {
  day: string;
  public_key: string;
  account_id: string;
  package: string;
  count: number;
}

export interface RegistryStateTable {
  id: number;
  version: number;
}

export interface Database {
  accounts: AccountsTable;
  entitlements: EntitlementsTable;
  grants: GrantsTable;
  access_keys: AccessKeysTable;
  download_tokens: DownloadTokensTable;
  audit_events: AuditEventsTable;
  registry_state: RegistryStateTable;
  download_counts: DownloadCountsTable;
  sources: SourcesTable;
}

/** Table names, built in one place. */
export const tables = {
  accounts: 'accounts',
  entitlements: 'entitlements',
  grants: 'grants',
  accessKeys: 'access_keys',
  downloadTokens: 'download_tokens',
  auditEvents: 'audit_events',
  registryState: 'registry_state',
  downloadCounts: 'download_counts',
  sources: 'sources',
} as const;
