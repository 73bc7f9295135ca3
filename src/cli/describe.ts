import type { Account } from '../registry/accounts.js';
import type { Grant } from '../registry/entitlements.js';
import type { AccessKey } from '../registry/keys.js';
import { formatTime } from './output.js';

/** How a grant reads for people: `magento-ce (until 2025-12-31)`, `(no expiry)` or `(expired 2024-01-31)`. */
export function describeGrant(grant: Grant, today: string): string {
  if (grant.expiresOn === null) return `${grant.entitlement} (no expiry)`;
  const state = grant.expiresOn < today ? 'expired' : 'until';
  return `${grant.entitlement} (${state} ${grant.expiresOn})`;
}

export function describeAccountStatus(account: Account): string {
  return account.status === 'suspended' ? `suspended: ${account.suspensionReason ?? ''}` : account.status;
}

/** `enabled`, `disabled`, with `, expired` once the key's last day has passed. */
export function describeKeyStatus(key: AccessKey, today: string): string {
  return key.expiresOn !== null && key.expiresOn < today ? `${key.status}, expired` : key.status;
}

export function describeLastUse(key: AccessKey): string {
  if (key.lastUsedAt === null) return 'never';
  const from = key.lastUsedAddress === null ? '' : ` from ${key.lastUsedAddress}`;
  return `${formatTime(key.lastUsedAt)}${from}`;
}
