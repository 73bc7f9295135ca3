import type { Registry } from '../registry/registry.js';
import { parseRules } from '../registry/rules.js';
import { accountSources } from '../registry/sources.js';
import { compileNetworks, type Principal } from './principal.js';

/** A key as the access cache keeps it: the hash of its private key, and what it may do. */
export interface CachedKey {
  readonly hash: Buffer;
  readonly principal: Principal;
}

/** A key with its account and grants, from the registry; 'unknown' when there is no such key. */
export async function loadPrincipal(registry: Registry, publicKey: string): Promise<CachedKey | 'unknown'> {
  const db = registry.context.db;
  const row = await db
    .selectFrom('access_keys')
    .innerJoin('accounts', 'accounts.id', 'access_keys.account_id')
    .select([
      'access_keys.public_key',
      'access_keys.name',
      'access_keys.private_key_hash',
      'access_keys.status as key_status',
      'access_keys.scope',
      'access_keys.expires_on',
      'access_keys.cidrs',
      'accounts.id as account_id',
      'accounts.status as account_status',
      'accounts.suspension_reason',
      'accounts.sources',
    ])
    .where('access_keys.public_key', '=', publicKey)
    .executeTakeFirst();
  if (!row) return 'unknown';
  const grants = await db
    .selectFrom('grants')
    .innerJoin('entitlements', 'entitlements.name', 'grants.entitlement')
    .select(['grants.entitlement', 'grants.expires_on', 'entitlements.rules'])
    .where('grants.account_id', '=', row.account_id)
    .orderBy('grants.entitlement')
    .execute();
  const scope = row.scope === null ? null : (JSON.parse(row.scope) as string[]);
  const cidrs = row.cidrs === null ? null : (JSON.parse(row.cidrs) as string[]);
  const sources = Object.freeze(accountSources(row.sources));
  return {
    hash: Buffer.from(row.private_key_hash, 'hex'),
    principal: {
      publicKey: row.public_key,
      keyName: row.name,
      accountId: row.account_id,
      accountStatus: row.account_status,
      suspensionReason: row.suspension_reason,
      keyStatus: row.key_status,
      keyExpiresOn: row.expires_on,
      networks: compileNetworks(cidrs),
      cidrs: cidrs === null || cidrs.length === 0 ? null : cidrs,
      grants: grants.map((g) => ({
        entitlement: g.entitlement,
        expiresOn: g.expires_on,
        rules: parseRules(JSON.parse(g.rules) as string[]),
      })),
      scope: scope === null ? null : parseRules(scope),
      sources,
      sourcesKey: sources.join(','),
    },
  };
}
