import type { Request, Response } from 'express';
import type { z } from 'zod';
import { RepogateError } from '../../errors.js';
import type { ClientAddress } from '../../http/client-address.js';
import type { Logger } from '../../logger.js';
import type { AdminService } from '../admin-service.js';
import type { Authentication, Authenticator } from '../authenticate.js';
import type { Caller } from '../caller.js';
import type { OperatorService } from '../operator-service.js';
import type { SignIn } from '../sign-in.js';
import type { SourceAdmin } from '../source-admin.js';
import type { SessionCodec } from '../web/session.js';

/** What the API routes are built from. */
export interface ApiDeps {
  readonly admin: AdminService;
  /** The operator-only reads across accounts (access explanations). */
  readonly operator: OperatorService;
  /** Sources (operator only). */
  readonly sources: SourceAdmin;
  readonly signIn: SignIn;
  readonly codec: SessionCodec;
  readonly authenticator: Authenticator;
  readonly logger: Logger;
  /** The client's address (through trusted proxies), for sign-in limits and the audit trail. */
  readonly clientAddress: ClientAddress;
}

/** Parses a request body with `schema`; a mismatch is VALIDATION (400), naming each field. */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.infer<S> {
  const parsed = schema.safeParse(body ?? {});
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) => {
    const field = issue.path.length === 0 ? 'body' : issue.path.join('.');
    return `${field}: ${issue.message}`;
  });
  throw new RepogateError('VALIDATION', `invalid request body: ${problems.join('; ')}`);
}

/** A path parameter (express has already decoded it). */
export function param(req: Request, name: string): string {
  const value: unknown = req.params[name];
  return typeof value === 'string' ? value : '';
}

/** A single-valued query parameter, or undefined. */
export function query(req: Request, name: string): string | undefined {
  const value: unknown = (req.query as Record<string, unknown>)[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** The authenticated caller of this request (set by the API's authentication middleware). */
export function callerOf(res: Response): Caller {
  return authenticationOf(res).caller;
}

export function authenticationOf(res: Response): Extract<Authentication, { ok: true }> {
  const auth = res.locals['authentication'] as Authentication | undefined;
  if (auth?.ok !== true) throw new RepogateError('AUTH_REQUIRED', 'authentication required');
  return auth;
}
