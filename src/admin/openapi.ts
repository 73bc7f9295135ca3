import { z } from 'zod';
import { errorCodes, type ErrorCode } from '../errors.js';
import * as s from './api/schemas.js';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

interface Operation {
  readonly method: Method;
  readonly path: string;
  readonly id: string;
  readonly summary: string;
  readonly tag: 'session' | 'accounts' | 'entitlements' | 'keys' | 'downloads token' | 'access' | 'sources';
  /** Who may call it: the operator only, or also the owner of the account concerned. */
  readonly who: 'operator' | 'owner' | 'anyone';
  readonly body?: string;
  /** No schema: an empty body (204). */
  readonly response: { readonly status: number; readonly schema?: string; readonly array?: boolean };
  readonly errors: readonly ErrorCode[];
  readonly query?: readonly { readonly name: string; readonly description: string }[];
}

const bodies: Record<string, z.ZodType> = {
  SignIn: s.signInBody,
  CreateAccount: s.createAccountBody,
  Suspend: s.suspendBody,
  Password: s.passwordBody,
  DefineEntitlement: s.defineEntitlementBody,
  Grant: s.grantBody,
  CreateKey: s.createKeyBody,
  RenameKey: s.renameKeyBody,
  AddSource: s.addSourceBody,
  AccountSources: s.accountSourcesBody,
};

const responses: Record<string, z.ZodType> = {
  Error: s.errorBody,
  Session: s.sessionResponse,
  Me: s.meResponse,
  Account: s.accountResponse,
  AccountDetail: s.accountDetailResponse,
  DeletedAccount: s.deletedAccountResponse,
  PasswordSet: s.passwordSetResponse,
  SessionsEnded: s.sessionsEndedResponse,
  AuditEvent: s.auditEventResponse,
  Entitlement: s.entitlementResponse,
  GrantState: s.grantResponse,
  Revoked: s.revokedResponse,
  EntitlementDeleted: s.entitlementDeletedResponse,
  AccessKey: s.keyResponse,
  IssuedKey: s.issuedKeyResponse,
  DeletedKey: s.deletedKeyResponse,
  TokenState: s.tokenStateResponse,
  IssuedToken: s.issuedTokenResponse,
  AccessExplanation: s.accessExplanationResponse,
  Source: s.sourceResponse,
  SourceListed: s.sourceListedResponse,
};

const auth: readonly ErrorCode[] = ['AUTH_REQUIRED', 'AUTH_INVALID', 'RATE_LIMITED', 'CSRF_INVALID'];

