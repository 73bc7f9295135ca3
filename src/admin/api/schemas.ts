import { z } from 'zod';

/**
 * Request bodies of the admin API (strict: an unknown field is a VALIDATION error) and the shapes of
 * its responses. The formats of MAGEIDs, dates, rules and networks are checked by the registry, with
 * the same rules and messages as the CLI; these schemas check types and sizes. The OpenAPI document
 * is generated from them.
 */
const text = (max: number) => z.string().max(max);

export const signInBody = z.strictObject({ mageId: text(64), password: text(1024) });

export const createAccountBody = z.strictObject({ id: text(64), name: text(200), email: text(254).optional() });
export const suspendBody = z.strictObject({ reason: text(300) });
export const passwordBody = z.strictObject({ password: text(1024) });

export const defineEntitlementBody = z.strictObject({ rules: z.array(text(200)).min(1).max(500) });
export const grantBody = z.strictObject({
  /** Last day (UTC, YYYY-MM-DD) on which the grant counts; null or absent: no expiry. */
  expiresOn: text(10).nullable().optional(),
});

export const createKeyBody = z.strictObject({
  name: text(200),
  scope: z.array(text(200)).max(100).optional(),
  expiresOn: text(10).optional(),
  cidrs: z.array(text(64)).max(100).optional(),
});
export const renameKeyBody = z.strictObject({ name: text(200) });

export const addSourceBody = z.strictObject({
  name: text(40),
  url: text(2000),
  username: text(200).optional(),
  password: text(4096).optional().describe('stored encrypted with REPOGATE_SECRETS_KEY; never returned'),
  githubToken: text(4096).optional().describe('stored encrypted with REPOGATE_SECRETS_KEY; never returned'),
});
export const accountSourcesBody = z.strictObject({
  sources: z.array(text(40)).min(1).max(50).describe('source names in the order the account reads them: default, or stored sources'),
});

// Responses (documentation only).

export const errorBody = z.object({
  warning: z.string().describe('one line a person can act on'),
  code: z.string().describe('stable error code, as in the README table'),
});

export const accountResponse = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string().nullable(),
  status: z.enum(['active', 'suspended']),
  suspensionReason: z.string().nullable(),
  hasPassword: z.boolean(),
  createdAt: z.string(),
  sources: z.array(z.string()).describe('the sources the account reads, in order'),
});

export const grantResponse = z.object({
  accountId: z.string(),
  entitlement: z.string(),
  expiresOn: z.string().nullable(),
  createdAt: z.string(),
  state: z.enum(['active', 'expiring', 'expired']),
  daysLeft: z.number().int().nullable(),
});

export const accountDetailResponse = accountResponse.extend({
  grants: z.array(z.object({ entitlement: z.string(), expiresOn: z.string().nullable(), expired: z.boolean() })),
  keys: z.number().int(),
  downloadsToken: z.object({ createdAt: z.string() }).nullable(),
});

export const entitlementResponse = z.object({
  name: z.string(),
  rules: z.array(z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const keyResponse = z.object({
  publicKey: z.string(),
  accountId: z.string(),
  name: z.string(),
  status: z.enum(['enabled', 'disabled']),
  scope: z.array(z.string()).nullable(),
  expiresOn: z.string().nullable(),
  cidrs: z.array(z.string()).nullable(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  lastUsedAddress: z.string().nullable(),
});

export const issuedKeyResponse = z.object({
  publicKey: z.string(),
  privateKey: z.string().describe('shown only in this response; repogate keeps only a hash'),
  name: z.string(),
  account: z.string(),
  key: keyResponse,
});

export const tokenStateResponse = z.object({ account: z.string(), exists: z.boolean(), createdAt: z.string().nullable() });
export const issuedTokenResponse = z.object({
  account: z.string(),
  token: z.string().describe('shown only in this response; the previous token stops working'),
  credentials: z.string().describe('MAGEID:TOKEN, as the release downloads expect it'),
  createdAt: z.string(),
});

export const sessionResponse = z.object({
  token: z.string().describe('bearer token for this API, valid until expiresAt'),
  account: z.string(),
  expiresAt: z.string(),
});

export const meResponse = z.object({
  actor: z.object({ type: z.enum(['operator', 'account']), id: z.string() }),
  account: z.string().nullable(),
  via: z.enum(['admin-token', 'bearer-session', 'cookie-session']),
});

export const auditEventResponse = z.object({
  id: z.number().int(),
  at: z.string(),
  actor: z.object({ type: z.string(), id: z.string() }),
  action: z.string(),
  accountId: z.string().nullable(),
  publicKey: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()).nullable(),
});

export const sourceResponse = z.object({
  name: z.string(),
  url: z.string(),
  username: z.string().nullable(),
  hasPassword: z.boolean(),
  hasGithubToken: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
  accounts: z.array(z.string()).describe('the accounts that read it'),
});
export const sourceListedResponse = sourceResponse.extend({
  origin: z.enum(['environment', 'registry']).describe('environment: the source default (REPOGATE_UPSTREAM_URL…); registry: added'),
  createdAt: z.string().nullable(),
  updatedAt: z.string().nullable(),
});

export const deletedKeyResponse = z.object({ publicKey: z.string(), deleted: z.literal(true) });
export const deletedAccountResponse = z.object({ account: z.string(), deleted: z.literal(true), keysDeleted: z.number().int() });
export const revokedResponse = z.object({ account: z.string(), entitlement: z.string(), revoked: z.literal(true) });
export const entitlementDeletedResponse = z.object({ entitlement: z.string(), deleted: z.literal(true) });
export const passwordSetResponse = z.object({ account: z.string(), passwordSet: z.literal(true) });
export const sessionsEndedResponse = z.object({ account: z.string(), sessionsEnded: z.literal(true) });

const ruleMatch = z
  .object({ rule: z.string(), position: z.number().int().describe('1-based, in the order the rules are listed'), effect: z.enum(['allow', 'deny']) })
  .nullable()
  .describe('the rule that decides (the last that matches); null when none matches');

export const accessExplanationResponse = z.object({
  publicKey: z.string(),
  package: z.string(),
  allowed: z.boolean(),
  denial: z
    .object({ code: z.string(), reason: z.string().describe('the one-line reason the proxy answers') })
    .nullable()
    .describe('the refusal the proxy answers; null when allowed'),
  key: z.object({
    name: z.string(),
    status: z.enum(['enabled', 'disabled']),
    expiresOn: z.string().nullable(),
    cidrs: z.array(z.string()).nullable(),
    address: z.string().nullable().describe('the address checked against cidrs (the from parameter), if any'),
  }),
  account: z.object({ id: z.string(), status: z.enum(['active', 'suspended']), suspensionReason: z.string().nullable() }),
  grants: z.array(
    z.object({
      entitlement: z.string(),
      expiresOn: z.string().nullable(),
      active: z.boolean(),
      rules: z.array(z.string()),
      match: ruleMatch,
      allows: z.boolean(),
    }),
  ),
  scope: z.object({ rules: z.array(z.string()), match: ruleMatch, allows: z.boolean() }).nullable(),
  knownUpstream: z.boolean().nullable().describe("whether one of the account's sources has the package; null when they could not be asked"),
  knownSource: z.string().nullable().describe("the first of the account's sources that has the package; null when none has it or they were not asked"),
  checks: z.array(
    z.object({
      check: z.enum(['key-status', 'key-expiry', 'key-address', 'account-status', 'grants', 'scope', 'upstream']),
      ok: z.boolean().nullable().describe('null: not checked'),
      detail: z.string(),
    }),
  ),
  today: z.string(),
});
