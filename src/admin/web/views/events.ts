import type { AuditEvent } from '../../../registry/audit.js';

const actionWords: Record<string, string> = {
  'key.created': 'Created key',
  'key.disabled': 'Disabled key',
  'key.enabled': 'Enabled key',
  'key.renamed': 'Renamed key to',
  'key.deleted': 'Deleted key',
  'key.regenerated': 'Regenerated key',
  'token.generated': 'Generated a downloads access token',
  'session.signed_in': 'Signed in',
  'session.signed_out': 'Signed out',
  'session.signed_out_everywhere': 'Signed out everywhere',
  'account.created': 'Created the account',
  'account.suspended': 'Suspended the account',
  'account.resumed': 'Resumed the account',
  'account.deleted': 'Deleted the account',
  'account.password_set': 'Set the password',
  'account.sources_set': 'Set the sources',
  'source.added': 'Added source',
  'source.removed': 'Removed source',
  'grant.added': 'Granted',
  'grant.revoked': 'Revoked',
  'entitlement.defined': 'Defined entitlement',
  'entitlement.updated': 'Changed the rules of entitlement',
  'entitlement.deleted': 'Deleted entitlement',
  'archive.downloaded': 'Downloaded',
  'metadata.fetched': 'Fetched the metadata of',
};

/** The families of actions the operator's Activity filter offers, with their labels. */
export const actionFilters: ReadonlyArray<readonly [string, string]> = [
  ['account.*', 'Accounts'],
  ['grant.*', 'Grants'],
  ['entitlement.*', 'Entitlements'],
  ['key.*', 'Keys'],
  ['token.*', 'Downloads access tokens'],
  ['source.*', 'Sources'],
  ['session.*', 'Sign-ins and sign-outs'],
  ['archive.downloaded', 'Archive downloads'],
  ['metadata.fetched', 'Metadata fetches'],
];

const text = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** One line saying what an audit event did, e.g. `Granted “commerce” until 2025-12-31`. */
export function describeEvent(event: AuditEvent): string {
  const words = actionWords[event.action] ?? event.action;
  const detail = event.detail ?? {};
  const quoted = (value: unknown): string => (text(value) === undefined ? '' : ` “${text(value)}”`);
  const name = event.action.startsWith('account.') ? '' : quoted(detail['name']);
  const entitlement = quoted(detail['entitlement']);
  const pkg = text(detail['package']) === undefined ? '' : ` ${text(detail['package'])}`;
  const reason = text(detail['reason']) === undefined ? '' : `: ${text(detail['reason'])}`;
  const until = event.action === 'grant.added' ? (text(detail['expiresOn']) === undefined ? ' with no expiry' : ` until ${text(detail['expiresOn'])}`) : '';
  const rules = Array.isArray(detail['rules']) ? `: ${detail['rules'].map(String).join(' ')}` : '';
  const sources = Array.isArray(detail['sources']) ? `: ${detail['sources'].map(String).join(', ')}` : '';
  return `${words}${name}${entitlement}${pkg}${until}${reason}${rules}${sources}`;
}

/** Who did it: the operator, an owner, the CLI, a key, or repogate itself. */
export function describeActor(event: AuditEvent): string {
  if (event.actor.type === 'operator') return 'Operator';
  if (event.actor.type === 'account') return `Owner (${event.actor.id})`;
  if (event.actor.type === 'cli') return `CLI (${event.actor.id})`;
  if (event.actor.type === 'key') return 'Key';
  return `System (${event.actor.id})`;
}