/** Every route of the admin API (paths relative to `/api/v1`). The integration tests check each one exists. */
export const apiOperations: readonly Operation[] = [
  { method: 'post', path: '/session', id: 'signIn', tag: 'session', who: 'anyone', summary: 'An account owner signs in with MAGEID and password; returns a bearer session token', body: 'SignIn', response: { status: 201, schema: 'Session' }, errors: ['VALIDATION', 'AUTH_INVALID', 'RATE_LIMITED'] },
  { method: 'get', path: '/me', id: 'whoAmI', tag: 'session', who: 'owner', summary: 'Who the token or session belongs to', response: { status: 200, schema: 'Me' }, errors: auth },

  { method: 'get', path: '/accounts', id: 'listAccounts', tag: 'accounts', who: 'owner', summary: 'All accounts (an owner: only their own)', response: { status: 200, schema: 'Account', array: true }, errors: auth },
  { method: 'post', path: '/accounts', id: 'createAccount', tag: 'accounts', who: 'operator', summary: 'Create an account', body: 'CreateAccount', response: { status: 201, schema: 'Account' }, errors: [...auth, 'FORBIDDEN', 'VALIDATION', 'ALREADY_EXISTS'] },
  { method: 'get', path: '/accounts/{id}', id: 'showAccount', tag: 'accounts', who: 'owner', summary: 'An account with its grants, number of keys and downloads token state', response: { status: 200, schema: 'AccountDetail' }, errors: [...auth, 'VALIDATION', 'NOT_FOUND'] },
  { method: 'delete', path: '/accounts/{id}', id: 'deleteAccount', tag: 'accounts', who: 'operator', summary: 'Delete an account with its keys, grants and downloads token', response: { status: 200, schema: 'DeletedAccount' }, errors: [...auth, 'FORBIDDEN', 'VALIDATION', 'NOT_FOUND'] },
  { method: 'post', path: '/accounts/{id}/suspend', id: 'suspendAccount', tag: 'accounts', who: 'operator', summary: 'Suspend an account: its keys get 403 with the reason, and every session of its owner ends', body: 'Suspend', response: { status: 200, schema: 'Account' }, errors: [...auth, 'FORBIDDEN', 'VALIDATION', 'NOT_FOUND'] },
  { method: 'post', path: '/accounts/{id}/resume', id: 'resumeAccount', tag: 'accounts', who: 'operator', summary: 'Lift the suspension of an account', response: { status: 200, schema: 'Account' }, errors: [...auth, 'FORBIDDEN', 'VALIDATION', 'NOT_FOUND'] },
  { method: 'put', path: '/accounts/{id}/password', id: 'setPassword', tag: 'accounts', who: 'operator', summary: 'Set the password the owner signs in with (at least 10 characters); every session of the account ends', body: 'Password', response: { status: 200, schema: 'PasswordSet' }, errors: [...auth, 'FORBIDDEN', 'VALIDATION', 'NOT_FOUND'] },
  { method: 'delete', path: '/accounts/{id}/sessions', id: 'signOutEverywhere', tag: 'session', who: 'owner', summary: 'Sign out everywhere: end every session of the account (page and API, every instance), the caller’s own included', response: { status: 200, schema: 'SessionsEnded' }, errors: [...auth, 'VALIDATION', 'NOT_FOUND'] },
  { method: 'get', path: '/audit', id: 'auditTrail', tag: 'accounts', who: 'owner', summary: 'The audit trail, newest first: changes with their actor, and what each key fetched (owners see their own account only)', query: [{ name: 'key', description: 'only events of this public key' }, { name: 'account', description: 'only events of this MAGEID' }, { name: 'since', description: 'a date YYYY-MM-DD or an age such as 7d, 12h, 2w' }, { name: 'limit', description: 'at most this many events (default 200)' }], response: { status: 200, schema: 'AuditEvent', array: true }, errors: [...auth, 'VALIDATION', 'NOT_FOUND'] },
  { method: 'get', path: '/accounts/{id}/audit', id: 'accountAudit', tag: 'accounts', who: 'owner', summary: 'The account’s audit trail, newest first', query: [{ name: 'limit', description: 'at most this many events (default 100)' }], response: { status: 200, schema: 'AuditEvent', array: true }, errors: [...auth, 'VALIDATION', 'NOT_FOUND'] },

  { method: 'get', path: '/entitlements', id: 'listEntitlements', tag: 'entitlements', who: 'operator', summary: 'Entitlements with their rules', response: { status: 200, schema: 'Entitlement', array: true }, errors: [...auth, 'FORBIDDEN'] },
  { method: 'put', path: '/entitlements/{name}', id: 'defineEntitlement', tag: 'entitlements', who: 'operator', summary: 'Create an entitlement or replace its rules (the last matching rule decides)', body: 'DefineEntitlement', response: { status: 200, schema: 'Entitlement' }, errors: [...auth, 'FORBIDDEN', 'VALIDATION'] },
  { method: 'delete', path: '/entitlements/{name}', id: 'deleteEntitlement', tag: 'entitlements', who: 'operator', summary: 'Delete an entitlement no account holds (CONFLICT while one does)', response: { status: 200, schema: 'EntitlementDeleted' }, errors: [...auth, 'FORBIDDEN', 'NOT_FOUND', 'CONFLICT'] },
  { method: 'get', path: '/accounts/{id}/grants', id: 'listGrants', tag: 'entitlements', who: 'owner', summary: 'The account’s grants with their expiry and state', response: { status: 200, schema: 'GrantState', array: true }, errors: [...auth, 'VALIDATION', 'NOT_FOUND'] },
  { method: 'put', path: '/accounts/{id}/grants/{entitlement}', id: 'grant', tag: 'entitlements', who: 'operator', summary: 'Grant an entitlement (again: change its expiry)', body: 'Grant', response: { status: 200, schema: 'GrantState' }, errors: [...auth, 'FORBIDDEN', 'VALIDATION', 'NOT_FOUND'] },
  { method: 'delete', path: '/accounts/{id}/grants/{entitlement}', id: 'revoke', tag: 'entitlements', who: 'operator', summary: 'Take a grant away', response: { status: 200, schema: 'Revoked' }, errors: [...auth, 'FORBIDDEN', 'VALIDATION', 'NOT_FOUND'] },

  { method: 'get', path: '/keys', id: 'listAllKeys', tag: 'keys', who: 'owner', summary: 'Keys of every account (an owner: their own), never private keys', query: [{ name: 'account', description: 'only the keys of this MAGEID' }], response: { status: 200, schema: 'AccessKey', array: true }, errors: [...auth, 'VALIDATION', 'NOT_FOUND'] },
  { method: 'get', path: '/accounts/{id}/keys', id: 'listKeys', tag: 'keys', who: 'owner', summary: 'The account’s keys, never private keys', response: { status: 200, schema: 'AccessKey', array: true }, errors: [...auth, 'VALIDATION', 'NOT_FOUND'] },
  { method: 'post', path: '/accounts/{id}/keys', id: 'createKey', tag: 'keys', who: 'owner', summary: 'Create a key pair; the private key is in this response only', body: 'CreateKey', response: { status: 201, schema: 'IssuedKey' }, errors: [...auth, 'VALIDATION', 'NOT_FOUND'] },
  { method: 'get', path: '/keys/{publicKey}', id: 'showKey', tag: 'keys', who: 'owner', summary: 'One key', response: { status: 200, schema: 'AccessKey' }, errors: [...auth, 'VALIDATION', 'NOT_FOUND'] },
  { method: 'patch', path: '/keys/{publicKey}', id: 'renameKey', tag: 'keys', who: 'owner', summary: 'Rename a key', body: 'RenameKey', response: { status: 200, schema: 'AccessKey' }, errors: [...auth, 'VALIDATION', 'NOT_FOUND'] },
  { method: 'post', path: '/keys/{publicKey}/disable', id: 'disableKey', tag: 'keys', who: 'owner', summary: 'Disable a key: it gets 401 until enabled (a disabled key is answered as it is, and nothing is recorded)', response: { status: 200, schema: 'AccessKey' }, errors: [...auth, 'VALIDATION', 'NOT_FOUND'] },
  { method: 'post', path: '/keys/{publicKey}/enable', id: 'enableKey', tag: 'keys', who: 'owner', summary: 'Enable a disabled key (an enabled key is answered as it is, and nothing is recorded)', response: { status: 200, schema: 'AccessKey' }, errors: [...auth, 'VALIDATION', 'NOT_FOUND'] },
  { method: 'post', path: '/keys/{publicKey}/regenerate', id: 'regenerateKey', tag: 'keys', who: 'owner', summary: 'A new pair in place (same name and settings); the old pair stops working at once', response: { status: 200, schema: 'IssuedKey' }, errors: [...auth, 'VALIDATION', 'NOT_FOUND'] },
  { method: 'delete', path: '/keys/{publicKey}', id: 'deleteKey', tag: 'keys', who: 'owner', summary: 'Delete a key; it stops working at once', response: { status: 200, schema: 'DeletedKey' }, errors: [...auth, 'VALIDATION', 'NOT_FOUND'] },

  { method: 'get', path: '/access/explain', id: 'explainAccess', tag: 'access', who: 'operator', summary: 'Why a key can or cannot install a package: the proxy’s decision, each check in order, the deciding rule of each grant and of the key’s scope, and whether the upstream lists the package (as `repogate access explain --json`)', query: [{ name: 'key', description: 'the public key (required)' }, { name: 'package', description: 'the package, vendor/name (required)' }, { name: 'from', description: 'a client address to check against the key’s networks' }], response: { status: 200, schema: 'AccessExplanation' }, errors: [...auth, 'FORBIDDEN', 'VALIDATION', 'NOT_FOUND'] },

  { method: 'get', path: '/sources', id: 'listSources', tag: 'sources', who: 'operator', summary: 'The sources: default (the upstream of the environment) first, then those added, by name; never their secrets', response: { status: 200, schema: 'SourceListed', array: true }, errors: [...auth, 'FORBIDDEN'] },
  { method: 'post', path: '/sources', id: 'addSource', tag: 'sources', who: 'operator', summary: 'Add a source: a Composer repository (http or https, no credentials, query or fragment in the URL); a password or GitHub token needs REPOGATE_SECRETS_KEY', body: 'AddSource', response: { status: 201, schema: 'Source' }, errors: [...auth, 'FORBIDDEN', 'VALIDATION', 'BAD_REQUEST', 'ALREADY_EXISTS'] },
  { method: 'get', path: '/sources/{name}', id: 'showSource', tag: 'sources', who: 'operator', summary: 'One source, default included', response: { status: 200, schema: 'SourceListed' }, errors: [...auth, 'FORBIDDEN', 'NOT_FOUND'] },
  { method: 'delete', path: '/sources/{name}', id: 'removeSource', tag: 'sources', who: 'operator', summary: 'Remove a source and its stored credentials (CONFLICT while an account reads it; default cannot be removed)', response: { status: 204 }, errors: [...auth, 'FORBIDDEN', 'BAD_REQUEST', 'NOT_FOUND', 'CONFLICT'] },
  { method: 'put', path: '/accounts/{id}/sources', id: 'setAccountSources', tag: 'sources', who: 'operator', summary: 'Set the sources an account reads, in order: default or stored sources, each once, at least one', body: 'AccountSources', response: { status: 200, schema: 'Account' }, errors: [...auth, 'FORBIDDEN', 'VALIDATION', 'NOT_FOUND'] },

  { method: 'get', path: '/accounts/{id}/downloads-token', id: 'downloadsTokenState', tag: 'downloads token', who: 'owner', summary: 'Whether the account has a downloads access token, and since when', response: { status: 200, schema: 'TokenState' }, errors: [...auth, 'VALIDATION', 'NOT_FOUND'] },
  { method: 'post', path: '/accounts/{id}/downloads-token', id: 'generateDownloadsToken', tag: 'downloads token', who: 'owner', summary: 'Generate a new downloads access token, shown once; the previous one stops working', response: { status: 201, schema: 'IssuedToken' }, errors: [...auth, 'VALIDATION', 'NOT_FOUND'] },
];

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' });
  return rest;
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

function operationObject(op: Operation): Record<string, unknown> {
  const parameters = [
    ...[...op.path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } })),
    ...(op.query ?? []).map((q) => ({ name: q.name, in: 'query', required: false, description: q.description, schema: { type: 'string' } })),
  ];
  const who =
    op.who === 'anyone'
      ? 'No token needed.'
      : op.who === 'operator'
        ? 'Operator only (an owner gets FORBIDDEN on their own account, NOT_FOUND on any other).'
        : 'Operator, or the owner of the account concerned (anything of another account is NOT_FOUND).';
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of new Set(op.errors)) {
    const status = errorCodes[code].status;
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const errorResponses = Object.fromEntries(
    [...byStatus].map(([status, codes]) => [
      String(status),
      { description: codes.join(', '), content: { 'application/json': { schema: ref('Error') } } },
    ]),
  );
  return {
    operationId: op.id,
    summary: op.summary,
    description: `${who} Errors: ${[...new Set(op.errors)].join(', ')}.`,
    tags: [op.tag],
    ...(op.who === 'anyone' ? { security: [] } : {}),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(op.body === undefined ? {} : { requestBody: { required: true, content: { 'application/json': { schema: ref(op.body) } } } }),
    responses: {
      [String(op.response.status)]:
        op.response.schema === undefined
          ? { description: 'success, no content' }
          : {
              description: 'success',
              content: { 'application/json': { schema: op.response.array ? { type: 'array', items: ref(op.response.schema) } : ref(op.response.schema) } },
            },
      ...errorResponses,
    },
  };
}

let cached: string | undefined;

/** The OpenAPI 3.1 document of the admin API, as served at `/api/v1/openapi.json` (built once). */
export function openApiDocument(): string {
  if (cached !== undefined) return cached;
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of apiOperations) {
    (paths[op.path] ??= {})[op.method] = operationObject(op);
  }
  const document = {
    openapi: '3.1.0',
    info: {
      title: 'repogate admin API',
      version: '1',
      description:
        'Accounts, entitlements, grants, access keys, downloads access tokens and sources, with the same rules and error codes as the repogate CLI. ' +
        'Authenticate with `Authorization: Bearer <token>`: the operator’s REPOGATE_ADMIN_TOKEN, or an owner’s session token from POST /session. ' +
        'Requests that change something with the page’s session cookie instead need its CSRF token in `X-CSRF-Token`. ' +
        'Errors are `{"warning", "code"}`; match on `code`.',
    },
    servers: [{ url: '/api/v1' }],
    security: [{ bearer: [] }, { sessionCookie: [] }],
    tags: [{ name: 'session' }, { name: 'accounts' }, { name: 'entitlements' }, { name: 'keys' }, { name: 'downloads token' }, { name: 'access' }, { name: 'sources' }],
    paths,
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'REPOGATE_ADMIN_TOKEN (operator) or a session token (account owner)' },
        sessionCookie: { type: 'apiKey', in: 'cookie', name: 'repogate_session', description: 'the Access Keys page’s session; changes need X-CSRF-Token' },
      },
      schemas: {
        ...Object.fromEntries(Object.entries(bodies).map(([name, schema]) => [name, jsonSchema(schema, 'input')])),
        ...Object.fromEntries(Object.entries(responses).map(([name, schema]) => [name, jsonSchema(schema, 'output')])),
      },
    },
  };
  cached = JSON.stringify(document, null, 2);
  return cached;
}
